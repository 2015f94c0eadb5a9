"""A1 cell references <-> zero-based (row, col): the package's one A1 parser and writer.

The reader parses the reference of every cell it reads with :func:`parse_a1`, hence the column cache (keyed
by the letters as written: at most 3 letters of either case, so the cache stays small whatever a file holds).
"""

from __future__ import annotations

from functools import lru_cache

_COLS: dict[str, int] = {}


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
    """'B3' (or '$B$3', 'b3') -> zero-based (row, col); ValueError on anything else."""
    if "$" in ref:
        ref = ref.replace("$", "")
    letters = ref.rstrip("0123456789")
    col = _COLS.get(letters)
    if col is None:
        up = letters.upper()
        if not 1 <= len(up) <= 3 or not all("A" <= ch <= "Z" for ch in up):
            raise ValueError(f"not a cell reference: {ref!r}")
        col = 0
        for ch in up:
            col = col * 26 + ord(ch) - 64
        col -= 1
        _COLS[letters] = col
    digits = ref[len(letters):]
    row = int(digits) - 1 if digits else -1
    if row < 0:
        raise ValueError(f"not a cell reference: {ref!r}")
    return row, col


def parse_range(ref: str) -> tuple[int, int, int, int]:
    """'A1:C3' (either corner first) -> (r1, c1, r2, c2) zero-based inclusive; a single cell is a 1x1 range."""
    first, _, last = ref.partition(":")
    r1, c1 = parse_a1(first)
    r2, c2 = parse_a1(last) if last else (r1, c1)
    return min(r1, r2), min(c1, c2), max(r1, r2), max(c1, c2)
