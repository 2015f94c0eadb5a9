"""Every benchmark at a tiny size, so none can rot unseen (.ci/run runs this; issue 21 item 6).

    .venv/bin/python benchmarks/smoke.py [NAME ...]

Each benchmark runs as its own child process with arguments that make it small (a few seconds each), its
output shown as it comes. Targets are printed, never asserted: at this size, on a shared CI machine, a ratio
says little, and a benchmark exits 1 when a target is missed. What fails the run is a benchmark that cannot
run to its end: a traceback (an uncaught exception also exits 1, so the traceback is what tells them apart),
an exit status other than 0 or 1, exit 1 from one whose 1 means a wrong result (STRICT), or a run past its
time limit. A benchmark added to this folder without a tiny size here fails the run too. The figures to
quote come from the full runs (benchmarks/README.md).
"""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent

#: benchmark -> the arguments that make it tiny
TINY: dict[str, list[str]] = {
    "run.py": ["--quick", "--n", "4", "--rounds", "1", "--repeats", "3"],
    "startup.py": ["--repeats", "3"],
    "bench_round.py": ["--n", "20"],
    "bench_round_pg.py": ["--n", "20", "--jobs", "2"],
    "bench_scale.py": ["--tiny"],
    "bench_web.py": ["--single", "3", "--clerks", "2", "--uploads", "6", "--deadline", "240"],
    "bench_legacy.py": ["--repeats", "2"],
    "bench_desk_processes.py": ["--clerks", "2", "--uploads", "4"],
}
#: benchmarks whose exit status 1 means a wrong result (a file lost or doubled, different bytes), not a target
#: missed: at any size that fails the run
STRICT = {"bench_desk_processes.py", "bench_scale.py"}
LIMIT_SECONDS = 300.0


def run(name: str) -> str | None:
    """Run one benchmark tiny; None when it ran to its end, else why not."""
    print(f"\n=== {name} {' '.join(TINY[name])}", flush=True)
    t0 = time.monotonic()
    try:
        proc = subprocess.run([sys.executable, str(HERE / name), *TINY[name]], stderr=subprocess.PIPE, text=True,
                              timeout=LIMIT_SECONDS)
    except subprocess.TimeoutExpired:
        return f"still running after {LIMIT_SECONDS:.0f} s"
    sys.stderr.write(proc.stderr)
    print(f"=== {name}: exit {proc.returncode} in {time.monotonic() - t0:.1f} s", flush=True)
    if "Traceback (most recent call last)" in proc.stderr:
        return "raised an exception"
    if proc.returncode not in (0, 1) or (proc.returncode == 1 and name in STRICT):
        return f"exit status {proc.returncode}"
    return None


def main(argv: list[str]) -> int:
    names = argv or list(TINY)
    unknown = [n for n in names if n not in TINY]
    missing = sorted(p.name for p in HERE.glob("*.py") if p.name not in TINY and p.name not in ("smoke.py", "proc.py", "pg.py"))
    if unknown or missing:
        print(f"unknown: {unknown}; benchmarks without a tiny size here: {missing}", file=sys.stderr)
        return 2
    failed = {n: why for n in names if (why := run(n)) is not None}
    for n, why in failed.items():
        print(f"BROKEN {n}: {why}", file=sys.stderr)
    print(f"\n{len(names) - len(failed)} of {len(names)} benchmarks ran to their end (targets printed, not asserted)")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
