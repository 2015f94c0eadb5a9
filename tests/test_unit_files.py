"""The roster CSV as Excel and people write it: read record by record with the csv module."""

from __future__ import annotations

from pathlib import Path

import pytest

from xltemplates.errors import DataError
from xltemplates.unit_files import Unit, read_roster


def _roster(tmp_path: Path, text: str, encoding: str = "utf-8-sig") -> Path:
    path = tmp_path / "units.csv"
    path.write_bytes(text.encode(encoding))
    return path


@pytest.mark.parametrize("inside", ["\u2028", "\u2029", "\x85", "\x0c"])
def test_read_roster__line_separator_characters_inside_a_name__kept_in_the_name(tmp_path: Path, inside: str) -> None:
    path = _roster(tmp_path, f"单位编码,单位名称\r\n001,甲{inside}单位\r\n002,乙单位\r\n")
    assert read_roster(path) == [Unit("001", f"甲{inside}单位"), Unit("002", "乙单位")]


def test_read_roster__quoted_line_break_in_a_name__one_unit_and_later_lines_numbered_as_in_the_file(
        tmp_path: Path) -> None:
    path = _roster(tmp_path, '单位编码,单位名称\n001,"甲\n单位"\n002,乙单位\n')
    assert read_roster(path) == [Unit("001", "甲\n单位"), Unit("002", "乙单位")]
    path = _roster(tmp_path, '单位编码,单位名称\r\n001,"甲\r\n单位"\r\n001,乙单位\r\n', "gb18030")
    with pytest.raises(DataError) as err:
        read_roster(path)
    assert err.value.problems == [(f"{path}:4", "单位编码 001 repeats line 2")]
