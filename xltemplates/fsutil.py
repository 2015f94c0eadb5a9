"""Files we write: names made safe on every file system, and atomic writes (temp file, fsync, rename).

A written file gets the permissions any new file of the user gets (0666 less the umask), not the 0600 of the
temporary file it starts as: a bureau's round folder is shared with colleagues as its umask says.
"""

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
        if hasattr(os, "fchmod"):  # POSIX; on Windows the folder's ACL decides
            os.fchmod(fd, 0o666 & ~_umask())
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, p)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def _umask() -> int:
    """The process's umask (read by setting it and putting it back at once: there is no getter)."""
    mask = os.umask(0o077)
    os.umask(mask)
    return mask
