"""Hygiene the trust work needs: one atomic writer, a version, type information, plain database URLs,
tracebacks kept for --verbose, and commands that import only what they use."""

from __future__ import annotations

import ast
import importlib.metadata
import io
import subprocess
import sys
import tomllib
from pathlib import Path

import openpyxl
import pytest
from returned import DEPT, dept_data, returned
from typer.testing import CliRunner

import xltemplates
from xltemplates.cli import app
from xltemplates.round.db import database_url
from xltemplates.trust.identity import META_SHEET

PACKAGE = Path(xltemplates.__file__).parent


def test_version__package_metadata__same_in_module_and_cli() -> None:
    assert xltemplates.__version__ == importlib.metadata.version("xltemplates")
    res = CliRunner().invoke(app, ["--version"])
    assert res.exit_code == 0 and res.stdout.strip() == f"xltemplates {xltemplates.__version__}"


def test_py_typed__shipped_as_package_data() -> None:
    assert (PACKAGE / "py.typed").is_file()
    project = tomllib.loads((PACKAGE.parent / "pyproject.toml").read_text("utf-8"))
    assert "py.typed" in project["tool"]["setuptools"]["package-data"]["xltemplates"]


def test_write_atomic__one_definition_in_the_package() -> None:
    """Every writer of output files goes through fsutil.write_atomic: no second definition, no temp-file dance."""
    defs, temp_files = [], []
    for path in PACKAGE.rglob("*.py"):
        tree = ast.parse(path.read_text("utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, ast.FunctionDef) and node.name == "write_atomic":
                defs.append(path.relative_to(PACKAGE).as_posix())
            if isinstance(node, ast.Attribute) and node.attr in ("mkstemp", "NamedTemporaryFile"):
                temp_files.append(path.relative_to(PACKAGE).as_posix())
    assert defs == ["fsutil.py"]
    assert set(temp_files) <= {"fsutil.py", "reader/convert.py"}  # convert: LibreOffice's scratch files


@pytest.mark.parametrize(("given", "driver"), [
    ("postgresql://u@db.example/round", "postgresql+psycopg"),
    ("postgres://u@db.example/round", "postgresql+psycopg"),
    ("postgresql+psycopg://u@db.example/round", "postgresql+psycopg"),
    ("sqlite:///r.sqlite", "sqlite"),
])
def test_database_url__plain_postgresql__psycopg_driver(given: str, driver: str) -> None:
    assert database_url(given).drivername == driver


def _malformed_issued(tmp_path: Path) -> Path:
    """A return whose identity sheet says it was issued a table of numbers: the reader fails (E-READ-FAILED)."""
    wb = openpyxl.load_workbook(io.BytesIO(returned(DEPT, dept_data())))
    for row in wb[META_SHEET].iter_rows():
        if row[0].value == "issued":
            row[1].value = '{"绩效指标": [1, 2]}'
    path = tmp_path / "bad.xlsx"
    wb.save(path)
    return path


def test_check_cli__reader_fails__traceback_only_with_verbose(tmp_path: Path) -> None:
    bad = _malformed_issued(tmp_path)
    plain = CliRunner().invoke(app, ["check", str(bad)])
    verbose = CliRunner().invoke(app, ["--verbose", "check", str(bad)])
    assert plain.exit_code == verbose.exit_code == 2
    assert "E-READ-FAILED" in plain.stdout and "Traceback" not in plain.output
    assert "Traceback (most recent call last)" in verbose.stderr and "AttributeError" in verbose.stderr


_IMPORTED = """
import sys
from xltemplates.cli import main
sys.argv = ["xltemplates", *sys.argv[1:]]
try:
    main()
except SystemExit:
    pass
print(sorted(m for m in ("sqlalchemy", "xlsxwriter", "jinja2", "openpyxl") if m in sys.modules))
"""


def test_check_one_file__imports_no_database_nor_writer(tmp_path: Path) -> None:
    path = tmp_path / "r.xlsx"
    path.write_bytes(returned(DEPT, dept_data()))
    out = subprocess.run([sys.executable, "-c", _IMPORTED, "check", "--quiet", str(path)], capture_output=True,
                         text=True, check=True).stdout
    assert "sqlalchemy" not in out.splitlines()[-1] and "xlsxwriter" not in out.splitlines()[-1]


def test_help__imports_nothing_heavy() -> None:
    out = subprocess.run([sys.executable, "-c", _IMPORTED, "--help"], capture_output=True, text=True,
                         check=True).stdout
    assert out.splitlines()[-1] == "[]"
