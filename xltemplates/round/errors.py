"""The round's one exception: the run cannot go on (a database that cannot be opened, an input that is not there).

Problems inside a returned file are never exceptions: they are findings stored with its submission.
"""

from __future__ import annotations

from ..errors import XltError


class RoundError(XltError):
    """A collection-round command cannot go on; the message says what to do."""
