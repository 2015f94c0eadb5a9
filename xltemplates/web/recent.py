"""Uploads kept for a while in memory, so 「仅检查」 can offer the annotated copy without storing anything.

Bounded by total bytes and age; an entry is tied to the link it came from. Nothing touches the disk.
"""

from __future__ import annotations

import secrets
import time
from collections import OrderedDict
from dataclasses import dataclass

from ..reader.identify import Expect

MAX_BYTES = 64 * 1024 * 1024
MAX_AGE = 3600.0


@dataclass(frozen=True, slots=True)
class Upload:
    owner: str  # the link token's SHA-256
    name: str
    content: bytes
    expect: Expect
    at: float


class RecentUploads:
    def __init__(self, max_bytes: int = MAX_BYTES, max_age: float = MAX_AGE) -> None:
        self.max_bytes, self.max_age = max_bytes, max_age
        self._items: OrderedDict[str, Upload] = OrderedDict()
        self._bytes = 0

    def add(self, owner: str, name: str, content: bytes, expect: Expect) -> str:
        ref = secrets.token_urlsafe(12)
        self._items[ref] = Upload(owner, name, content, expect, time.monotonic())
        self._bytes += len(content)
        self._trim()
        return ref

    def get(self, owner: str, ref: str) -> Upload | None:
        self._trim()
        up = self._items.get(ref)
        return up if up is not None and up.owner == owner else None

    def _trim(self) -> None:
        now = time.monotonic()
        while self._items:
            ref, up = next(iter(self._items.items()))
            if self._bytes <= self.max_bytes and now - up.at <= self.max_age:
                break
            del self._items[ref]
            self._bytes -= len(up.content)
