"""Findings and reports: errors are data, collected in one pass (frictionless style)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict, dataclass
from typing import Any

from ..limits import MAX_ECHO_CHARS
from .codes import Kind, Severity, lookup
from .judgement import Judgement, judge


@dataclass(frozen=True, slots=True)
class Finding:
    code: str
    severity: Severity
    sheet: str | None
    cell: str | None
    expected: str | None
    found: str | None
    message: str

    @property
    def kind(self) -> Kind:
        """What the finding is about (content, identity, file, reader): the registry says, by its code."""
        return lookup(self.code).kind

    def to_json(self) -> dict[str, Any]:
        return asdict(self)


def _text(v: object) -> str | None:
    return None if v is None else echo(str(v))


def echo(text: str) -> str:
    """Text from a returned file as a message quotes it: cut to MAX_ECHO_CHARS, with its length shown."""
    if len(text) <= MAX_ECHO_CHARS:
        return text
    return f"{text[:MAX_ECHO_CHARS]}…（共{len(text)}字）"


def make_finding(
    code: str,
    sheet: str | None = None,
    cell: str | None = None,
    expected: object = None,
    found: object = None,
    **params: object,
) -> Finding:
    """Build a finding whose message comes from the registry, prefixed with ``[sheet!cell]``."""
    entry = lookup(code)
    values = {"expected": _text(expected) or "", "found": _text(found) or "（空）",
              **{k: echo(v) if isinstance(v, str) else v for k, v in params.items()}}
    body = entry.template.format_map(_Default(values))
    where = f"[{sheet}!{cell}] " if sheet and cell else (f"[{sheet}] " if sheet else "")
    return Finding(code, entry.severity, sheet, cell, _text(expected), _text(found), where + body)


class _Default(dict[str, object]):
    def __missing__(self, key: str) -> str:  # a template placeholder the caller did not pass
        return ""


@dataclass(frozen=True, slots=True)
class Report:
    """The verdict on one returned file: frozen, and all there is to it (what the reader saw besides, for the
    annotated copy and the desk's grid, is its evidence: reader/evidence.py). `findings` may be given as any
    sequence; it is kept as a tuple."""

    file: str
    template: str | None = None
    version: str | None = None
    year: int | None = None
    unit_code: str | None = None
    unit_name: str | None = None
    data: dict[str, Any] | None = None
    parsed: dict[str, Any] | None = None
    findings: Sequence[Finding] = ()

    def __post_init__(self) -> None:
        object.__setattr__(self, "findings", tuple(self.findings))

    @property
    def judgement(self) -> Judgement:
        """The verdict on the file and its counts (judgement.py: the one place that decides)."""
        return judge(f.code for f in self.findings)

    @property
    def valid(self) -> bool:
        return self.judgement.valid

    @property
    def errors(self) -> list[Finding]:
        return [f for f in self.findings if f.severity == "error"]

    @property
    def warnings(self) -> list[Finding]:
        return [f for f in self.findings if f.severity == "warning"]

    @property
    def for_clerk(self) -> list[Finding]:
        """The findings a clerk is shown (check's text, the annotated copy): all but the bureau-only codes
        (e.g. W-METADATA-VISIBLE, which every LibreOffice/WPS save gives), which stay in --json and status."""
        return [f for f in self.findings if lookup(f.code).clerk]

    def flatten(self, keys: tuple[str, ...] = ("sheet", "cell", "code")) -> list[tuple[Any, ...]]:
        """Findings as tuples of the named attributes, for compact test assertions."""
        return [tuple(getattr(f, k) for k in keys) for f in self.findings]

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "file": self.file,
            "template": self.template,
            "version": self.version,
            "year": self.year,
            "unit_code": self.unit_code,
            "unit_name": self.unit_name,
            "valid": self.valid,
            "verdict": self.judgement.verdict,
            "data": self.data,
            "findings": [f.to_json() for f in self.findings],
        }
        if self.parsed is not None:
            out["parsed"] = self.parsed
        return out
