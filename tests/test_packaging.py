"""The Pythons the package claims: requires-python, the classifiers, .ci/run and ruff's target say the same."""

from __future__ import annotations

import re
import sys
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))


def _claimed() -> list[tuple[int, int]]:
    found = [re.fullmatch(r"Programming Language :: Python :: (\d+)\.(\d+)", c) for c in PROJECT["project"]["classifiers"]]
    return sorted((int(m[1]), int(m[2])) for m in found if m)


def test_classifiers__from_requires_python_up__each_minor_version_once() -> None:
    claimed = _claimed()
    low = re.fullmatch(r">=(\d+)\.(\d+)", PROJECT["project"]["requires-python"])
    assert low is not None
    assert claimed[0] == (int(low[1]), int(low[2]))
    assert claimed == [(3, m) for m in range(claimed[0][1], claimed[-1][1] + 1)]  # no gap, no repeat


def test_ci_run_and_ruff__the_oldest_claimed_version() -> None:
    oldest = _claimed()[0]
    assert re.search(rf"^MIN_MINOR={oldest[1]}\b", (ROOT / ".ci" / "run").read_text(encoding="utf-8"), re.M)
    assert PROJECT["tool"]["ruff"]["target-version"] == f"py{oldest[0]}{oldest[1]}"


def test_this_interpreter__one_the_package_claims() -> None:
    """.ci/run runs the suite on every supported Python it finds: a new one must be claimed once it passes."""
    assert sys.version_info[:2] in _claimed(), f"Python {sys.version.split()[0]} is not in pyproject.toml's classifiers"
