"""Province-scale issuing: `generate --roster` of N prefilled workbooks with --jobs 2 against --jobs 1 (issue 22).

    .venv/bin/python benchmarks/bench_scale.py            # 4,000 workbooks, 2 repeats (~6-10 min on 2 cores)
    .venv/bin/python benchmarks/bench_scale.py --n 1000   # smaller
    .venv/bin/python benchmarks/bench_scale.py --tiny     # 60 workbooks, 1 repeat: for .ci/run (a few seconds)

Workload: a roster of N units and one prefill file per unit (unit name, 职责, 年度总体目标 and the 13 preset
indicators, as benchmarks/run.py's dept_jobs), made before the clock starts. Each repeat runs the real
command as a child process (start-up, pool, manifest included), --jobs 1 and --jobs 2 alternating which
goes first, into fresh folders, with SOURCE_DATE_EPOCH set so both must produce the same bytes (checked:
the two manifests are compared, a difference FAILs the run). Reported: ms per workbook of each, the
ratio jobs2/jobs1 (median over repeats; target <= 0.6 on 2 cores) and the CPU the rest of the machine
used meanwhile (a shared machine: when others hold a core, the ratio cannot reach 0.5).

Also, in this process: the cost of measuring the round's recurring texts (layout.fit.line_count, memoised
per process) against the same generate with the memo bypassed - whether building that static part once
per round pays.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from proc import cpu_seconds  # noqa: E402 - benchmarks/proc.py
from run import dept_jobs, use_throwaway_key  # noqa: E402 - benchmarks/run.py

import xltemplates.layout.fit as fit  # noqa: E402
from xltemplates.writer.generate import generate_bytes, make_context  # noqa: E402

JOBS_TARGET = 0.6
EPOCH = "1764547200"


def make_inputs(n: int, where: Path) -> tuple[Path, Path]:
    data = where / "prefill"
    data.mkdir()
    lines = ["单位编码,单位名称"]
    for job in dept_jobs(n):
        lines.append(f"{job.code},{job.name}")
        (data / f"{job.code}.json").write_text(json.dumps(job.data, ensure_ascii=False), encoding="utf-8")
    roster = where / "units.csv"
    roster.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return roster, data


def machine_busy() -> float:
    """Seconds of CPU all processes used so far (from /proc/stat), to tell what others took meanwhile."""
    fields = Path("/proc/stat").read_text().splitlines()[0].split()[1:]
    user, nice, system = (int(x) for x in fields[:3])
    return (user + nice + system) / os.sysconf("SC_CLK_TCK")


def generate_round(roster: Path, data: Path, out: Path, jobs: int) -> tuple[float, float, float]:
    """Wall seconds, the cores the command's process tree got (its CPU seconds / wall; sampled from /proc, so
    the forkserver's workers count), and the cores the whole machine kept busy meanwhile (everyone)."""
    env = {**os.environ, "SOURCE_DATE_EPOCH": EPOCH}
    cmd = [sys.executable, "-c", "from xltemplates.cli import main; main()", "generate", "dept-overall",
           "--year", "2025", "--roster", str(roster), "--data-dir", str(data), "--out-dir", str(out),
           "--jobs", str(jobs)]
    before = machine_busy()
    start = time.perf_counter()
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, env=env)
    seen: dict[int, float] = {}
    while proc.poll() is None:
        seen.update(cpu_seconds(proc.pid))
        time.sleep(0.05)
    wall = time.perf_counter() - start
    if proc.returncode != 0:
        raise SystemExit(f"generate failed: {proc.stderr.read().decode()[-2000:] if proc.stderr else ''}")
    return wall, sum(seen.values()) / wall, (machine_busy() - before) / wall


