"""Annotated copies of recent uploads, kept a while in memory per link, so 「仅检查」 can offer the download
without storing anything and without checking the file again.

The copy is made by the check's worker right after the verdict, within the file's time budget
(checking/desk.py); it is kept here from the upload on, as a future, and a download waits for it (at most
the pool's hard limit) and hands out its bytes, or says it could not be made. Each link keeps its own
(shelf.py: ANNOTATED_PER_LINK copies, ANNOTATED_PER_LINK_BYTES, ANNOTATED_AGE), so one link's uploads never
evict another link's copies. Nothing touches the disk.
"""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass

from ..limits import ANNOTATED_AGE, ANNOTATED_PER_LINK, ANNOTATED_PER_LINK_BYTES
from ..reader.identify import Expect
from .shelf import Shelves


@dataclass(frozen=True, slots=True)
class Upload:
    owner: str  # the link token's SHA-256
    name: str  # the uploaded file's name
    copy: asyncio.Future[bytes | None]  # its annotated copy, being made or made (None: it could not be)
    expect: Expect
    at: float

    async def content(self) -> bytes | None:
        """The annotated copy, once made; None when it could not be made."""
        return await asyncio.shield(self.copy)

    @property
    def size(self) -> int:
        """Bytes held: the copy's, once made (one being made is the link's turn: the next upload waits)."""
        made = self.copy.result() if self.copy.done() and not self.copy.cancelled() else None
        return len(made) if made is not None else 0


class RecentUploads:
    def __init__(self) -> None:
        self._shelves: Shelves[Upload] = Shelves(ANNOTATED_PER_LINK, ANNOTATED_PER_LINK_BYTES, ANNOTATED_AGE,
                                                 lambda up: up.size)

    def add(self, owner: str, name: str, copy: asyncio.Future[bytes | None], expect: Expect) -> str:
        """Keep the annotated copy `copy` (being made) for the link `owner`; its reference."""
        return self._shelves.add(owner, Upload(owner, name, copy, expect, time.monotonic()))

    def get(self, owner: str, ref: str) -> Upload | None:
        return self._shelves.get(owner, ref)
