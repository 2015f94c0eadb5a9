"""A round's life in one process, then what it left open: run by tests/test_resources.py, not a test module.

    python -W error::ResourceWarning tests/leak_scenario.py WORKDIR

Runs the commands that open the round database (generate --db, collect with worker processes, status, export,
rollover --new-db, each also on a path where it refuses), then the web desk through its whole lifespan (a page,
a check upload, the bureau's login and status page). With the garbage collector off, so nothing is closed by
luck, it prints one ``OPEN <path>`` line per file descriptor still open under WORKDIR (a sqlite connection
holds its database, -wal and -shm files: visible on every Python); then it collects the garbage, and any
ResourceWarning raised while finalising (Python 3.13 warns about an unclosed sqlite3 connection) is printed
as ``LEAK <warning>`` with where the object was allocated: tracemalloc traces this process (started here, not
with ``-X tracemalloc``, which check workers would inherit and run many times slower under).
"""

from __future__ import annotations

import csv
import gc
import os
import sys
import tracemalloc
from pathlib import Path
from typing import Any

from round_kit import DEPT, YEAR, dept_data, returned, roster_csv, units
from starlette.testclient import TestClient
from typer.testing import CliRunner
from web_kit import csrf_of

from xltemplates.cli import app
from xltemplates.round.db import open_db
from xltemplates.web import DeskConfig, create_app


def cli(*args: str, expect: int = 0) -> None:
    res = CliRunner().invoke(app, list(args))
    assert res.exit_code == expect, (args, res.exit_code, res.output, res.exception)


def commands(work: Path) -> Path:
    roster = roster_csv(work / "units.csv", units(2))
    db, src = work / "round.sqlite", work / "in"
    cli("generate", DEPT, "--year", str(YEAR), "--roster", str(roster), "--out-dir", str(work / "forms"), "--db", str(db))
    for u in units(2):
        returned(src, u, dept_data(u))
    cli("collect", str(src), "--db", str(db), "--roster", str(roster), "--jobs", "2")
    cli("status", "--db", str(db))
    cli("export", "--db", str(db), "-o", str(work / "summary.xlsx"), "--csv", str(work / "csv"))
    cli("rollover", "--db", str(db), "--year", str(YEAR + 1), "--out-dir", str(work / "next"),
        "--new-db", str(work / "next.sqlite"))
    # refusals after the database was opened: a schema newer than the code, a new round's database nowhere
    newer = work / "newer.sqlite"
    open_db(newer).dispose()
    import sqlite3
    from contextlib import closing

    with closing(sqlite3.connect(newer)) as conn, conn:
        conn.execute("UPDATE schema_version SET version = version + 1")
    cli("status", "--db", str(newer), expect=2)
    cli("rollover", "--db", str(db), "--year", str(YEAR + 1), "--out-dir", str(work / "nowhere"),
        "--new-db", str(work / "no-such-dir" / "r.sqlite"), expect=2)
    return db


def desk(work: Path, db: Path) -> Any:
    with (work / "forms" / "manifest.csv").open(encoding="utf-8-sig", newline="") as fh:
        link = next(csv.DictReader(fh))["填报链接"]
    path = "/u/" + link.rsplit("/u/", 1)[1]
    web = create_app(open_db(db), DeskConfig(jobs=0))
    content = (work / "in").iterdir().__next__().read_bytes()
    with TestClient(web) as client:
        page = client.get(path)
        assert page.status_code == 200, page.text
        r = client.post(path, data={"csrf": csrf_of(page.text), "action": "check"},
                        files={"file": ("申报表.xlsx", content)})
        assert r.status_code == 200, r.text
        assert client.get("/login").status_code == 200
        assert client.get("/bureau", follow_redirects=False).status_code in (302, 303)
    return web  # kept alive, as serve keeps its app until the process ends


def open_under(work: Path) -> list[str]:
    out = []
    for fd in os.listdir("/proc/self/fd"):
        try:
            target = os.readlink(f"/proc/self/fd/{fd}")
        except OSError:  # the listing's own descriptor, gone by now
            continue
        if target.startswith(str(work)):
            out.append(target)
    return sorted(out)


def main(work: Path) -> int:
    leaks: list[str] = []

    def hook(u: Any) -> None:
        where = tracemalloc.get_object_traceback(u.object) if u.object is not None else None
        trace = "".join(where.format()) if where is not None else "(allocation not traced)"
        leaks.append(f"LEAK {u.exc_type.__name__}: {u.exc_value} in {u.object!r}\n{trace}")

    sys.unraisablehook = hook
    tracemalloc.start(25)
    gc.disable()
    db = commands(work)
    kept = desk(work, db)
    for path in open_under(work):
        print(f"OPEN {path}")
    gc.enable()
    gc.collect()
    del kept
    gc.collect()
    for leak in leaks:
        print(leak)
    return 0


if __name__ == "__main__":
    sys.exit(main(Path(sys.argv[1]).resolve()))
