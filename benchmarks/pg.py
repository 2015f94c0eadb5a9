"""A PostgreSQL server for the benchmarks, configured as a deployment runs it (fsync on, the defaults), not as the
tests run theirs (fsync off): started from Debian's binaries in a temporary directory, Unix socket only,
as the `postgres` user when run as root (initdb refuses root), stopped and removed at the end."""

from __future__ import annotations

import glob
import os
import shutil
import subprocess
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager

PORT = 54341  # not the tests' 54329: a benchmark may run beside them


def bindir() -> str:
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"))
    if not found:
        raise SystemExit("PostgreSQL server binaries not found: apt-get install -y postgresql (scripts/setup.sh)")
    return os.path.dirname(found[-1])


def _run(cmd: list[str], as_postgres: bool) -> str:
    if as_postgres:
        cmd = ["runuser", "-u", "postgres", "--", *cmd]
    return subprocess.run(cmd, check=True, capture_output=True, text=True, timeout=300).stdout


@contextmanager
def server(port: int = PORT) -> Iterator[tuple[str, str]]:
    """(socket directory, a function-free base URL without the database name) of a running server."""
    b, as_postgres = bindir(), os.geteuid() == 0
    root = tempfile.mkdtemp(prefix="xlt-bench-pg-")
    data, sock = os.path.join(root, "data"), os.path.join(root, "sock")
    os.mkdir(sock)
    if as_postgres:
        shutil.chown(root, "postgres")
        shutil.chown(sock, "postgres")
    try:
        _run([f"{b}/initdb", "-D", data, "-U", "postgres", "-A", "trust", "-E", "UTF8"], as_postgres)
        opts = f"-k {sock} -p {port} -c listen_addresses=''"
        _run([f"{b}/pg_ctl", "-D", data, "-o", opts, "-w", "-t", "60", "-l", os.path.join(root, "log"), "start"],
             as_postgres)
        deadline = time.monotonic() + 30
        while not os.path.exists(os.path.join(sock, f".s.PGSQL.{port}")):
            if time.monotonic() > deadline:
                raise RuntimeError("PostgreSQL did not open its socket")
            time.sleep(0.1)
        yield sock, f"postgresql+psycopg://postgres@/{{db}}?host={sock}&port={port}"
    finally:
        stop = [f"{b}/pg_ctl", "-D", data, "-m", "fast", "stop"]
        subprocess.run(["runuser", "-u", "postgres", "--", *stop] if as_postgres else stop, capture_output=True,
                       timeout=120)
        shutil.rmtree(root, ignore_errors=True)


def createdb(sock: str, name: str, port: int = PORT) -> None:
    _run([f"{bindir()}/createdb", "-h", sock, "-p", str(port), "-U", "postgres", name], False)
