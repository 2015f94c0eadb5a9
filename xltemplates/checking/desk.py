"""The pool's async face, for the web desk: an upload checked in a worker, one at a time per link.

A link (its token's hash is the `owner`) has at most one file in the workers at a time: a second upload
from the same link waits for the first, so one link cannot occupy every worker while other townships wait.
A worker that dies, hangs or raises gives the upload the report every surface gives it (job.failed), never
an exception: the desk shows its normal verdict page.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager

from ..catalogue.registry import shipped_ids
from ..limits import HARD_SECONDS
from ..reader.identify import Expect
from .job import Checked, Words, annotate_stored, check_upload, failed
from .workers import WorkerPool

log = logging.getLogger(__name__)


class DeskChecks:
    """The desk's check workers (`jobs` processes, 0: a thread of the server) and its per-link turns."""

    def __init__(self, jobs: int, words: Words | None = None, hard_seconds: float = HARD_SECONDS,
                 warm: Callable[[], object] | None = None) -> None:
        """words: how the drawn sheets word their findings (the desk passes its clerk wording)."""
        self.pool = WorkerPool(jobs, warm=warm or _warm, hard_seconds=hard_seconds)
        self._words = words
        self._turns: dict[str, tuple[asyncio.Lock, list[int]]] = {}  # owner -> (its lock, [uploads holding or waiting])

    def start(self) -> None:
        """Start the workers now (before the event loop), not on the first clerk's upload."""
        self.pool.start()

    def close(self) -> None:
        self.pool.close()

    async def upload(self, owner: str, content: bytes, name: str, expect: Expect) -> Checked:
        """The checked upload (report, drawn sheets, annotated copy), after the link's earlier upload."""
        async with self._turn(owner):
            try:
                return await self.pool.run(check_upload, content, name, expect, self._words)
            except Exception as exc:  # its worker died or hung, or the check raised (a broken template)
                log.error("checking %s failed: %s: %s", name, type(exc).__name__, exc)
                return failed(name, exc)

    async def annotate_stored(self, content: bytes, name: str, expect: Expect) -> bytes | None:
        """The annotated copy of a stored original, or None (none to make, or its worker failed)."""
        try:
            return await self.pool.run(annotate_stored, content, name, expect)
        except Exception as exc:
            log.error("annotating %s failed: %s: %s", name, type(exc).__name__, exc)
            return None

    @asynccontextmanager
    async def _turn(self, owner: str) -> AsyncIterator[None]:
        """One upload of `owner` at a time; a link with none in hand or waiting is forgotten (bounded memory)."""
        lock, users = self._turns.setdefault(owner, (asyncio.Lock(), [0]))
        users[0] += 1
        try:
            async with lock:
                yield
        finally:
            users[0] -= 1
            if users[0] == 0:
                del self._turns[owner]


def _warm() -> None:
    """Each worker loads the shipped templates before it takes a file."""
    shipped_ids()
