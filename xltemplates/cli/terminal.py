"""Text for the bureau's terminal: whatever a returned file carries is shown, never obeyed.

A cell, a unit name or a file name can hold control characters (an ``_x001B_`` escape in the workbook
decodes to ESC): printed raw, ``ESC[2J`` clears the screen, ``ESC]0;...BEL`` retitles the window, and a
newline in a file name starts a line that reads like another file's verdict. Every such character is
shown as its Python escape (``\\x1b``, ``\\n``), so one file stays one line and text stays text.
"""

from __future__ import annotations

import re

_CONTROL = re.compile("[\x00-\x1f\x7f-\x9f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]")
"""C0 and C1 controls, DEL, line/paragraph separators and the bidirectional marks and overrides (which
reorder what follows them on screen, so ``abc\u202egnp.xlsx`` would read as ``abcxslx.png``)."""


def _escape(m: re.Match[str]) -> str:
    ch = m.group()
    return {"\n": "\\n", "\r": "\\r", "\t": "\\t"}.get(ch) or (
        f"\\x{ord(ch):02x}" if ord(ch) < 0x100 else f"\\u{ord(ch):04x}")


def shown(text: object) -> str:
    """`text` safe to print on one terminal line: control characters as visible escapes."""
    return _CONTROL.sub(_escape, str(text))
