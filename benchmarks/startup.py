"""Start-up: `xltemplates check one.xlsx` as a fresh process, against `python -c "import openpyxl"`.

    .venv/bin/python benchmarks/startup.py [--repeats 15]

Both run as new interpreters from this virtualenv, alternating which goes first, and the medians are
compared (a burst from another process shifts both alike). Our package is byte-compiled first and the
children may use the bytecode (PYTHONDONTWRITEBYTECODE is dropped for them), as for an installed package:
openpyxl's bytecode was compiled when pip installed it. The check is on one clean generated workbook,
so it measures what a clerk-facing command costs before it does any work worth the name: the imports.
Also reported: `xltemplates --help`, and the modules the check imported (SQLAlchemy or xlsxwriter there
means a command module imports what `check` never uses). Target: check <= 2x the openpyxl import; exit 1
when it is missed.
"""

from __future__ import annotations

import argparse
import compileall
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from xltemplates.trust.keys import ENV_KEY_FILE, init_key  # noqa: E402
from xltemplates.writer.generate import generate_bytes, make_context  # noqa: E402

TARGET = 2.0
CLI = "from xltemplates.cli import main; main()"
IMPORTED = ("import sys; from xltemplates.cli import main\n"
            "try:\n    main()\nexcept SystemExit:\n    pass\n"
            "print(' '.join(m for m in ('sqlalchemy', 'xlsxwriter', 'openpyxl', 'jinja2', 'yaml') if m in sys.modules))")


ENV: dict[str, str] = {}


def _seconds(argv: list[str], ok: tuple[int, ...] = (0,)) -> float:
    t0 = time.perf_counter()
    done = subprocess.run(argv, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=False, env=ENV)
    elapsed = time.perf_counter() - t0
    if done.returncode not in ok:
        raise SystemExit(f"{argv} exited {done.returncode}")
    return elapsed


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeats", type=int, default=15)
    args = ap.parse_args()
    py = sys.executable
    compileall.compile_dir(ROOT / "xltemplates", quiet=1)
    with tempfile.TemporaryDirectory() as tmp:
        # workbooks are signed: a throwaway key for this run, kept apart from the file (check refuses a key
        # lying among the returns)
        key = Path(tmp) / "key" / "identity.key"
        key.parent.mkdir()
        init_key(key)
        os.environ[ENV_KEY_FILE] = str(key)
        ENV.update({k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"})
        one = Path(tmp) / "returns" / "one.xlsx"
        one.parent.mkdir()
        one.write_bytes(generate_bytes("dept-overall", make_context(2025, "001", "示例单位"), None).content)
        commands = {
            "check one.xlsx": [py, "-c", CLI, "check", "--quiet", str(one)],
            "--help": [py, "-c", CLI, "--help"],
            "import openpyxl": [py, "-c", "import openpyxl"],
        }
        times: dict[str, list[float]] = {k: [] for k in commands}
        for i in range(args.repeats):
            order = list(commands) if i % 2 == 0 else list(reversed(commands))
            for name in order:
                times[name].append(_seconds(commands[name], ok=(0, 1)))
        imported = subprocess.run([py, "-c", IMPORTED, "check", "--quiet", str(one)], capture_output=True, text=True,
                                  check=False, env=ENV).stdout.splitlines()[-1]
    base = statistics.median(times["import openpyxl"])
    print(f"start-up, median of {args.repeats} fresh processes (python {sys.version.split()[0]})")
    print(f"{'command':<28}{'ms':>8}{'vs import openpyxl':>22}")
    for name in commands:
        med = statistics.median(times[name])
        print(f"{'xltemplates ' + name if name != 'import openpyxl' else 'python -c ' + repr(name):<28}"
              f"{med * 1000:>8.0f}{med / base:>21.2f}x")
    ratio = statistics.median(times["check one.xlsx"]) / base
    verdict = "ok" if ratio <= TARGET else "FAIL"
    print(f"check one.xlsx: {ratio:.2f}x the openpyxl import, target <= {TARGET:.1f}x: {verdict}")
    print(f"heavy modules the check imported: {imported or 'none of sqlalchemy, xlsxwriter, openpyxl, jinja2, yaml'}")
    return 0 if ratio <= TARGET else 1


if __name__ == "__main__":
    raise SystemExit(main())
