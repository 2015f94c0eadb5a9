"""Collection-round benchmark: ratios measured in the same run (issue 6).

    .venv/bin/python benchmarks/bench_round.py [--n 1000] [--repeat 1]

Workload: N returned dept-overall workbooks on disk, as units send them back (every tenth one
incomplete, so it is rejected with findings), generated before any timing starts. Then, per repeat and
interleaved so a busy machine shifts all sides alike:

1. baseline   a bare ``openpyxl.load_workbook(path)`` loop over the same files, one process
2. collect -j1  ``collect`` into a fresh SQLite database, serial (read, hash, check, store per file)
3. collect -jN  the same with all cores (a process pool; results stored in input order)

Reported: collect -j1 / baseline (per-core cost, target <= 1.2x), collect -jN / baseline (wall clock on
this machine), the scaling -j1 / -jN (target >= 1.7x on 2 cores), and peak memory of a ``xltemplates
collect`` command run as a child process with all cores: the process tree's PSS (proportional set size:
pages shared by the forked workers counted once) and the largest single process's RSS, sampled from
/proc every 10 ms (target < 200 MiB). Medians when --repeat > 1.
"""

from __future__ import annotations

import argparse
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import openpyxl  # noqa: E402
from proc import proc_kib, process_tree  # noqa: E402 - benchmarks/proc.py
from run import use_throwaway_key  # noqa: E402 - benchmarks/run.py: sign with a key made for this run

from xltemplates.catalogue.registry import get_template  # noqa: E402
from xltemplates.checking.budget import default_jobs  # noqa: E402
from xltemplates.checking.ordered import run_ordered  # noqa: E402
from xltemplates.layout import build_layout, layout_data  # noqa: E402
from xltemplates.round.collect import Collection, CollectOptions  # noqa: E402
from xltemplates.round.db import open_db  # noqa: E402
from xltemplates.round.sources import Inbox  # noqa: E402
from xltemplates.unit_files import Unit, unit_filename  # noqa: E402
from xltemplates.writer.generate import generate_bytes, make_context  # noqa: E402

MiB = 1024 * 1024
COLLECT_TARGET, SCALING_TARGET, MEMORY_TARGET = 1.2, 1.7, 200


def make_returns(n: int, directory: Path) -> None:
    t = get_template("dept-overall", make_context(2025, "", ""))
    base = layout_data(build_layout(t, {}))
    for i in range(n):
        u = Unit(f"43012{i:04d}", f"长沙县第{i + 1}乡镇人民政府")
        data = {**base, "部门单位名称": u.name, "绩效指标": [dict(r) for r in base["绩效指标"]]}
        if i % 10:
            data["部门（单位）职责"] = f"{u.name}负责本辖区经济社会发展、公共服务、社会管理和基层治理等工作。"
            data["年度总体目标"] = "1.完成年度财政收支预算；2.政务服务事项一次办结率达到95%以上；3.群众满意度不低于90%。"
            data["绩效指标"].append({"一级指标": "产出指标", "二级指标": "数量指标", "三级指标": "组织培训人次",
                                 "指标值类型": "≥", "指标值": "200", "计量单位": "人次"})
        content = generate_bytes("dept-overall", make_context(2025, u.code, u.name), data, allow_findings=True).content
        (directory / unit_filename(u, "dept-overall")).write_bytes(content)


def bare_openpyxl(files: list[Path]) -> None:
    for f in files:
        openpyxl.load_workbook(f).close()


def collect_into(src: Path, scratch: Path, jobs: int) -> int:
    db = scratch / f"bench-{jobs}-{time.monotonic_ns()}.sqlite"
    engine = open_db(db)
    try:
        return Collection(engine, CollectOptions(jobs=jobs)).run(Inbox(src)).stored
    finally:
        engine.dispose()


def _cpu() -> float:
    """CPU seconds of this process and its reaped children (pool workers are reaped at shutdown)."""
    me, kids = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return me.ru_utime + me.ru_stime + kids.ru_utime + kids.ru_stime


def timed(fn: Callable[[], object], cpu: list[float] | None = None) -> float:
    c0, t0 = _cpu(), time.perf_counter()
    fn()
    wall = time.perf_counter() - t0
    if cpu is not None:
        cpu.append(_cpu() - c0)
    return wall


def _spin(_item: int) -> None:
    t = time.process_time()
    while time.process_time() - t < 0.004:
        pass


def free_cores(cores: int) -> float:
    """How many cores a pure-CPU process pool actually gets right now (other users' processes take some)."""
    wall: list[float] = []
    cpu: list[float] = []
    wall.append(timed(lambda: sum(1 for _ in run_ordered(_spin, range(100 * cores), cores)), cpu))
    return cpu[0] / wall[0]


