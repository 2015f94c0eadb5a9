"""What the reader saw of a returned file, kept apart from its report.

The report (findings/report.py) is the verdict: small, frozen, what travels between processes, is stored and
is shown. The evidence is what only the process that read the file needs after it: the values read (the
desk draws the sheets from them), where each data value sat, the context and issued values, and the identity
as it came (the annotated copy is built from them). It never leaves that process and is never stored.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from ..cellmap import CellMap
from ..trust.identity import Identity
from .grid import WorkbookGrid


@dataclass(frozen=True, slots=True)
class Evidence:
    grid: WorkbookGrid | None = None  # the bounded values read; None when the file could not be opened
    cells: CellMap = field(default_factory=dict)  # data path -> (sheet, cell) where the value sat in the file
    context: dict[str, Any] = field(default_factory=dict)  # the template context the file was read with
    issued: dict[str, Any] | None = None  # what the bureau issued (from a verified identity sheet only)
    identity: Identity | None = None  # the identity sheet as it came, signature included
