"""No input stops a run: a long unit name, a huge cell, an unwritable output path each give a bounded,
coded result for that one file or table, never a traceback that takes the rest of the run with it."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import openpyxl
import pytest
from round_kit import dept_data, returned, roster_csv, stored_db, units
from typer.testing import CliRunner

from xltemplates.cli import app
from xltemplates.excel import MAX_CELL_TEXT
from xltemplates.fsutil import MAX_NAME_BYTES, safe_file_name
from xltemplates.round import export_xlsx
from xltemplates.round.export_tables import Table
from xltemplates.round.export_xlsx import write_xlsx
from xltemplates.round.store import Record
from xltemplates.writer.generate import Unit

LONG = Unit("U001", "某某县某某乡镇人民政府党政综合办公室与财政所及农业农村综合服务中心联合" * 3)  # > 100 characters


def test_safe_file_name__long_name__cut_to_the_byte_bound_suffix_kept_and_still_distinct() -> None:
    a = safe_file_name(LONG.name + "甲", "_批注.xlsx")
    b = safe_file_name(LONG.name + "乙", "_批注.xlsx")
    assert len(a.encode()) <= MAX_NAME_BYTES and a.endswith("_批注.xlsx")
    assert a != b  # cut names keep a digest of the whole name
    assert safe_file_name("短名称", ".xlsx") == "短名称.xlsx"


def test_collect_annotate_dir__unit_name_of_100_characters__copy_written_and_later_runs_work(tmp_path: Path) -> None:
    assert len(LONG.name) >= 100
    inbox, out, db = tmp_path / "in", tmp_path / "annotated", tmp_path / "r.sqlite"
    returned(inbox, LONG, None, name="U001.xlsx")  # rejected: two required texts empty
    roster = roster_csv(tmp_path / "u.csv", [LONG, *units(3)[1:]])
    returned(inbox, units(2)[1], None)
    args = ["collect", str(inbox), "--db", str(db), "--jobs", "1", "--annotate-dir", str(out), "--roster", str(roster)]
    first = CliRunner().invoke(app, args)
    assert first.exit_code == 0, first.output
    names = sorted(p.name for p in out.iterdir())
    assert len(names) == 2 and all(len(n.encode()) <= MAX_NAME_BYTES for n in names)
    (out / names[0]).unlink()  # a later run writes a missing copy again
    (out / names[1]).unlink()
    again = CliRunner().invoke(app, args)
    assert again.exit_code == 0, again.output
    assert sorted(p.name for p in out.iterdir()) == names


def _record(data: dict[str, object]) -> Record:
    return Record(file_name="a.xlsx", sha256="0" * 64, file_mtime=1.0, received_at=datetime(2025, 3, 1, tzinfo=UTC),
                  unit_code="U001", unit_name="测试单位001", unit_source="identity", template="dept-overall",
                  version="1.0", year=2025, data=data, findings=[])


def test_export_cli__a_cell_over_excels_limit__cut_and_marked_the_rest_written(tmp_path: Path) -> None:
    u = units(1)[0]
    huge = "很长的职责说明" * 6000  # 42,000 characters
    db = stored_db(tmp_path / "r.sqlite", [u], [_record(dept_data(u, **{"部门（单位）职责": huge}))])
    res = CliRunner().invoke(app, ["export", "--db", str(db), "-o", str(tmp_path / "s.xlsx")])
    assert res.exit_code == 0, res.output
    ws = openpyxl.load_workbook(tmp_path / "s.xlsx")["dept-overall.字段"]
    header = [c.value for c in ws[1]]
    row = dict(zip(header, [c.value for c in ws[2]], strict=True))
    assert row["部门（单位）职责"] == huge[:MAX_CELL_TEXT]
    assert "部门（单位）职责" in row["备注"] and str(len(huge)) in row["备注"]
    assert row["年度总体目标"] == dept_data(u)["年度总体目标"]  # the rest of the row is there


def test_check_cli__json_to_a_path_that_cannot_be_written__clear_error_exit_2(tmp_path: Path) -> None:
    wb = tmp_path / "r.xlsx"
    returned(tmp_path, units(1)[0], dept_data(units(1)[0]), name="r.xlsx")
    blocker = tmp_path / "a-file"
    blocker.write_text("x")
    res = CliRunner().invoke(app, ["check", str(wb), "--json", str(blocker / "out.json")])
    assert res.exit_code == 2
    assert res.exception is None or isinstance(res.exception, SystemExit)
    assert "cannot write" in res.stderr and str(blocker / "out.json") in res.stderr
    assert "Traceback" not in res.output


def test_export__table_longer_than_a_sheet__rows_that_fit_and_a_last_row_saying_what_was_left_out(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(export_xlsx, "MAX_SHEET_ROWS", 5)  # a sheet of 5 rows: the header, 3 rows, the note
    table = Table("t", ["a"], [[f"r{i}"] for i in range(10)])
    write_xlsx([table], tmp_path / "s.xlsx")
    rows = list(openpyxl.load_workbook(tmp_path / "s.xlsx")["t"].iter_rows(values_only=True))
    assert rows[:4] == [("a", "备注"), ("r0", None), ("r1", None), ("r2", None)]
    assert len(rows) == 5 and "另有 7 行" in str(rows[4][1])
