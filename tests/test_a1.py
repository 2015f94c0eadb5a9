"""A1 references: the one parser (a1.py) that the reader, the annotated copy and the desk's grid all use."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from xltemplates.a1 import a1, parse_a1, parse_range


@given(st.integers(0, 1_048_575), st.integers(0, 16_383))
def test_a1__written_then_parsed__same_row_and_column(row: int, col: int) -> None:
    assert parse_a1(a1(row, col)) == (row, col)


@pytest.mark.parametrize(("ref", "rc"), [("A1", (0, 0)), ("$B$3", (2, 1)), ("b3", (2, 1)), ("XFD1048576", (1_048_575, 16_383)),
                                         ("AA10", (9, 26))])
def test_parse_a1__spellings_excel_writes__zero_based(ref: str, rc: tuple[int, int]) -> None:
    assert parse_a1(ref) == rc


@pytest.mark.parametrize("ref", ["", "A", "1", "A0", "ABCD1", "Ä1", "A1B", "1A", "A-1", "A1.5", "A¹"])
def test_parse_a1__not_a_reference__value_error(ref: str) -> None:
    with pytest.raises(ValueError, match="not a cell reference"):
        parse_a1(ref)


def test_parse_range__either_corner_first_or_one_cell__normalised() -> None:
    assert parse_range("C3:A1") == parse_range("A1:C3") == (0, 0, 2, 2)
    assert parse_range("B2") == (1, 1, 1, 1)
