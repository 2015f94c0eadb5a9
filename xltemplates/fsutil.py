"""Files we write: names made safe on every file system, and atomic writes (temp file, fsync, rename).

A written file gets the permissions any new file of the user gets (0666 less the umask), not the 0600 of the
temporary file it starts as: a bureau's round folder is shared with colleagues as its umask says.
"""

from __future__ import annotations

import hashlib
import os
import re
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import BinaryIO

from .errors import WriteError

_UNSAFE_IN_NAME = re.compile(r'[\\/:*?"<>|\x00-\x1f\x7f]+')
"""Characters Windows refuses in a file name, path separators and control characters."""

MAX_NAME_BYTES = 200
"""A file name's UTF-8 bytes: file systems allow 255, and write_atomic's temp name adds about 20."""


def safe_file_name(name: str, suffix: str = "") -> str:
    """`name` + `suffix` with every run of unsafe characters replaced by "_", at most MAX_NAME_BYTES long.

    A name too long (a unit name of 100 Chinese characters is 300 bytes) is cut at a character boundary
    and ends in "~" and a digest of the whole name, so two long names that differ only at the end stay two
    files; `suffix` (an extension, "_批注.xlsx") is always kept.
    """
    clean, tail = _UNSAFE_IN_NAME.sub("_", name), _UNSAFE_IN_NAME.sub("_", suffix)
    if len((clean + tail).encode()) <= MAX_NAME_BYTES:
        return clean + tail
    mark = "~" + hashlib.sha256(clean.encode()).hexdigest()[:8]
    room = MAX_NAME_BYTES - len((mark + tail).encode())
    cut = clean.encode()[:room].decode("utf-8", errors="ignore")
    return cut + mark + tail


def write_atomic(path: str | Path, data: bytes) -> None:
    """Write `data` to `path` so a reader sees the old file or the new one, never half of it.

    Raises WriteError (an unwritable directory, a full disk, a name too long) naming the path, so every
    command reports it as one line and exit 2, never a traceback.
    """
    with atomic_file(path) as fh:
        fh.write(data)


@contextmanager
def atomic_file(path: str | Path) -> Iterator[BinaryIO]:
    """A binary file to write in the block that appears at `path` only when the block ends without an error
    (temp file in the same folder, fsync, rename): for output too large to hold in memory (a round's zip).
    Raises WriteError as write_atomic does."""
    p = Path(path)
    try:
        p.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=f".{p.name}.", suffix=".tmp", dir=p.parent)
    except OSError as exc:
        raise WriteError(f"cannot write {p}: {exc.strerror or exc}") from exc
    try:
        if hasattr(os, "fchmod"):  # POSIX; on Windows the folder's ACL decides
            os.fchmod(fd, 0o666 & ~_umask())
        with os.fdopen(fd, "wb") as fh:
            yield fh
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, p)
    except BaseException as exc:
        Path(tmp).unlink(missing_ok=True)
        if isinstance(exc, OSError):
            raise WriteError(f"cannot write {p}: {exc.strerror or exc}") from exc
        raise


def _umask() -> int:
    """The process's umask (read by setting it and putting it back at once: there is no getter)."""
    mask = os.umask(0o077)
    os.umask(mask)
    return mask
