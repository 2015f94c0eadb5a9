"""Files we write: names made safe on every file system, and atomic writes (temp file, fsync, rename)."""

from __future__ import annotations

import os
import re
import tempfile
from pathlib import Path

_UNSAFE_IN_NAME = re.compile(r'[\\/:*?"<>|\x00-\x1f]+')
"""Characters Windows refuses in a file name, path separators and control characters."""


def safe_file_name(name: str) -> str:
    """`name` with every run of unsafe characters replaced by "_"."""
    return _UNSAFE_IN_NAME.sub("_", name)


def write_atomic(path: str | Path, data: bytes) -> None:
    p = Path(path)
    p.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{p.name}.", suffix=".tmp", dir=p.parent)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, p)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