def memo_ratio(n: int, repeats: int) -> tuple[float, float]:
    """ms per workbook with the text-measuring memo bypassed and with it (interleaved, medians)."""
    jobs = dept_jobs(n)
    memo, plain = fit.line_count, fit.line_count.__wrapped__  # type: ignore[attr-defined]
    out: dict[str, list[float]] = {"plain": [], "memo": []}
    for j in jobs[:5]:
        generate_bytes(j.template, make_context(2025, j.code, j.name), j.data)
    try:
        for rep in range(repeats):
            for name in (("plain", "memo") if rep % 2 else ("memo", "plain")):
                fit.line_count = plain if name == "plain" else memo
                start = time.perf_counter()
                for j in jobs:
                    generate_bytes(j.template, make_context(2025, j.code, j.name), j.data)
                out[name].append((time.perf_counter() - start) / n * 1000)
    finally:
        fit.line_count = memo
    return statistics.median(out["plain"]), statistics.median(out["memo"])


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--n", type=int, default=4000, help="workbooks per run (default 4000)")
    ap.add_argument("--repeat", type=int, default=2, help="runs of each side (default 2)")
    ap.add_argument("--tiny", action="store_true", help="60 workbooks, 1 repeat (a smoke run for CI)")
    args = ap.parse_args()
    n, repeats = (60, 1) if args.tiny else (args.n, args.repeat)
    use_throwaway_key()
    cores = len(os.sched_getaffinity(0))
    print(f"machine: {cores} cores ({os.cpu_count()} online), Python {sys.version.split()[0]}, "
          f"load average {os.getloadavg()[0]:.2f} at start")
    scratch = Path(tempfile.mkdtemp(prefix="xlt-bench-scale-"))
    try:
        roster, data = make_inputs(n, scratch)
        runs: dict[int, list[tuple[float, float, float]]] = {1: [], 2: []}
        manifests: dict[int, bytes] = {}
        for rep in range(repeats):
            for jobs in ((1, 2) if rep % 2 == 0 else (2, 1)):
                out = scratch / f"out-{jobs}-{rep}"
                runs[jobs].append(generate_round(roster, data, out, jobs))
                manifests[jobs] = (out / "manifest.csv").read_bytes()
                shutil.rmtree(out)
        same = manifests[1] == manifests[2]
        for jobs in (1, 2):
            walls = [r[0] for r in runs[jobs]]
            got = ", ".join(f"{r[1]:.2f}" for r in runs[jobs])
            busy = ", ".join(f"{r[2]:.2f}" for r in runs[jobs])
            cpu = statistics.median(r[0] * r[1] for r in runs[jobs]) / n * 1000
            print(f"generate --roster x{n} --jobs {jobs}: {statistics.median(walls):7.2f} s "
                  f"({statistics.median(walls) / n * 1000:.2f} ms/workbook; runs {', '.join(f'{w:.1f}' for w in walls)} s)"
                  f"\n    CPU {cpu:.2f} ms/workbook; cores the command got: {got}; cores busy on the machine, all "
                  f"processes: {busy} of {cores}")
        ratios = [two[0] / one[0] for one, two in zip(runs[1], runs[2], strict=True)]
        ratio = statistics.median(ratios)
        ok = ratio <= JOBS_TARGET and same
        print(f"--jobs 2 / --jobs 1: {ratio:.2f}x (per repeat: {', '.join(f'{r:.2f}' for r in ratios)}; "
              f"target <= {JOBS_TARGET}) {'PASS' if ok else 'FAIL'}")
        got1 = statistics.median(r[1] for r in runs[1])
        got2 = statistics.median(r[1] for r in runs[2])
        print(f"cores the command got, --jobs 2 / --jobs 1: {got2 / got1:.2f}x (the ratio above can only reach "
              f"{got1 / got2:.2f}x with what the machine gave it; 0.5x needs two free cores)")
        print(f"same manifest (files and their SHA-256) from both: {same}")
        plain, memo = memo_ratio(min(n, 300), 3 if args.tiny else 5)
        print(f"text measuring memoised per process: {memo:.2f} ms/workbook against {plain:.2f} unmemoised "
              f"({memo / plain:.2f}x; in-process, one core)")
        return 0 if same and (ok or args.tiny) else 1  # --tiny: too small for the ratio, not for the bytes
    finally:
        shutil.rmtree(scratch, ignore_errors=True)


if __name__ == "__main__":
    raise SystemExit(main())
