"""The files a collect run reads: every file under a directory, or every member of a zip archive.

Zip members are read into memory one at a time, never extracted to a path (a member named
``../../etc/x`` is just a name here), under the same guards as a workbook's own parts (reader/archive.py):
the archive's directory is walked before zipfile builds it, and a member is inflated in chunks with its
bytes counted, so neither a crafted directory nor a member that inflates past what it declares costs
memory. An archive with more members than a round can have, or a declared total no round reaches, is
refused as a whole. Files in a directory are read only when they are regular files (reader/guards.py). A
file or member that is too large, encrypted, damaged or not a regular file still becomes a Source,
carrying the finding that says so, so the bureau sees it in ``status`` instead of it vanishing.

Order is deterministic (sorted by name): an interrupted run that is started again meets the files in the
same order, which keeps the database of the two runs identical to one uninterrupted run.
"""

from __future__ import annotations

import os
import time
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from ..errors import KeyFileError, ReadError
from ..findings.report import Finding, make_finding
from ..limits import MAX_FILE_BYTES, MAX_ZIP_DIRECTORY_BYTES, MAX_ZIP_MEMBERS, MAX_ZIP_TOTAL, MiB
from ..reader.archive import Inflater, OverLimit, check_directory
from ..reader.guards import ZIP_ERRORS, read_file
from ..trust.keys import exposed_message, holds_secret, load_keyring, refuse_in_returns
from .errors import RoundError

WORKBOOK_SUFFIXES = frozenset({".xlsx", ".xlsm", ".xltx", ".ods"})
"""Zip packages themselves: given as the input, they are a mistake, not an archive of returns."""
JUNK_NAMES = frozenset({"thumbs.db", "desktop.ini", ".ds_store"})
JUNK_DIRS = frozenset({"__macosx", ".git"})


@dataclass(frozen=True, slots=True)
class Source:
    """One file to import. `content` is None when `problem` says why it was not read."""

    name: str  # relative path under DIR, or "<archive>/<member>"
    mtime: float  # file modification time / zip member date, as a POSIX timestamp
    content: bytes | None
    problem: Finding | None = None


def is_junk(rel: str) -> bool:
    """Operating-system litter and Office lock files (``~$x.xlsx``) are not returns."""
    parts = [p.lower() for p in rel.replace("\\", "/").split("/") if p]
    if not parts:
        return True
    base = parts[-1]
    return base in JUNK_NAMES or base.startswith(("~$", ".")) or any(p in JUNK_DIRS for p in parts[:-1])


class Inbox:
    """The files of one input, listed up front (so a progress bar knows the total) and read one at a time."""

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)
        if self.path.is_dir():
            refuse_in_returns(self.path, nested=True)
            self._names: list[str] = _list_directory(self.path)
        elif self.path.is_file():
            if self.path.suffix.lower() in WORKBOOK_SUFFIXES:
                raise RoundError(f"{self.path} is one workbook: collect takes a directory or a .zip of returns "
                                 "(to check one file, use `xltemplates check`)")
            if not zipfile.is_zipfile(self.path):
                raise RoundError(f"{self.path} is neither a directory nor a zip archive")
            refuse_in_returns(self.path.parent, nested=False)
            self._names = _list_archive(self.path)
            _refuse_key_in_archive(self.path)
        else:
            raise RoundError(f"no such directory or zip archive: {self.path}")

    def __len__(self) -> int:
        return len(self._names)

    def __iter__(self) -> Iterator[Source]:
        """Sources sorted by name; each file's bytes are read when the iteration reaches it."""
        if self.path.is_dir():
            return _read_directory(self.path, self._names)
        return _read_archive(self.path)


def _too_large(size: int) -> Finding:
    return make_finding("E-FILE-TOO-LARGE", found=f"{size / MiB:.1f} MiB", expected=f"{MAX_FILE_BYTES // MiB} MiB")


def _refused(exc: ReadError) -> Finding:
    return make_finding(exc.code, found=exc.found, expected=exc.expected)


def _list_directory(root: Path) -> list[str]:
    found: list[str] = []
    for dirpath, dirnames, filenames in os.walk(root, followlinks=False):
        dirnames[:] = [d for d in dirnames if d.lower() not in JUNK_DIRS and not d.startswith(".")]
        for f in filenames:
            full = Path(dirpath) / f
            rel = full.relative_to(root).as_posix()
            if not is_junk(rel) and full.is_file():
                found.append(rel)
    return sorted(found)


