"""Text as two labels must share to count as the same: the one normalisation every comparison of labels uses."""

from __future__ import annotations

import unicodedata


def squash(text: str) -> str:
    """NFKC and no whitespace at all: what two labels must share to count as the same text."""
    return "".join(unicodedata.normalize("NFKC", text).split())
