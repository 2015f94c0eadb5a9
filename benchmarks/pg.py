"""A PostgreSQL server for the benchmarks, configured as a deployment runs it (fsync on, the defaults, UTF8), not as
the tests run theirs (fsync off): tests/pgserver.py starts either, from Debian's binaries in a temporary directory,
Unix socket only, as the `postgres` user when run as root (initdb refuses root), stopped and removed at the end."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))
from pgserver import PostgresMissing, bindir, run, running  # noqa: E402 - tests/pgserver.py

PORT = 54341  # not the tests' 54329: a benchmark may run beside them


@contextmanager
def server(port: int = PORT) -> Iterator[tuple[str, str]]:
    """(socket directory, a function-free base URL without the database name) of a running server."""
    try:
        bindir()
    except PostgresMissing as exc:
        raise SystemExit(str(exc)) from None
    with running(port, durable=True, prefix="xlt-bench-pg-") as sock:
        yield sock, f"postgresql+psycopg://postgres@/{{db}}?host={sock}&port={port}"


def createdb(sock: str, name: str, port: int = PORT) -> None:
    run([f"{bindir()}/createdb", "-h", sock, "-p", str(port), "-U", "postgres", name], False, 300)
