"""What an unfinished round has already written, so a run killed midway is finished, not redone.

The journal is a hidden file in the round's folder, one JSON line per workbook written (after the
workbook itself is on disk), below a header holding the round's timestamp. A re-run reuses an entry when
the unit's inputs hash the same and the file on disk still has the recorded SHA-256; every other unit is
generated again, with the same timestamp, so the round comes out as one uninterrupted run would have made
it: the same bytes, the same manifest. The journal goes once the manifest is written (a finished round
keeps only its workbooks and manifest.csv). A torn last line (a kill mid-write) is ignored.
"""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from ..errors import WriteError
from ..unit_files import Unit
from ..writer.generate import RoundResult

JOURNAL = ".xltemplates-round.jsonl"
FORMAT = "xltemplates-round-journal/1"
SOURCE_DATE_EPOCH = "SOURCE_DATE_EPOCH"
"""The reproducible-builds convention: when set, a new round's timestamp (seconds since 1970, UTC)."""


def unit_key(round_key: str, unit: Unit, data: bytes | None) -> str:
    """What a unit's workbook depends on, hashed: the round's inputs, the unit, its prefill file's bytes."""
    h = hashlib.sha256(round_key.encode())
    h.update(json.dumps([unit.code, unit.name], ensure_ascii=False).encode())
    h.update(b"\0" if data is None else b"\1" + hashlib.sha256(data).digest())
    return h.hexdigest()


def round_key(**inputs: Any) -> str:
    """The inputs every unit shares (template and its version, year, context, key id, options) as one hash."""
    return hashlib.sha256(json.dumps(inputs, ensure_ascii=False, sort_keys=True, default=str).encode()).hexdigest()


def new_stamp() -> datetime:
    """A new round's timestamp: SOURCE_DATE_EPOCH when set (reproducible output), else now."""
    epoch = os.environ.get(SOURCE_DATE_EPOCH, "").strip()
    if epoch.isdigit():
        return datetime.fromtimestamp(int(epoch), UTC)
    return datetime.now(UTC).replace(microsecond=0)


@dataclass(frozen=True, slots=True)
class Done:
    """One journal entry: a workbook on disk and what the manifest says of it."""

    key: str
    file: str
    fingerprint: str
    sha256: str
    warnings: tuple[str, ...] = ()  # what generate said of the unit's issued data, said again on a re-run

    def result(self, unit: Unit) -> RoundResult:
        return RoundResult(unit, self.file, self.fingerprint, None, self.sha256, self.warnings)


class Journal:
    """The journal of one round folder: what it held when opened (`done`), appended to while the round runs."""

    def __init__(self, folder: Path, stamp: datetime, done: dict[str, Done]) -> None:
        self.folder, self.stamp, self.done = folder, stamp, done
        self.path = folder / JOURNAL

    @classmethod
    def open(cls, folder: Path, wanted: set[str]) -> Journal:
        """The folder's journal, continued when it holds any entry in `wanted` (keys of this run's units) and
        that entry's file is intact; else a new one with a new timestamp (a different round, or none)."""
        path = folder / JOURNAL
        stamp, done = _read(path)
        done = {k: d for k, d in done.items() if k in wanted and _plain(d.file) and _intact(folder / d.file, d.sha256)}
        try:
            folder.mkdir(parents=True, exist_ok=True)
            _sweep(folder)
            if stamp is None or not done:
                stamp, done = new_stamp(), {}
                header = json.dumps({"format": FORMAT, "generated_at": stamp.isoformat()}) + "\n"
                path.write_text(header, encoding="utf-8")
        except OSError as exc:
            raise WriteError(f"cannot write {path}: {exc.strerror or exc}") from exc
        return cls(folder, stamp, done)

    @contextmanager
    def recording(self) -> Iterator[Callable[[str, RoundResult], None]]:
        """A function noting a workbook as written (call it after the file is on disk), while the block runs."""
        try:
            fh = self.path.open("a", encoding="utf-8")
        except OSError as exc:
            raise WriteError(f"cannot write {self.path}: {exc.strerror or exc}") from exc
        with fh:
            fh.write("\n")  # ends a torn last line, if any (an empty line is skipped when read)

            def record(key: str, r: RoundResult) -> None:
                if r.file is None or r.fingerprint is None or r.sha256 is None:
                    return  # a unit that failed is tried again by the next run
                fh.write(json.dumps({"key": key, "file": r.file, "fingerprint": r.fingerprint, "sha256": r.sha256,
                                     "warnings": list(r.warnings)}, ensure_ascii=False) + "\n")
                fh.flush()

            yield record

    def finish(self) -> None:
        """The round is complete (manifest written): the journal is no longer needed."""
        self.path.unlink(missing_ok=True)


def _read(path: Path) -> tuple[datetime | None, dict[str, Done]]:
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except (OSError, UnicodeDecodeError):
        return None, {}
    stamp: datetime | None = None
    done: dict[str, Done] = {}
    for line in lines:
        try:
            row = json.loads(line)
            if stamp is None:
                if row.get("format") != FORMAT:
                    return None, {}
                stamp = datetime.fromisoformat(row["generated_at"])
            else:
                done[row["key"]] = Done(row["key"], row["file"], row["fingerprint"], row["sha256"],
                                        tuple(str(w) for w in row.get("warnings", ())))
        except (ValueError, KeyError, TypeError, AttributeError):
            continue  # an empty or torn line
    return stamp, done


def _plain(name: str) -> bool:
    """A bare file name (a journal is a file anyone with the folder can edit: never a path out of it)."""
    return name not in ("", ".", "..") and Path(name).name == name and "\\" not in name


def _intact(path: Path, sha256: str) -> bool:
    try:
        return hashlib.sha256(path.read_bytes()).hexdigest() == sha256
    except OSError:
        return False


def _sweep(folder: Path) -> None:
    """Remove temporary files a killed run left half-written (fsutil.write_atomic's `.<name>.<random>.tmp`)."""
    for p in folder.glob(".*.xlsx.*.tmp"):
        p.unlink(missing_ok=True)
