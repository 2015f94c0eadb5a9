"""A throwaway PostgreSQL server for the tests (Debian's `postgresql` package; .ci/run installs it).

initdb refuses to run as root, so as root the server runs as the `postgres` user the package creates. It
listens only on a Unix socket in a temporary directory and is stopped (and its files removed) at the end.
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


def _bindir() -> str:
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"))
    if not found:
        raise PostgresMissing("PostgreSQL server binaries not found: apt-get install -y postgresql (see scripts/setup.sh)")
    return os.path.dirname(found[-1])


def _run(cmd: list[str], as_postgres: bool) -> None:
    if as_postgres:
        cmd = ["runuser", "-u", "postgres", "--", *cmd]
    subprocess.run(cmd, check=True, capture_output=True, timeout=120)


@contextmanager
def postgres_server() -> Iterator[str]:
    """Start a server; yield a SQLAlchemy URL to a fresh database in it."""
    bindir = _bindir()
    as_postgres = os.geteuid() == 0
    root = tempfile.mkdtemp(prefix="xlt-pg-")
    data, sock = os.path.join(root, "data"), os.path.join(root, "sock")
    os.mkdir(sock)
    if as_postgres:
        shutil.chown(root, "postgres")
        shutil.chown(sock, "postgres")
    try:
        _run([f"{bindir}/initdb", "-D", data, "-U", "postgres", "-A", "trust", "--no-sync"], as_postgres)
        opts = f"-k {sock} -p {PORT} -c listen_addresses='' -c fsync=off"
        _run([f"{bindir}/pg_ctl", "-D", data, "-o", opts, "-w", "-t", "60", "-l", os.path.join(root, "log"), "start"],
             as_postgres)
        url = f"postgresql+psycopg://postgres@/postgres?host={sock}&port={PORT}"
        deadline = time.monotonic() + 30
        while not os.path.exists(os.path.join(sock, f".s.PGSQL.{PORT}")):
            if time.monotonic() > deadline:
                raise RuntimeError("PostgreSQL did not open its socket")
            time.sleep(0.1)
        yield url
    finally:
        subprocess.run(["runuser", "-u", "postgres", "--", f"{bindir}/pg_ctl", "-D", data, "-m", "immediate", "stop"]
                       if as_postgres else [f"{bindir}/pg_ctl", "-D", data, "-m", "immediate", "stop"],
                       capture_output=True, timeout=60)
        shutil.rmtree(root, ignore_errors=True)
