"""A1 cell references <-> zero-based (row, col)."""

from __future__ import annotations

from functools import lru_cache


@lru_cache(maxsize=4096)
def col_letters(col: int) -> str:
    out = ""
    n = col + 1
    while n:
        n, rem = divmod(n - 1, 26)
        out = chr(65 + rem) + out
    return out


def a1(row: int, col: int) -> str:
    """Zero-based (row, col) -> 'B3'."""
    return f"{col_letters(col)}{row + 1}"


def parse_a1(ref: str) -> tuple[int, int]:
    """'B3' (or '$B$3') -> zero-based (row, col); raises ValueError on anything else."""
    ref = ref.replace("$", "").upper()
    i = 0
    while i < len(ref) and ref[i].isalpha():
        i += 1
    letters, digits = ref[:i], ref[i:]
    if not letters or not digits.isdigit() or len(letters) > 3:
        raise ValueError(f"not a cell reference: {ref!r}")
    col = 0
    for ch in letters:
        col = col * 26 + (ord(ch) - 64)
    return int(digits) - 1, col - 1


def parse_range(ref: str) -> tuple[int, int, int, int]:
    """'A1:C3' -> (r1, c1, r2, c2) zero-based inclusive; a single cell gives a 1x1 range."""
    first, _, last = ref.partition(":")
    r1, c1 = parse_a1(first)
    r2, c2 = parse_a1(last) if last else (r1, c1)
    return min(r1, r2), min(c1, c2), max(r1, r2), max(c1, c2)
