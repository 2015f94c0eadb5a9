"""Annotated copies of recent uploads, kept a while in memory per link, so 「仅检查」 can offer the download
without storing anything and without checking the file again.

The copy is made by the check itself, within the file's time budget (checking/job.py); a download only
hands out these bytes. Each link keeps its own (shelf.py: ANNOTATED_PER_LINK copies, ANNOTATED_PER_LINK_BYTES,
ANNOTATED_AGE), so one link's uploads never evict another link's copies. Nothing touches the disk.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

from ..limits import ANNOTATED_AGE, ANNOTATED_PER_LINK, ANNOTATED_PER_LINK_BYTES
from ..reader.identify import Expect
from .shelf import Shelves


@dataclass(frozen=True, slots=True)
class Upload:
    owner: str  # the link token's SHA-256
    name: str  # the uploaded file's name
    content: bytes  # its annotated copy
    expect: Expect
    at: float


class RecentUploads:
    def __init__(self) -> None:
        self._shelves: Shelves[Upload] = Shelves(ANNOTATED_PER_LINK, ANNOTATED_PER_LINK_BYTES, ANNOTATED_AGE,
                                                 lambda up: len(up.content))

    def add(self, owner: str, name: str, content: bytes, expect: Expect) -> str:
        """Keep the annotated copy `content` for the link `owner`; its reference."""
        return self._shelves.add(owner, Upload(owner, name, content, expect, time.monotonic()))

    def get(self, owner: str, ref: str) -> Upload | None:
        return self._shelves.get(owner, ref)
