""".xls/.ods returns read directly (python-calamine) against the same return as .xlsx (issue 19 item 7).

    .venv/bin/python benchmarks/bench_legacy.py [--repeats 15]

A filled dept-overall workbook and a project workbook with the 13 Hebei projects are generated, then
re-saved as .xls and .ods by LibreOffice (outside the timed region: the inputs a clerk's "Save as" makes).
Timed: ``check_bytes(content, name)`` of each format, interleaved (the order rotates every repeat), medians.
Target: .xls and .ods each <= 2x the .xlsx check of the same return. Exit status 1 when a target fails.
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
sys.path.insert(0, str(ROOT / "tests"))

from xltemplates.reader.check import check_bytes  # noqa: E402
from xltemplates.trust.keys import ENV_KEY_FILE, init_key  # noqa: E402
from xltemplates.writer.generate import generate_bytes, make_context  # noqa: E402

TARGET = 2.0
FORMATS = ("xlsx", "xls", "ods")
PROJECTS = ROOT / "tests" / "fixtures" / "hebei-projects.json"


def _inputs(work: Path) -> dict[str, dict[str, bytes]]:
    from returned import context, dept_data  # tests/returned.py: the filled form the reader tests use

    projects = json.loads(PROJECTS.read_text(encoding="utf-8"))
    forms = {
        "dept-overall": generate_bytes("dept-overall", context(), dept_data()).content,
        "project x13": generate_bytes("project", make_context(2025, "001", "测试单位"), projects,
                                      allow_findings=True).content,
    }
    soffice = shutil.which("soffice") or shutil.which("libreoffice")
    if soffice is None:
        sys.exit("soffice not found: the .xls/.ods inputs are made by LibreOffice (apt-get install libreoffice-calc-nogui)")
    out: dict[str, dict[str, bytes]] = {}
    for i, (name, content) in enumerate(forms.items()):
        src = work / f"form{i}.xlsx"
        src.write_bytes(content)
        out[name] = {"xlsx": content}
        for fmt in FORMATS[1:]:
            subprocess.run([soffice, "--headless", f"-env:UserInstallation={(work / 'profile').as_uri()}",
                            "--convert-to", fmt, "--outdir", str(work), str(src)],
                           check=True, capture_output=True, timeout=180)
            out[name][fmt] = (work / f"form{i}.{fmt}").read_bytes()
    return out


def _time(content: bytes, name: str) -> float:
    t0 = time.perf_counter()
    report = check_bytes(content, name)
    elapsed = time.perf_counter() - t0
    if report.data is None:
        sys.exit(f"{name} was not read: {[f.message for f in report.findings]}")
    return elapsed


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeats", type=int, default=15)
    args = ap.parse_args()
    with tempfile.TemporaryDirectory(prefix="xlt-bench-legacy-") as tmp:
        work = Path(tmp)
        os.environ.setdefault(ENV_KEY_FILE, str(work / "key" / "identity.key"))
        if not Path(os.environ[ENV_KEY_FILE]).exists():
            (work / "key").mkdir()
            init_key(Path(os.environ[ENV_KEY_FILE]))
        inputs = _inputs(work)
        failed = False
        print(f"{'form':<14} {'fmt':<5} {'size KB':>8} {'median ms':>10} {'vs xlsx':>8}  target <= {TARGET:g}x")
        for name, files in inputs.items():
            for fmt in FORMATS:
                _time(files[fmt], f"warm.{fmt}")
            times: dict[str, list[float]] = {fmt: [] for fmt in FORMATS}
            for r in range(args.repeats):
                order = FORMATS[r % 3:] + FORMATS[:r % 3]
                for fmt in order:
                    times[fmt].append(_time(files[fmt], f"return.{fmt}"))
            base = statistics.median(times["xlsx"])
            for fmt in FORMATS:
                med = statistics.median(times[fmt])
                ratio = med / base
                ok = fmt == "xlsx" or ratio <= TARGET
                failed |= not ok
                print(f"{name:<14} {fmt:<5} {len(files[fmt]) / 1024:>8.1f} {med * 1000:>10.1f} {ratio:>7.2f}x"
                      f"  {'' if fmt == 'xlsx' else ('ok' if ok else 'FAIL')}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
