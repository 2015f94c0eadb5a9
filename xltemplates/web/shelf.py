"""Things the desk keeps a while in memory for one link: a shelf per link, bounded per link.

Each link (its token's SHA-256 is the `owner`) has its own shelf, bounded by count, bytes and age; a link's
new item evicts only that link's older ones, never another township's (issue 23 item 12: one shared pool
let one link's uploads push out every other link's annotated copies). The newest item is always kept, so a
shelf holds at most its bounds plus one item (an upload is bounded by the desk's upload limit). Memory is
bounded by the links in use (a round's roster) times the per-link bound; a link with nothing kept, or only
expired items, is forgotten.
"""

from __future__ import annotations

import secrets
import time
from collections import OrderedDict
from collections.abc import Callable
from typing import Generic, TypeVar

T = TypeVar("T")


class Shelves(Generic[T]):
    def __init__(self, per_link: int, per_link_bytes: int, max_age: float, size: Callable[[T], int]) -> None:
        self.per_link, self.per_link_bytes, self.max_age, self._size = per_link, per_link_bytes, max_age, size
        self._shelves: dict[str, OrderedDict[str, tuple[float, T]]] = {}

    def add(self, owner: str, item: T) -> str:
        """Keep `item` for `owner`; the reference to get it back with."""
        ref = secrets.token_urlsafe(12)
        self._shelves.setdefault(owner, OrderedDict())[ref] = (time.monotonic(), item)
        for each in list(self._shelves):  # every link's expired items go too (a few hundred links at most)
            self._trim(each)
        return ref

    def get(self, owner: str, ref: str) -> T | None:
        """The item `ref` of `owner`'s shelf, or None (never kept, gone, or another link's)."""
        self._trim(owner)
        kept = self._shelves.get(owner, OrderedDict()).get(ref)
        return kept[1] if kept is not None else None

    def _trim(self, owner: str) -> None:
        """The link's oldest items go first: past `per_link` of them, `per_link_bytes`, or `max_age`."""
        shelf = self._shelves.get(owner)
        if shelf is None:
            return
        now, size = time.monotonic(), sum(self._size(item) for _, item in shelf.values())
        while shelf:
            ref, (at, item) = next(iter(shelf.items()))
            newest_only = len(shelf) == 1 and now - at <= self.max_age
            if newest_only or (len(shelf) <= self.per_link and size <= self.per_link_bytes and now - at <= self.max_age):
                break
            del shelf[ref]
            size -= self._size(item)
        if not shelf:
            del self._shelves[owner]
