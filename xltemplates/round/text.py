"""Text for spreadsheets and terminals: XML-illegal characters, and display width of Chinese text."""

from __future__ import annotations

import re
import unicodedata

# XML 1.0 allows TAB, LF, CR and everything from U+0020 except surrogates and U+FFFE/U+FFFF. Excel refuses
# a workbook whose shared strings hold anything else ("We found a problem with some content").
_XML_ILLEGAL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


def xml_safe(text: str) -> tuple[str, int]:
    """`text` without the characters XML cannot hold, and how many were removed."""
    clean, n = _XML_ILLEGAL.subn("", text)
    return clean, n


def char_width(ch: str) -> int:
    """2 for wide (CJK, full-width) characters, 0 for combining marks, else 1."""
    if unicodedata.combining(ch):
        return 0
    return 2 if unicodedata.east_asian_width(ch) in ("W", "F") else 1


def display_width(text: str) -> int:
    """Columns `text` takes in a terminal or a spreadsheet cell: CJK counts 2; the longest line counts."""
    return max((sum(char_width(c) for c in line) for line in text.split("\n")), default=0)


def pad(text: str, width: int) -> str:
    return text + " " * max(0, width - display_width(text))
