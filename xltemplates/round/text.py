"""Text for spreadsheets and terminals: XML-illegal characters, and padding Chinese text to a width."""

from __future__ import annotations

import re

from ..excel import display_width

# XML 1.0 allows TAB, LF, CR and everything from U+0020 except surrogates and U+FFFE/U+FFFF. Excel refuses
# a workbook whose shared strings hold anything else ("We found a problem with some content").
_XML_ILLEGAL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


def xml_safe(text: str) -> tuple[str, int]:
    """`text` without the characters XML cannot hold, and how many were removed."""
    clean, n = _XML_ILLEGAL.subn("", text)
    return clean, n


def pad(text: str, width: int) -> str:
    return text + " " * max(0, width - display_width(text))
