"""Inert output: what a clerk typed cannot become a formula in the bureau's spreadsheet, nor a terminal
escape sequence or a forged verdict line in the bureau's terminal."""

from __future__ import annotations

import csv
import io
import json
import zipfile
from pathlib import Path

import pytest
from returned import DEPT
from returned import dept_data as returned_data
from returned import returned as returned_workbook
from round_kit import dept_data, put, returned, roster_csv, units, workbook
from typer.testing import CliRunner

from xltemplates.cli import app
from xltemplates.cli.terminal import shown
from xltemplates.round.export_csv import csv_value
from xltemplates.round.export_tables import Table

UNITS = units(3)
ESC = "\x1b"


@pytest.mark.parametrize(("value", "written"), [
    ("=1+1", "'=1+1"),
    ("@cmd|' /C calc'!A0", "'@cmd|' /C calc'!A0"),
    ("+86 138 0000 0000", "'+86 138 0000 0000"),
    ("-5", "'-5"),
    ("\t=1+1", "'\t=1+1"),
    ("\r=1+1", "'\r=1+1"),
    ("正常文字 =1+1", "正常文字 =1+1"),
    ("", ""),
    (-5, "-5"),  # a number is a number: only text is made inert
    (None, ""),
])
def test_csv_value__text_a_spreadsheet_would_evaluate__prefixed_with_an_apostrophe(value: object, written: str) -> None:
    assert csv_value(value) == written  # type: ignore[arg-type]


def test_export_cli__csv_with_formula_text__every_such_cell_inert(tmp_path: Path) -> None:
    from xltemplates.round.export_csv import write_csv_dir
    table = Table("t", ["a", "b"], [["=HYPERLINK(\"http://evil.example\")", "@SUM(A1)"], ["-1", 2]])
    [path] = write_csv_dir([table], tmp_path)
    rows = list(csv.reader(io.StringIO(path.read_text("utf-8-sig"))))
    assert rows == [["a", "b"], ["'=HYPERLINK(\"http://evil.example\")", "'@SUM(A1)"], ["'-1", "2"]]


# ---- the terminal ------------------------------------------------------------------------------------------

@pytest.mark.parametrize(("text", "out"), [
    ("通过", "通过"),
    (f"{ESC}[2J{ESC}[H", "\\x1b[2J\\x1b[H"),
    ("a.xlsx\nb.xlsx: 通过", "a.xlsx\\nb.xlsx: 通过"),
    ("x\r通过", "x\\r通过"),
    ("\x9b31m", "\\x9b31m"),  # C1 CSI
    ("abc\u202egnp.xlsx", "abc\\u202egnp.xlsx"),  # right-to-left override
    ("tab\there", "tab\\there"),
])
def test_shown__control_characters__escaped_visible(text: str, out: str) -> None:
    assert shown(text) == out


def _with_cell_escape(content: bytes, cell_text: str, needle: str) -> bytes:
    """The workbook with the shared string `needle` replaced by `cell_text` written raw in the XML (so an
    OOXML escape such as _x001B_ reaches the reader as it would from a crafted file)."""
    src = zipfile.ZipFile(io.BytesIO(content))
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as out:
        for info in src.infolist():
            data = src.read(info)
            if info.filename in ("xl/sharedStrings.xml", "xl/worksheets/sheet1.xml", "xl/worksheets/sheet2.xml",
                                 "xl/worksheets/sheet3.xml"):
                data = data.replace(needle.encode(), cell_text.encode())
            out.writestr(info, data)
    return buf.getvalue()


