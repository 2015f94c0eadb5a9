"""What the township's page shows after a POST (POST/redirect/GET): the result kept in memory under a ref.

Every upload is answered with a redirect to ``/u/<token>/r/<ref>``: Back and F5 show the result again and
never send the file again. The checked bytes stay with the result, so 「报送刚才检查的文件」 hands in the
file just checked without a second upload. Bounded by total bytes and age, tied to the link it came from;
a result that has gone (restart, age) sends the clerk to the unit's page, which shows the stored file.
"""

from __future__ import annotations

import secrets
import time
from collections import OrderedDict
from dataclasses import dataclass

from ..checking.job import Checked
from ..reader.identify import Expect
from ..round.handin import HandIn

MAX_BYTES = 64 * 1024 * 1024
MAX_AGE = 6 * 3600.0


@dataclass(frozen=True, slots=True)
class Result:
    owner: str  # the link token's SHA-256
    name: str  # the file name as the browser gave it
    content: bytes
    sha256: str
    expect: Expect
    checked: Checked
    handed: HandIn | None  # None: 仅检查
    annotated: str | None  # the recent-uploads ref of its annotated copy
    at: float


class Results:
    def __init__(self, max_bytes: int = MAX_BYTES, max_age: float = MAX_AGE) -> None:
        self.max_bytes, self.max_age = max_bytes, max_age
        self._items: OrderedDict[str, Result] = OrderedDict()
        self._bytes = 0

    def add(self, result: Result) -> str:
        ref = secrets.token_urlsafe(12)
        self._items[ref] = result
        self._bytes += len(result.content)
        self._trim()
        return ref

    def get(self, owner: str, ref: str) -> Result | None:
        self._trim()
        r = self._items.get(ref)
        return r if r is not None and r.owner == owner else None

    def _trim(self) -> None:
        now = time.monotonic()
        while self._items:
            ref, r = next(iter(self._items.items()))
            if self._bytes <= self.max_bytes and now - r.at <= self.max_age:
                break
            del self._items[ref]
            self._bytes -= len(r.content)
