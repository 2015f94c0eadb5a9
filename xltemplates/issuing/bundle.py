"""The round as one zip: its workbooks and manifest.csv, written atomically, the same bytes for the same round."""

from __future__ import annotations

import zipfile
from datetime import datetime
from pathlib import Path

from ..errors import WriteError
from ..fsutil import atomic_file


def write_zip(path: Path, folder: Path, names: list[str], stamp: datetime) -> None:
    """`names` (files in `folder`) into the zip at `path`: a reader sees the old zip or the new one.

    Members carry the round's timestamp, so re-issuing the same round gives the same zip. Workbooks are
    stored as they are (an .xlsx is compressed already: deflating it again costs time and saves ~1%); the
    rest is deflated. Names are UTF-8 (zipfile sets the flag; collect also reads GBK names from old tools).
    """
    when = stamp.timetuple()[:6]
    with atomic_file(path) as fh, zipfile.ZipFile(fh, "w") as zf:
        for name in names:
            info = zipfile.ZipInfo(name, date_time=when)
            info.compress_type = zipfile.ZIP_STORED if name.endswith(".xlsx") else zipfile.ZIP_DEFLATED
            info.external_attr = 0o644 << 16
            try:
                with (folder / name).open("rb") as src, zf.open(info, "w") as dst:
                    while chunk := src.read(1 << 20):
                        dst.write(chunk)
            except OSError as exc:
                raise WriteError(f"cannot put {folder / name} into {path}: {exc.strerror or exc}") from exc