def peak_memory(src: Path, scratch: Path, jobs: int) -> tuple[float, float, float]:
    """(peak PSS of the process tree, peak RSS of one process, seconds) of `xltemplates collect` as a child."""
    cmd = [sys.executable, "-c", "from xltemplates.cli import main; main()", "collect", str(src), "--db",
           str(scratch / "mem.sqlite"), "--jobs", str(jobs)]
    t0 = time.perf_counter()
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, cwd=ROOT)
    pss = rss = 0
    while proc.poll() is None:
        pids = process_tree(proc.pid)
        pss = max(pss, sum(proc_kib(f"/proc/{p}/smaps_rollup", "Pss:") for p in pids))
        rss = max([rss, *(proc_kib(f"/proc/{p}/status", "VmRSS:") for p in pids)])
        time.sleep(0.01)
    seconds = time.perf_counter() - t0
    if proc.returncode != 0:
        raise SystemExit(f"collect failed with exit code {proc.returncode}")
    return pss / 1024, rss / 1024, seconds


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--n", type=int, default=1000, help="returned workbooks (default 1000)")
    ap.add_argument("--repeat", type=int, default=1, help="timed rounds, medians reported (default 1)")
    args = ap.parse_args()
    use_throwaway_key()  # inherited by the collect child that peak_memory runs, which verifies with it
    cores = default_jobs()
    scratch = Path(tempfile.mkdtemp(prefix="bench-round-"))
    try:
        src = scratch / "returns"
        src.mkdir()
        t = timed(lambda: make_returns(args.n, src))
        files = sorted(src.iterdir())
        size = sum(f.stat().st_size for f in files) / len(files) / 1024
        print(f"{args.n} returned workbooks ({size:.1f} KiB each) generated in {t:.1f} s; {cores} cores; "
              f"Python {sys.version.split()[0]}; scratch on {scratch}")
        bare_openpyxl(files[:5])  # warm both code paths (imports, template cache) outside the timing
        collect_into(src, scratch, 1)
        times: dict[str, list[float]] = {"openpyxl": [], "j1": [], "jN": []}
        cpu: dict[str, list[float]] = {"openpyxl": [], "j1": [], "jN": []}
        load_before, calibration = os.getloadavg()[0], free_cores(cores)
        runs: list[tuple[str, Callable[[], object]]] = [
            ("openpyxl", lambda: bare_openpyxl(files)),
            ("j1", lambda: collect_into(src, scratch, 1)),
            ("jN", lambda: collect_into(src, scratch, cores)),
        ]
        for r in range(args.repeat):
            for name, fn in runs if r % 2 == 0 else runs[::-1]:
                times[name].append(timed(fn, cpu[name]))
        med = {k: statistics.median(v) for k, v in times.items()}
        cpu_med = {k: statistics.median(v) for k, v in cpu.items()}
        per_file = {k: v / args.n * 1000 for k, v in med.items()}
        def line(label: str, k: str) -> str:
            return (f"{label:<34}{med[k]:7.2f} s  ({per_file[k]:.2f} ms/file; CPU {cpu_med[k]:.2f} s = "
                    f"{cpu_med[k] / med[k]:.2f} cores busy)")

        print(line("bare openpyxl.load_workbook loop", "openpyxl"))
        print(line("collect --jobs 1", "j1"))
        print(line(f"collect --jobs {cores}", "jN"))
        print(f"load average (1 min) before / after the timed runs: {load_before:.2f} / {os.getloadavg()[0]:.2f}; "
              f"a pure-CPU pool of {cores} got {calibration:.2f} cores just before (less than {cores}: other processes "
              f"compete, and the -j{cores} figures are pessimistic)")
        r1, rn, scale = med["j1"] / med["openpyxl"], med["jN"] / med["openpyxl"], med["j1"] / med["jN"]
        pss, rss, secs = peak_memory(src, scratch, cores)
        verdict = {True: "met", False: "MISSED"}
        print()
        print(f"collect -j1 / openpyxl loop : {r1:5.2f}x  (target <= {COLLECT_TARGET}x: {verdict[r1 <= COLLECT_TARGET]})")
        print(f"collect -j{cores} / openpyxl loop : {rn:5.2f}x  (wall clock with all cores)")
        print(f"scaling -j1 / -j{cores}          : {scale:5.2f}x  (target >= {SCALING_TARGET}x on 2 cores: "
              f"{verdict[scale >= SCALING_TARGET] if cores >= 2 else 'n/a, 1 core'})")
        print(f"peak memory, collect -j{cores}   : {pss:6.1f} MiB PSS for the process tree, {rss:.1f} MiB RSS "
              f"largest process  (target < {MEMORY_TARGET} MiB: {verdict[pss < MEMORY_TARGET]}; CLI run {secs:.1f} s)")
    finally:
        shutil.rmtree(scratch, ignore_errors=True)


if __name__ == "__main__":
    main()
