"""The send list of a round's links: one row per unit with its link and a QR code, as .xlsx, .csv and a
printable page, so 150 townships each get their own link (by message, on paper, or scanned from a phone).

A link is shown only when it is issued (the database keeps its SHA-256, never the token): ``generate --roster
--db`` writes the send list beside manifest.csv, and the bureau's 填报链接 page makes one for the links it
issues. QR codes by segno (pure Python, no image library): PNG in the workbook, inline SVG on the page.
"""

from __future__ import annotations

import io
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path

from markupsafe import Markup

from ..fsutil import write_atomic
from ..unit_files import Unit
from .export_csv import csv_bytes

COLUMNS = ("单位编码", "单位名称", "填报链接")
FILE_STEM = "填报链接发送清单"


@dataclass(frozen=True, slots=True)
class SendRow:
    code: str
    name: str
    url: str

    def qr_png(self) -> bytes:
        import segno  # the web extra's: generate --db without it writes the CSV only

        buf = io.BytesIO()
        segno.make(self.url, error="m").save(buf, kind="png", scale=3, border=2)
        return buf.getvalue()

    def qr_svg(self) -> Markup:
        """The QR code as an inline <svg> (the page's Content-Security-Policy allows no image source)."""
        import segno

        return Markup(segno.make(self.url, error="m").svg_inline(scale=3, border=2, title=self.name))


def send_rows(units: Iterable[Unit], urls: Mapping[str, str]) -> list[SendRow]:
    """The units that have a new link, in roster order."""
    return [SendRow(u.code, u.name, urls[u.code]) for u in units if u.code in urls]


def send_list_csv(rows: Iterable[SendRow]) -> bytes:
    """UTF-8 with a BOM (Excel and WPS read the Chinese right); names that a spreadsheet would evaluate made inert."""
    return csv_bytes(COLUMNS, ([r.code, r.name, r.url] for r in rows))


def write_send_list(out_dir: str | Path, rows: list[SendRow]) -> list[Path]:
    """填报链接发送清单.csv and, with segno installed (the web extra), .xlsx with the QR codes, in `out_dir`."""
    from importlib.util import find_spec

    from .export_xlsx import send_list_xlsx

    out = [Path(out_dir) / f"{FILE_STEM}.csv"]
    write_atomic(out[0], send_list_csv(rows))
    if find_spec("segno") is not None:
        out.append(Path(out_dir) / f"{FILE_STEM}.xlsx")
        write_atomic(out[1], send_list_xlsx(rows))
    return out
