"""A throwaway PostgreSQL server (Debian's `postgresql` package; .ci/run installs it), for the tests and, through
benchmarks/pg.py, the benchmarks.

initdb refuses to run as root, so as root the server runs as the `postgres` user the package creates. It
listens only on a Unix socket in a temporary directory and is stopped (and its files removed) at the end.
The tests run theirs with fsync off; the benchmarks run theirs as a deployment does (`durable`: fsync on, UTF8).
"""

from __future__ import annotations

import glob
import os
import shutil
import subprocess
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager

PORT = 54329


class PostgresMissing(RuntimeError):
    pass


def bindir() -> str:
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"))
    if not found:
        raise PostgresMissing("PostgreSQL server binaries not found: apt-get install -y postgresql (see scripts/setup.sh)")
    return os.path.dirname(found[-1])


def run(cmd: list[str], as_postgres: bool, timeout: float = 120) -> str:
    if as_postgres:
        cmd = ["runuser", "-u", "postgres", "--", *cmd]
    return subprocess.run(cmd, check=True, capture_output=True, text=True, timeout=timeout).stdout


@contextmanager
def running(port: int, *, durable: bool, prefix: str) -> Iterator[str]:
    """Start a server on `port`; yield its socket directory. `durable`: fsync on and UTF8, as deployed."""
    b, as_postgres = bindir(), os.geteuid() == 0
    timeout = 300 if durable else 120
    root = tempfile.mkdtemp(prefix=prefix)
    data, sock = os.path.join(root, "data"), os.path.join(root, "sock")
    os.mkdir(sock)
    if as_postgres:
        shutil.chown(root, "postgres")
        shutil.chown(sock, "postgres")
    try:
        run([f"{b}/initdb", "-D", data, "-U", "postgres", "-A", "trust", *(["-E", "UTF8"] if durable else ["--no-sync"])],
            as_postgres, timeout)
        opts = f"-k {sock} -p {port} -c listen_addresses=''" + ("" if durable else " -c fsync=off")
        run([f"{b}/pg_ctl", "-D", data, "-o", opts, "-w", "-t", "60", "-l", os.path.join(root, "log"), "start"],
            as_postgres, timeout)
        deadline = time.monotonic() + 30
        while not os.path.exists(os.path.join(sock, f".s.PGSQL.{port}")):
            if time.monotonic() > deadline:
                raise RuntimeError("PostgreSQL did not open its socket")
            time.sleep(0.1)
        yield sock
    finally:
        stop = [f"{b}/pg_ctl", "-D", data, "-m", "fast" if durable else "immediate", "stop"]
        subprocess.run(["runuser", "-u", "postgres", "--", *stop] if as_postgres else stop, capture_output=True,
                       timeout=120 if durable else 60)
        shutil.rmtree(root, ignore_errors=True)


@contextmanager
def postgres_server() -> Iterator[str]:
    """Start a server; yield a SQLAlchemy URL to a fresh database in it."""
    with running(PORT, durable=False, prefix="xlt-pg-") as sock:
        yield f"postgresql+psycopg://postgres@/postgres?host={sock}&port={PORT}"
