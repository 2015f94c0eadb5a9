"""The web desk as two processes against one, on the same cores and one PostgreSQL database (issue 22).

    .venv/bin/python benchmarks/bench_desk_processes.py [--clerks 50] [--uploads 1000]

Workload, made before any clock: `--uploads` distinct clean workbooks over `--clerks` units (each its own
link; bench_web.py's workbooks), a PostgreSQL server started here (benchmarks/pg.py: fsync on), one fresh
round database per side. Side 1: one `serve --jobs 2`. Side 2: two `serve --jobs 1` on two ports, the same
total of check workers; each clerk opens its unit's page on one process and hands every file in through the
other (so every form crosses processes: the CSRF key and the rate limits are the database's). All clerks
hand in with 「正式报送」 at once (threads; pages opened and forms filled before the clock starts).

Reported per side: verdicts per second, and from the database read back: every file stored exactly once
under its unit (lost, doubled), 5xx answers, one current file per unit. Then the ratio two processes / one.
The exit status is 1 when a file is lost or doubled, a 5xx is seen, or a unit has other than one current file.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import pg  # noqa: E402 - benchmarks/pg.py
import sqlalchemy as sa  # noqa: E402
from bench_web import TEMPLATE, YEAR, Clerk, _free_port, _wait_up, workbook  # noqa: E402
from run import use_throwaway_key  # noqa: E402

from xltemplates.round.db import open_db  # noqa: E402
from xltemplates.round.links import issue_links  # noqa: E402
from xltemplates.round.store import save_roster  # noqa: E402
from xltemplates.unit_files import Unit  # noqa: E402

DEADLINE = 1800.0


def side(url: str, units: list[Unit], files: dict[str, list[tuple[str, bytes]]], workers: list[int],
         logs: Path) -> tuple[float, list[int]]:
    """Start one desk per entry of `workers` (its --jobs), hand every file in, stop them: (seconds, statuses)."""
    engine = open_db(url)
    save_roster(engine, units)
    tokens = issue_links(engine, units, TEMPLATE, YEAR)
    engine.dispose()
    procs, ports = [], []
    try:
        for i, jobs in enumerate(workers):
            port = _free_port()
            log = (logs / f"serve-{len(workers)}-{i}.log").open("wb")
            procs.append(subprocess.Popen([sys.executable, "-c", "from xltemplates.cli import main; main()", "serve",
                                           "--db", url, "--port", str(port), "--jobs", str(jobs)],
                                          stdout=log, stderr=log, cwd=ROOT))
            ports.append(port)
        for i, (port, proc) in enumerate(zip(ports, procs, strict=True)):
            try:
                _wait_up(port, proc, time.monotonic() + 120)
            except SystemExit:
                print((logs / f"serve-{len(workers)}-{i}.log").read_text(errors="replace")[-3000:], file=sys.stderr)
                raise
        browsers = {}
        for i, u in enumerate(units):
            opened = Clerk(ports[i % len(ports)], tokens[u.code])  # the page (and its form) from one process
            posting = Clerk(ports[(i + 1) % len(ports)], tokens[u.code]) if len(ports) > 1 else opened
            posting.cookie, posting.csrf = opened.cookie, opened.csrf  # ... handed in through the other
            browsers[u.code] = posting
        forms = {u.code: [browsers[u.code].form(n, c, "submit") for n, c in files[u.code]] for u in units}

        def hand_in(unit: Unit) -> list[int]:
            c = browsers[unit.code]
            return [s if "已正式报送" in page else -s for s, page in (c.post(f) for f in forms[unit.code])]

        statuses: list[int] = []
        t0 = time.perf_counter()
        with ThreadPoolExecutor(max_workers=len(units)) as pool:
            for result in pool.map(hand_in, units):
                statuses.extend(result)
        return time.perf_counter() - t0, statuses
    finally:
        for proc in procs:
            proc.terminate()
        for proc in procs:
            proc.wait(timeout=60)


def read_back(url: str) -> tuple[list[tuple[str, str]], dict[str, int]]:
    engine = sa.create_engine(url)
    try:
        with engine.connect() as conn:
            stored = [(r.unit_code, r.file_name) for r in conn.execute(sa.text("SELECT unit_code, file_name FROM submissions"))]
            current = {r.unit_code: int(r.n) for r in conn.execute(sa.text(
                "SELECT unit_code, count(*) FILTER (WHERE is_current) AS n FROM submissions GROUP BY unit_code"))}
    finally:
        engine.dispose()
    return stored, current


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--clerks", type=int, default=50)
    ap.add_argument("--uploads", type=int, default=1000, help="files handed in by all clerks together (a link "
                    "allows 30 per 10 minutes: keep uploads/clerks <= 30)")
    args = ap.parse_args()
    use_throwaway_key()
    units = [Unit(f"43012{i:04d}", f"长沙县第{i + 1}乡镇人民政府") for i in range(args.clerks)]
    per = [args.uploads // args.clerks + (1 if i < args.uploads % args.clerks else 0) for i in range(args.clerks)]
    print(f"machine: {len(os.sched_getaffinity(0))} cores, load average {os.getloadavg()[0]:.2f}; "
          f"making {args.uploads} workbooks ...", flush=True)
    files = {u.code: [(f"{u.code}_{v}.xlsx", workbook(u, v)) for v in range(n)] for u, n in zip(units, per, strict=True)}
    expected = {(u.code, name) for u in units for name, _ in files[u.code]}
    ok = True
    rates = {}
    with tempfile.TemporaryDirectory(prefix="bench-desk-") as tmp, pg.server() as (sock, base):
        for label, workers in (("one process, --jobs 2", [2]), ("two processes, --jobs 1 each", [1, 1])):
            name = f"desk{len(workers)}"
            pg.createdb(sock, name)
            url = base.format(db=name)
            load = os.getloadavg()[0]
            wall, statuses = side(url, units, files, workers, Path(tmp))
            stored, current = read_back(url)
            lost, doubled = expected - set(stored), len(stored) - len(set(stored))
            fivexx = sum(1 for s in statuses if abs(s) >= 500)
            not_one = sum(1 for u in units if current.get(u.code) != 1)
            rates[len(workers)] = len(statuses) / wall
            good = not lost and not doubled and not fivexx and not_one == 0 and all(s == 200 for s in statuses)
            ok = ok and good
            print(f"{label:<30}: {len(statuses)} uploads by {args.clerks} clerks in {wall:6.1f} s = "
                  f"{rates[len(workers)]:6.1f} verdicts/s (load average {load:.2f}); stored {len(stored)} of "
                  f"{len(expected)}: lost {len(lost)}, doubled {doubled}, 5xx {fivexx}, not handed in "
                  f"{sum(1 for s in statuses if s != 200)}, units without exactly one current {not_one}  "
                  f"{'PASS' if good else 'FAIL'}")
    print(f"two processes / one: {rates[2] / rates[1]:.2f}x the throughput (same cores, same check workers)")
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