def test_check_cli__escape_sequence_in_a_cell__no_raw_control_character_printed(tmp_path: Path) -> None:
    u = UNITS[0]
    # off the list: E-LIST-VALUE quotes what was found
    content = returned_workbook(DEPT, returned_data(), {"D14": "MARKER-TEXT"})
    path = put(tmp_path, "r.xlsx", _with_cell_escape(content, "_x001B_[2J_x001B_[H", "MARKER-TEXT"))
    # the unit name (identity sheet and form) an escape sequence: the verdict line names the unit
    path2 = put(tmp_path, "r2.xlsx", _with_cell_escape(workbook(u, dept_data(u)), "_x001B_]0;pwned_x0007_", u.name))
    res = CliRunner().invoke(app, ["check", str(path), str(path2)])
    assert ESC not in res.output and "\x07" not in res.output
    assert "\\x1b" in res.output


def test_check_cli__newline_in_a_file_name__cannot_forge_a_verdict_line(tmp_path: Path) -> None:
    forged = put(tmp_path, "x.xlsx\nok.xlsx: 通过", b"not a workbook")
    res = CliRunner().invoke(app, ["check", "--quiet", str(forged)])
    assert res.exit_code == 2
    assert res.stdout.splitlines() == [str(forged).replace("\n", "\\n") + ": 不通过（无法读取）"]


def test_status_and_collect__escape_sequence_in_unit_name_and_file_name__escaped(tmp_path: Path) -> None:
    u = UNITS[1]
    inbox = tmp_path / "in"
    content = workbook(u, dept_data(u))
    put(inbox, f"{u.code}{ESC}[2J.xlsx", _with_cell_escape(content, "_x001B_[2J测试", u.name))
    returned(inbox, UNITS[0], None, name=f"{ESC}]0;title\x07.xlsx")
    db = tmp_path / "r.sqlite"
    runner = CliRunner()
    res = runner.invoke(app, ["collect", str(inbox), "--db", str(db), "--jobs", "1",
                              "--roster", str(roster_csv(tmp_path / "u.csv", UNITS))])
    assert res.exit_code == 0, res.output
    assert ESC not in res.output and "\x07" not in res.output
    status = runner.invoke(app, ["status", "--db", str(db)])
    assert status.exit_code == 0
    assert ESC not in status.output and "\x07" not in status.output and "\\x1b" in status.output
    as_json = json.loads(runner.invoke(app, ["status", "--db", str(db), "--json"]).stdout)
    assert any(ESC in (x["file"] or "") for x in as_json["units"])  # JSON carries the data as it is, escaped by JSON



# ---- every CSV the project writes goes through the one writer (issue 23 item 13) ----------------------------------

def test_rollover_manifest__source_file_named_as_a_formula__written_inert(tmp_path: Path) -> None:
    from xltemplates.round.db import open_db
    from xltemplates.round.rollover import rollover

    u = UNITS[0]
    evil = '=HYPERLINK("evil.example","x").xlsx'  # a file name cannot hold a slash
    returned(tmp_path / "in", u, dept_data(u), name=evil)
    db = tmp_path / "r.sqlite"
    res = CliRunner().invoke(app, ["collect", str(tmp_path / "in"), "--db", str(db), "--jobs", "1",
                                   "--roster", str(roster_csv(tmp_path / "u.csv", UNITS[:1]))])
    assert res.exit_code == 0, res.output
    engine = open_db(db)
    try:
        rollover(engine, 2026, tmp_path / "2026")
    finally:
        engine.dispose()
    rows = list(csv.reader(io.StringIO((tmp_path / "2026" / "manifest.csv").read_text("utf-8-sig"))))
    col = rows[0].index("来源文件")
    assert rows[1][col] == "'" + evil
    assert not any(cell.startswith(("=", "+", "-", "@")) for row in rows for cell in row)


def test_package__csv_written_only_by_the_one_writer() -> None:
    import xltemplates

    root = Path(xltemplates.__file__).parent
    writers = sorted(str(p.relative_to(root)) for p in root.rglob("*.py")
                     if "csv.writer(" in p.read_text("utf-8") or "csv.DictWriter(" in p.read_text("utf-8"))
    assert writers == ["csv_out.py"]
