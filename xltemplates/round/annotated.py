"""Where ``collect --annotate-dir`` puts annotated copies: one per rejected unit, the newest file's.

The copy itself is made by writer/annotate.py in the worker that checked the file (see job.py).
"""

from __future__ import annotations

from pathlib import Path, PurePosixPath

from ..fsutil import safe_file_name, write_atomic
from ..unit_files import Unit, unit_filename

SUFFIX = "_批注.xlsx"


def annotated_name(unit_code: str | None, unit_name: str | None, template: str | None, file_name: str) -> str:
    """<单位编码>_<单位名称>_<模板>_批注.xlsx, so a unit's newer copy replaces its older one; a file with
    no unit is named after itself."""
    if unit_code:
        return unit_filename(Unit(unit_code, unit_name or ""), template or "form", SUFFIX)
    return safe_file_name(PurePosixPath(file_name).stem, SUFFIX)


def write(out_dir: Path, name: str, content: bytes) -> None:
    write_atomic(out_dir / name, content)


def remove(out_dir: Path, name: str) -> None:
    """A unit whose new file is accepted: its annotated copy is outdated and must not be sent out."""
    (out_dir / name).unlink(missing_ok=True)
