"""The collection round at province scale, PostgreSQL against SQLite (issue 22): collect, status, export.

    .venv/bin/python benchmarks/bench_round_pg.py                 # 4,000 returns (~5-10 min on 2 busy cores)
    .venv/bin/python benchmarks/bench_round_pg.py --n 4000 20000  # and 20,000 (~30-60 min)
    .venv/bin/python benchmarks/bench_round_pg.py --n 200         # a quick look

Workload: N returned dept-overall workbooks (benchmarks/bench_round.py's make_returns: every tenth one
rejected with findings) and a roster of the N units, made before any clock starts. For each N, into a
fresh SQLite file and a fresh PostgreSQL database (a server started here from Debian's binaries with the
defaults a deployment keeps: fsync on, synchronous_commit on; Unix socket), each as the real command in a
child process:

- `collect DIR --db … --roster units.csv --jobs J`: wall time per file, peak RSS (the command's process tree
  summed, and its largest process; sampled every 20 ms; the PostgreSQL server's own processes not counted),
  and the database's size afterwards (SQLite: the file and its WAL; PostgreSQL: pg_database_size);
- `status --db … --json`, `export --db … -o summary.xlsx`, `export --db … --csv DIR`: wall time.

Ratios PostgreSQL / SQLite are printed beside each figure, with the machine's load (a shared machine's
figures drift: read the ratios, and the absolute figures with the load next to them).
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from functools import partial
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import pg  # noqa: E402 - benchmarks/pg.py
import sqlalchemy as sa  # noqa: E402
from bench_round import make_returns  # noqa: E402 - benchmarks/bench_round.py
from proc import proc_kib, process_tree  # noqa: E402 - benchmarks/proc.py
from run import use_throwaway_key  # noqa: E402

MiB = 1024 * 1024
CLI = [sys.executable, "-c", "from xltemplates.cli import main; main()"]


def run(args: list[str]) -> tuple[float, float, float]:
    """(wall seconds, peak summed RSS MiB of the tree, peak RSS MiB of its largest process) of one command."""
    start = time.perf_counter()
    proc = subprocess.Popen([*CLI, *args], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, cwd=ROOT)
    total = largest = 0
    while proc.poll() is None:
        rss = [proc_kib(f"/proc/{p}/status", "VmRSS:") for p in process_tree(proc.pid)]
        total, largest = max(total, sum(rss)), max([largest, *rss])
        time.sleep(0.02)
    wall = time.perf_counter() - start
    err = proc.stderr.read().decode(errors="replace") if proc.stderr else ""
    if proc.returncode != 0:
        raise SystemExit(f"{' '.join(args[:1])} failed ({proc.returncode}): {err[-2000:]}")
    return wall, total / 1024, largest / 1024


def subset(src: Path, n: int, where: Path) -> tuple[Path, Path]:
    """A folder with the first n returns (hard links) and the roster of their units."""
    d = where / f"returns-{n}"
    d.mkdir()
    files = sorted(src.iterdir())[:n]
    lines = ["单位编码,单位名称"]
    for f in files:
        os.link(f, d / f.name)
        code, name, _ = f.name.split("_", 2)
        lines.append(f"{code},{name}")
    roster = where / f"units-{n}.csv"
    roster.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return d, roster


def sqlite_size(path: Path) -> float:
    return sum(p.stat().st_size for p in path.parent.glob(path.name + "*")) / MiB


def pg_size(url: str) -> float:
    engine = sa.create_engine(url)
    try:
        with engine.connect() as conn:
            return float(conn.execute(sa.text("select pg_database_size(current_database())")).scalar_one()) / MiB
    finally:
        engine.dispose()


def measure(n: int, src: Path, roster: Path, db: str, scratch: Path, jobs: int,
            size_of: Callable[[], float]) -> dict[str, float]:
    out: dict[str, float] = {}
    wall, total, largest = run(["collect", str(src), "--db", db, "--roster", str(roster), "--jobs", str(jobs)])
    out.update(collect=wall, per_file=wall / n * 1000, rss_total=total, rss_largest=largest)
    out["size"] = size_of()
    out["status"] = run(["status", "--db", db, "--json"])[0]
    x = scratch / f"summary-{time.monotonic_ns()}.xlsx"
    out["export_xlsx"] = run(["export", "--db", db, "-o", str(x)])[0]
    c = scratch / f"csv-{time.monotonic_ns()}"
    out["export_csv"] = run(["export", "--db", db, "--csv", str(c)])[0]
    x.unlink(missing_ok=True)
    shutil.rmtree(c, ignore_errors=True)
    return out


ROWS = [
    ("collect", "collect, wall", "s"),
    ("per_file", "collect, per file", "ms"),
    ("rss_total", "collect, peak RSS (tree)", "MiB"),
    ("rss_largest", "collect, peak RSS (largest)", "MiB"),
    ("size", "database size", "MiB"),
    ("status", "status --json", "s"),
    ("export_xlsx", "export -o summary.xlsx", "s"),
    ("export_csv", "export --csv DIR", "s"),
]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--n", type=int, nargs="+", default=[4000], help="returns per round (default 4000)")
    ap.add_argument("--jobs", type=int, default=len(os.sched_getaffinity(0)), help="collect --jobs (all cores)")
    args = ap.parse_args()
    use_throwaway_key()
    scratch = Path(tempfile.mkdtemp(prefix="xlt-bench-pg-"))
    try:
        src = scratch / "returns"
        src.mkdir()
        t0 = time.perf_counter()
        make_returns(max(args.n), src)
        each = sum(f.stat().st_size for f in src.iterdir()) / max(args.n) / 1024
        print(f"machine: {len(os.sched_getaffinity(0))} cores, Python {sys.version.split()[0]}, "
              f"{sa.__version__=}, returns {each:.1f} KiB each, made in {time.perf_counter() - t0:.0f} s; "
              f"collect --jobs {args.jobs}")
        with pg.server() as (sock, base):
            engine = sa.create_engine(base.format(db="postgres"))
            with engine.connect() as conn:
                version = conn.execute(sa.text("show server_version")).scalar_one()
                fsync = conn.execute(sa.text("show fsync")).scalar_one()
            engine.dispose()
            print(f"PostgreSQL {version} (fsync {fsync}), SQLite {__import__('sqlite3').sqlite_version} (WAL, "
                  "synchronous=NORMAL); all on one disk of this VM")
            for n in sorted(args.n):
                d, roster = subset(src, n, scratch)
                lite = scratch / f"round-{n}.sqlite"
                pg.createdb(sock, f"round{n}")
                url = base.format(db=f"round{n}")
                load = os.getloadavg()[0]
                a = measure(n, d, roster, str(lite), scratch, args.jobs, partial(sqlite_size, lite))
                b = measure(n, d, roster, url, scratch, args.jobs, partial(pg_size, url))
                print(f"\n{n} returns (load average {load:.2f} before, {os.getloadavg()[0]:.2f} after)")
                print(f"  {'':<30}{'SQLite':>10}{'PostgreSQL':>12}{'PG/SQLite':>11}")
                for key, label, unit in ROWS:
                    print(f"  {label + ' (' + unit + ')':<30}{a[key]:10.2f}{b[key]:12.2f}{b[key] / a[key]:10.2f}x")
                shutil.rmtree(d)
    finally:
        shutil.rmtree(scratch, ignore_errors=True)


if __name__ == "__main__":
    main()
