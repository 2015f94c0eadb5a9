"""The pool's async face, for the web desk: an upload checked in a worker, one at a time per link.

The clerk waits for the verdict only: the worker sends the report and the drawn sheets first, then makes
the annotated copy from the evidence it still holds and sends that as the call's second reply
(WorkerPool.run_then). The copy is thus made once per upload, within the file's budget, on the same worker
and never by a download; the desk keeps it per link (web/recent.py) and a download waits for it if it is
not made yet.

A link (its token's hash is the `owner`) has at most one file in the workers at a time, copy included: a
second upload from the same link waits until the first one's copy is made, so one link cannot occupy every
worker while other townships wait. A worker that dies, hangs or raises gives the upload the report every
surface gives it (job.failed), never an exception: the desk shows its normal verdict page. A worker that
fails after the verdict costs only the copy (None: the download page says it could not be made).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from ..catalogue.registry import shipped_ids
from ..limits import HARD_SECONDS
from ..reader.identify import Expect
from .job import Checked, Words, annotatable, annotate_stored, check_upload, failed
from .workers import WorkerPool

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class Uploaded:
    """A checked upload (its report and drawn sheets) and, when it can have one, its annotated copy to come:
    a future that ends with the bytes, or None when the copy could not be made (never an exception)."""

    checked: Checked
    copy: asyncio.Future[bytes | None] | None


class DeskChecks:
    """The desk's check workers (`jobs` processes, 0: a thread of the server) and its per-link turns."""

    def __init__(self, jobs: int, words: Words | None = None, hard_seconds: float = HARD_SECONDS,
                 warm: Callable[[], object] | None = None) -> None:
        """words: how the drawn sheets word their findings (the desk passes its clerk wording)."""
        self.pool = WorkerPool(jobs, warm=warm or _warm, hard_seconds=hard_seconds)
        self._words = words
        self._turns: dict[str, tuple[asyncio.Lock, list[int]]] = {}  # owner -> (its lock, [uploads holding or waiting])
        self._copies: set[asyncio.Future[bytes | None]] = set()  # copies being made (held until done)

    def start(self) -> None:
        """Start the workers now (before the event loop), not on the first clerk's upload."""
        self.pool.start()

    def close(self) -> None:
        self.pool.close()

    async def upload(self, owner: str, content: bytes, name: str, expect: Expect) -> Uploaded:
        """The checked upload, as soon as its verdict is made, after the link's earlier upload and its copy;
        the link's turn ends when this upload's copy is made (or has failed)."""
        await self._enter(owner)
        try:
            checked, rest = await self.pool.run_then(check_upload, content, name, expect, self._words)
        except BaseException as exc:
            self._leave(owner)
            if not isinstance(exc, Exception):  # the request was cancelled
                raise
            log.error("checking %s failed: %s: %s", name, type(exc).__name__, exc)  # its worker died or hung,
            return Uploaded(failed(name, exc), None)  # or the check raised (a broken template)
        copy = asyncio.ensure_future(self._copy(owner, name, rest))
        self._copies.add(copy)
        copy.add_done_callback(self._copies.discard)
        return Uploaded(checked, copy if annotatable(checked.report) else None)

    async def annotate_stored(self, content: bytes, name: str, expect: Expect) -> bytes | None:
        """The annotated copy of a stored original, or None (none to make, or its worker failed)."""
        try:
            return await self.pool.run(annotate_stored, content, name, expect)
        except Exception as exc:
            log.error("annotating %s failed: %s: %s", name, type(exc).__name__, exc)
            return None

    async def _copy(self, owner: str, name: str, rest: asyncio.Future[Any]) -> bytes | None:
        """The upload's second step, its annotated copy (None when it has none or its worker failed)."""
        try:
            copy = await rest
        except Exception as exc:
            log.error("the annotated copy of %s failed: %s: %s", name, type(exc).__name__, exc)
            return None
        finally:
            self._leave(owner)
        return copy if isinstance(copy, bytes) else None

    async def _enter(self, owner: str) -> None:
        """Wait for `owner`'s turn: one upload of a link at a time."""
        lock, users = self._turns.setdefault(owner, (asyncio.Lock(), [0]))
        users[0] += 1
        try:
            await lock.acquire()
        except BaseException:
            self._forget(owner)
            raise

    def _leave(self, owner: str) -> None:
        self._turns[owner][0].release()
        self._forget(owner)

    def _forget(self, owner: str) -> None:
        """A link with no upload in hand or waiting is forgotten (bounded memory)."""
        users = self._turns[owner][1]
        users[0] -= 1
        if users[0] == 0:
            del self._turns[owner]


def _warm() -> None:
    """Each worker loads the shipped templates before it takes a file."""
    shipped_ids()
