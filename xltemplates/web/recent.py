"""Annotated copies of recent uploads, kept a while in memory per link, so 「仅检查」 can offer the download
without storing anything and without checking the file again.

The copy is made by the check itself, within the file's time budget (checking/job.py); a download only
hands out these bytes. Each link (its token's hash is the `owner`) has its own bounded shelf: at most
PER_LINK copies and PER_LINK_BYTES, each for MAX_AGE, so one link's uploads evict only its own older
copies, never another township's. Memory is bounded by the links in use (a round's roster) times
PER_LINK_BYTES; links with nothing kept are forgotten. Nothing touches the disk.
"""

from __future__ import annotations

import secrets
import time
from collections import OrderedDict
from dataclasses import dataclass

from ..limits import ANNOTATED_AGE, ANNOTATED_PER_LINK, ANNOTATED_PER_LINK_BYTES
from ..reader.identify import Expect


@dataclass(frozen=True, slots=True)
class Upload:
    owner: str  # the link token's SHA-256
    name: str  # the uploaded file's name
    content: bytes  # its annotated copy
    expect: Expect
    at: float


class RecentUploads:
    def __init__(self, per_link: int = ANNOTATED_PER_LINK, per_link_bytes: int = ANNOTATED_PER_LINK_BYTES,
                 max_age: float = ANNOTATED_AGE) -> None:
        self.per_link, self.per_link_bytes, self.max_age = per_link, per_link_bytes, max_age
        self._shelves: dict[str, OrderedDict[str, Upload]] = {}

    def add(self, owner: str, name: str, content: bytes, expect: Expect) -> str | None:
        """Keep `content` for `owner`; its reference, or None when it alone is over the link's bytes."""
        if len(content) > self.per_link_bytes:
            return None
        ref = secrets.token_urlsafe(12)
        shelf = self._shelves.setdefault(owner, OrderedDict())
        shelf[ref] = Upload(owner, name, content, expect, time.monotonic())
        for each in list(self._shelves):  # expired copies of every link go too (a few hundred links at most)
            self._trim(each)
        return ref

    def get(self, owner: str, ref: str) -> Upload | None:
        self._trim(owner)
        shelf = self._shelves.get(owner)
        return shelf.get(ref) if shelf is not None else None

    def _trim(self, owner: str) -> None:
        """The link's oldest copies go first: past PER_LINK of them, PER_LINK_BYTES, or MAX_AGE."""
        shelf = self._shelves.get(owner)
        if shelf is None:
            return
        now, size = time.monotonic(), sum(len(u.content) for u in shelf.values())
        while shelf:
            ref, up = next(iter(shelf.items()))
            if len(shelf) <= self.per_link and size <= self.per_link_bytes and now - up.at <= self.max_age:
                break
            del shelf[ref]
            size -= len(up.content)
        if not shelf:
            del self._shelves[owner]
