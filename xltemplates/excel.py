"""Excel's own rules, in one place: sheet names, the size of a sheet and a cell, text widths, writer options.

Facts about the file format that the writer, the reader and the round's export all obey; a new Excel fact
(a limit, a name rule) belongs here. Pure and stdlib only: the two modules that import xlsxwriter (writer/emit.py and
round/export_xlsx.py) take their Workbook options and return-code check from here; this one does not import it.
"""

from __future__ import annotations

import unicodedata
from typing import Any

from .errors import WriteError

MAX_SHEET_ROWS = 1_048_576
MAX_CELL_TEXT = 32_767
"""Characters one cell holds; Excel truncates or refuses anything longer."""

MAX_SHEET_NAME = 31
SHEET_NAME_FORBIDDEN = "[]:*?/\\"
"""Characters a sheet name may not hold; a name may also not start or end with an apostrophe."""

PAPER_SIZES = {"A4": 9, "A3": 8}
"""Paper names a template may use -> Excel's paper size index."""

WORKBOOK_OPTIONS: dict[str, Any] = {
    "in_memory": True,
    "strings_to_formulas": False,  # a clerk's "=1+1" or "@SUM(A1)" stays text
    "strings_to_urls": False,
    "strings_to_numbers": False,
}
"""xlsxwriter.Workbook options for every workbook we write: built in memory, user text written as text."""

_FORBIDDEN = str.maketrans({ch: "_" for ch in SHEET_NAME_FORBIDDEN})


def sheet_name_problem(name: str) -> str | None:
    """Why `name` cannot be a sheet name as it stands (template names are checked, never rewritten)."""
    if not name or len(name) > MAX_SHEET_NAME:
        return f"1-{MAX_SHEET_NAME} characters"
    if any(ch in SHEET_NAME_FORBIDDEN for ch in name):
        return f"none of {SHEET_NAME_FORBIDDEN}"
    if name.startswith("_"):
        return "not starting with _ (reserved for the workbook's hidden sheets)"
    return None


def _unwritable(ch: str) -> bool:
    """A character no sheet name can hold: a control character other than whitespace, a lone surrogate,
    or one of the two non-characters XML excludes."""
    return (unicodedata.category(ch) in ("Cc", "Cs") and not ch.isspace()) or ch in "\ufffe\uffff"


def clean_sheet_name(text: str, taken: set[str], fallback: str) -> str:
    """A legal sheet name made from data, unique ignoring case against `taken` (which the caller updates).

    Control characters (which XML cannot hold) are dropped and line breaks become spaces (a project's name
    is free text); forbidden characters become "_", apostrophes and a leading "_" are dropped, the name is cut to 31
    UTF-16 units; an empty result becomes `fallback`, and a repeat gets "(2)", "(3)"… inside the 31.
    """
    text = "".join(" " if ch.isspace() else ch for ch in text if not _unwritable(ch))
    name = _tidy(_cut(_tidy(text.translate(_FORBIDDEN)), MAX_SHEET_NAME)) or fallback  # cutting may end on '

    base, n = name, 2
    while name.lower() in taken:
        suffix = f"({n})"
        name = _cut(base, MAX_SHEET_NAME - len(suffix)) + suffix
        n += 1
    return name


def _tidy(name: str) -> str:
    """No surrounding spaces or apostrophes, no leading "_" (Excel refuses the first two, we reserve "_")."""
    while (tidy := name.strip().strip("'").lstrip("_")) != name:
        name = tidy
    return name


def _cut(text: str, units: int) -> str:
    """`text` cut to `units` UTF-16 code units, as Excel counts a sheet name (𠀀 and other characters beyond
    the BMP take two), never inside a character."""
    out, used = [], 0
    for ch in text:
        used += 2 if ord(ch) > 0xFFFF else 1
        if used > units:
            break
        out.append(ch)
    return "".join(out)


def check_code(result: int | None, what: str) -> None:
    """xlsxwriter reports bad input with a negative return code and a warning: make it a WriteError."""
    if result is not None and result < 0:
        raise WriteError(f"xlsxwriter refused {what} (code {result})")


def char_width(ch: str) -> int:
    """2 for wide (CJK, full-width) characters, 0 for combining marks, else 1."""
    if unicodedata.combining(ch):
        return 0
    return 2 if unicodedata.east_asian_width(ch) in ("W", "F") else 1


def text_width(line: str) -> int:
    """Columns one line of text takes in a cell (Excel's character units) or a terminal."""
    return sum(char_width(c) for c in line)


def display_width(text: str) -> int:
    """Columns `text` takes when shown with its line breaks: its longest line."""
    return max((text_width(line) for line in text.split("\n")), default=0)