def _read_directory(root: Path, names: list[str]) -> Iterator[Source]:
    for rel in names:
        full = root / rel
        try:
            mtime = full.stat().st_mtime
        except OSError as exc:
            yield Source(rel, 0.0, None, make_finding("E-FILE-MISSING", found=f"{rel}（{exc.strerror}）"))
            continue
        try:
            content = read_file(full, MAX_FILE_BYTES)
        except ReadError as exc:  # gone since listed, replaced by a FIFO, grown past the limit
            yield Source(rel, mtime, None, _refused(exc))
            continue
        yield Source(rel, mtime, content)


def member_name(info: zipfile.ZipInfo) -> str:
    """The member's name as its author saw it: Windows zip tools store GBK names without the UTF-8 flag,
    which zipfile decodes as cp437 (mojibake); undo that, trying UTF-8 first."""
    if info.flag_bits & 0x800:
        return info.filename
    raw = info.filename.encode("cp437", errors="replace")
    for enc in ("utf-8", "gb18030"):
        try:
            return raw.decode(enc)
        except UnicodeDecodeError:
            continue
    return info.filename


def _member_time(info: zipfile.ZipInfo) -> float:
    try:  # zip dates are local wall-clock time without a zone, like the file's mtime was
        return time.mktime((*info.date_time, 0, 0, -1))
    except (OverflowError, ValueError):
        return 0.0


def _open_archive(path: Path) -> zipfile.ZipFile:
    """The archive, its directory walked first: a crafted one is refused before zipfile reads it."""
    try:
        with path.open("rb") as fp:
            check_directory(fp, MAX_ZIP_MEMBERS, MAX_ZIP_DIRECTORY_BYTES)
        return zipfile.ZipFile(path)
    except OverLimit as over:
        what = "members" if over.kind == "entries" else "bytes of directory"
        raise RoundError(f"{path}: {over.found} {what}, more than a round can have ({over.limit}); "
                         "refusing to read it") from None
    except ZIP_ERRORS as exc:
        raise RoundError(f"cannot read the zip archive {path}: {exc}") from None


def _members(path: Path, zf: zipfile.ZipFile) -> list[tuple[str, zipfile.ZipInfo]]:
    """(label, info) of the members to import, sorted; the archive-wide limits are checked here."""
    infos = [i for i in zf.infolist() if not i.is_dir()]
    if len(infos) > MAX_ZIP_MEMBERS:
        raise RoundError(f"{path}: {len(infos)} members, more than a round can have ({MAX_ZIP_MEMBERS}); "
                         "refusing to read it")
    total = sum(i.file_size for i in infos)
    if total > MAX_ZIP_TOTAL:
        raise RoundError(f"{path}: declares {total / MiB:.0f} MiB uncompressed, more than "
                         f"{MAX_ZIP_TOTAL // MiB} MiB; refusing to read it")
    named = [(member_name(i), i) for i in infos]
    return sorted(((f"{path.name}/{n.lstrip('/')}", i) for n, i in named if not is_junk(n)), key=lambda x: x[0])


def _list_archive(path: Path) -> list[str]:
    with _open_archive(path) as zf:
        return [label for label, _ in _members(path, zf)]


KEY_SCAN_BYTES = 64 * 1024
"""Members up to this size are searched for the bureau's key (a key file is a few hundred bytes)."""


def _refuse_key_in_archive(path: Path) -> None:
    """KeyFileError when a small member of the archive (hidden names included) holds one of the bureau's secrets."""
    ring = load_keyring()
    if ring is None:
        return
    inflater = Inflater(KEY_SCAN_BYTES, MAX_ZIP_TOTAL)
    with _open_archive(path) as zf:
        for info in zf.infolist():
            if info.is_dir() or info.file_size > KEY_SCAN_BYTES or info.flag_bits & 0x1:
                continue
            try:
                content = inflater.read(zf, info)
            except (OverLimit, *ZIP_ERRORS):
                continue  # reported with its finding when it is read as a return
            if holds_secret(content, ring):
                raise KeyFileError(exposed_message(f"{path}: the member {member_name(info)} holds the bureau's "
                                                   "identity key"))


def _read_archive(path: Path) -> Iterator[Source]:
    inflater = Inflater(MAX_FILE_BYTES, MAX_ZIP_TOTAL)
    with _open_archive(path) as zf:
        for label, info in _members(path, zf):
            mtime = _member_time(info)
            if info.file_size > MAX_FILE_BYTES:
                yield Source(label, mtime, None, _too_large(info.file_size))
                continue
            if info.flag_bits & 0x1:
                yield Source(label, mtime, None, make_finding("E-FILE-ENCRYPTED", found=label))
                continue
            try:
                content = inflater.read(zf, info)
            except OverLimit as over:
                yield Source(label, mtime, None, _too_large(over.found))
                continue
            except ZIP_ERRORS as exc:
                yield Source(label, mtime, None, make_finding("E-FILE-CORRUPT", found=f"压缩包成员无法读取：{exc}"))
                continue
            yield Source(label, mtime, content)
