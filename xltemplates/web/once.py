"""Things a bureau page holds for a short while in memory: one-time tokens and freshly issued links.

A 「重新生成」 form carries a one-time token: the POST is carried out once, and the same form sent again (Back
and resubmit, F5 on a POST) is refused instead of killing the link just issued. Issued links are kept under
a ref for the result page (POST/redirect/GET) and its downloads, since the database never holds a token.
Both bounded in number and age.
"""

from __future__ import annotations

import secrets
import time
from collections import OrderedDict
from typing import Generic, TypeVar

T = TypeVar("T")
MAX_ITEMS = 200
MAX_AGE = 3600.0


class Kept(Generic[T]):
    """Values under random refs, the oldest dropped past `max_items` or `max_age` seconds."""

    def __init__(self, max_items: int = MAX_ITEMS, max_age: float = MAX_AGE) -> None:
        self.max_items, self.max_age = max_items, max_age
        self._items: OrderedDict[str, tuple[float, T]] = OrderedDict()

    def add(self, value: T) -> str:
        ref = secrets.token_urlsafe(16)
        self._items[ref] = (time.monotonic(), value)
        self._trim()
        return ref

    def get(self, ref: str) -> T | None:
        self._trim()
        item = self._items.get(ref)
        return item[1] if item is not None else None

    def take(self, ref: str) -> T | None:
        """The value, removed: a second take of the same ref gets None."""
        self._trim()
        item = self._items.pop(ref, None)
        return item[1] if item is not None else None

    def _trim(self) -> None:
        now = time.monotonic()
        while self._items:
            ref, (at, _) = next(iter(self._items.items()))
            if len(self._items) <= self.max_items and now - at <= self.max_age:
                break
            del self._items[ref]
