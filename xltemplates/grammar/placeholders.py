"""Placeholder text: what gets typed into a required cell to get past the check without giving content.

``XX``, ``详见附件``, ``无``, ``略``, a lone ``/`` or ``-``: filled, but saying nothing a reviewer can assess
(the vendor systems refuse the same: names equal to ``-``, ``_`` or ``*``). The reader reports them in
required text cells as E-PLACEHOLDER; optional cells may say ``/`` (e.g. 计量单位 of a 定性 indicator).
"""

from __future__ import annotations

import re

from .text import squash

#: Words that stand in for content (compared after NFKC, without whitespace and trailing punctuation).
PLACEHOLDER_WORDS = frozenset({
    "无", "略", "暂无", "待定", "待补充", "同上", "见附件", "详见附件", "见附表", "详见附表", "附件", "见说明",
    "详见说明", "N/A", "NA", "NULL", "NONE", "TBD",
})
#: Only filler characters: XX, xxx, ×××, ***, ___, ---, ——, /, \\, …, 。。。, ？？
_FILLER = re.compile(r"[xX×*_\-—－/\\.。…·、？?○〇]+")
_TRAILING = "。.；;，,！!"


def is_placeholder(text: str) -> bool:
    """True for text that only holds a place (see the module docstring); False for any real content."""
    s = squash(text)
    if not s:
        return False
    if _FILLER.fullmatch(s):
        return True
    return s.rstrip(_TRAILING).upper() in PLACEHOLDER_WORDS
