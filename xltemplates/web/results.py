"""What the township's page shows after a POST (POST/redirect/GET): the result kept in memory under a ref.

Every upload is answered with a redirect to ``/u/<token>/r/<ref>``: Back and F5 show the result again and
never send the file again. The checked bytes stay with the result, so 「报送刚才检查的文件」 hands in the
file just checked without a second upload. Kept per link (shelf.py: RESULTS_PER_LINK, RESULTS_PER_LINK_BYTES,
RESULT_AGE), so one link's uploads never evict another link's results; a result that has gone (restart, age)
sends the clerk to the unit's page, which shows the stored file.
"""

from __future__ import annotations

from dataclasses import dataclass

from ..checking.job import Checked
from ..limits import RESULT_AGE, RESULTS_PER_LINK, RESULTS_PER_LINK_BYTES
from ..reader.identify import Expect
from ..round.handin import HandIn
from .shelf import Shelves


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
    def __init__(self) -> None:
        self._shelves: Shelves[Result] = Shelves(RESULTS_PER_LINK, RESULTS_PER_LINK_BYTES, RESULT_AGE,
                                                 lambda r: len(r.content))

    def add(self, result: Result) -> str:
        return self._shelves.add(result.owner, result)

    def get(self, owner: str, ref: str) -> Result | None:
        return self._shelves.get(owner, ref)
