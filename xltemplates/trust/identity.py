"""The identity sheet: which form, which unit, what was issued. Encoded by the writer, decoded by the reader.

It is a very-hidden sheet of key/value rows. Long JSON values are split over several cells of one row
(a cell holds at most 32,767 characters).

Its `signature` is an HMAC with the bureau's key (keys.py) over every other value but `issued`, the
fingerprint included; the fingerprint in turn covers what was issued (the fixed texts and grey values, see
layout.fingerprint), and the reader recomputes it from `issued`. So a changed unit, year or context fails
the signature, and a changed issued value fails the fingerprint, each named for what it is.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from typing import Any

from ..limits import MAX_IDENTITY_JSON_DEPTH
from .keys import Keyring, Verdict

META_SHEET = "_xltemplates"
LIST_SHEET = "_lists"
MAGIC = "xltemplates-identity/1"
_CHUNK = 30000


@dataclass(frozen=True, slots=True)
class Identity:
    template: str
    version: str
    year: int | None
    unit_code: str | None
    unit_name: str | None
    generated_at: str
    fingerprint: str
    context: dict[str, Any]
    issued: dict[str, Any]
    signature: str = ""  # "hmac-sha256:<key id>:<hex>", or "" when issued without a key

    def signed_payload(self) -> bytes:
        """The bytes the signature covers: every value of the identity sheet but `issued` and the signature
        (`issued` is covered through the fingerprint)."""
        values = [MAGIC, self.template, self.version, self.year, self.unit_code, self.unit_name, self.generated_at,
                  self.fingerprint, self.context]
        return json.dumps(values, ensure_ascii=False, sort_keys=True, separators=(",", ":"), default=str).encode()

    def signed(self, keyring: Keyring) -> Identity:
        """This identity signed with the keyring's newest key."""
        return replace(self, signature=keyring.sign(self.signed_payload()))

    def verify(self, keyring: Keyring) -> Verdict:
        return keyring.verify(self.signed_payload(), self.signature)


#: Context keys that are identity fields of their own.
UNIT_KEYS = ("year", "unit_code", "unit_name")


def issue(template: str, version: str, context: Mapping[str, Any], fingerprint: str, issued: dict[str, Any],
          keyring: Keyring | None, now: datetime | None = None) -> Identity:
    """The identity of a workbook the bureau issues: year and unit taken from `context` (the rest of it kept),
    signed with the keyring's newest key (left unsigned only when `keyring` is None)."""
    rest = json.loads(json.dumps({k: v for k, v in context.items() if k not in UNIT_KEYS}, default=str))
    ident = Identity(
        template=template, version=version, year=year_of(context.get("year")),
        unit_code=context.get("unit_code") or None, unit_name=context.get("unit_name") or None,
        generated_at=(now or datetime.now(UTC)).isoformat(timespec="seconds"), fingerprint=fingerprint,
        context=rest, issued=issued,
    )
    return ident if keyring is None else ident.signed(keyring)


#: The row of each key on the identity sheet (its value starts in column B): where a finding points.
ROWS = ("format", "template", "version", "year", "unit_code", "unit_name", "generated_at", "fingerprint",
        "context", "issued", "signature")


def value_cell(key: str) -> str:
    """The A1 address of `key`'s value on the identity sheet (B2 for the template id)."""
    return f"B{ROWS.index(key) + 1}"


def year_of(value: object) -> int | None:
    """The fiscal year in a template context (an int, or digits from a CLI or JSON), or None."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    return int(value) if isinstance(value, str) and value.isdigit() else None


def encode(ident: Identity) -> list[list[str]]:
    """Rows of the identity sheet (column A is the key, the rest the value in chunks)."""
    def row(key: str, value: str) -> list[str]:
        return [key] + [value[i:i + _CHUNK] for i in range(0, len(value), _CHUNK)] if value else [key, ""]

    return [
        row("format", MAGIC),
        row("template", ident.template),
        row("version", ident.version),
        row("year", "" if ident.year is None else str(ident.year)),
        row("unit_code", ident.unit_code or ""),
        row("unit_name", ident.unit_name or ""),
        row("generated_at", ident.generated_at),
        row("fingerprint", ident.fingerprint),
        row("context", json.dumps(ident.context, ensure_ascii=False, sort_keys=True, default=str)),
        row("issued", json.dumps(ident.issued, ensure_ascii=False, sort_keys=True)),
        row("signature", ident.signature),
    ]


def decode(rows: list[list[object]]) -> Identity | None:
    """The identity from the sheet's rows, or None when it is missing or damaged."""
    values: dict[str, str] = {}
    for r in rows:
        if not r or not isinstance(r[0], str):
            continue
        values[r[0]] = "".join("" if v is None else (v if isinstance(v, str) else _num(v)) for v in r[1:])
    if values.get("format") != MAGIC:
        return None
    try:
        year = int(values["year"]) if values.get("year") else None
        context = _bounded_json(values.get("context") or "{}")
        issued = _bounded_json(values.get("issued") or "{}")
        if not isinstance(context, dict) or not isinstance(issued, dict):
            return None
        return Identity(
            values["template"], values["version"], year, values.get("unit_code") or None,
            values.get("unit_name") or None, values.get("generated_at", ""), values.get("fingerprint", ""),
            context, issued, values.get("signature", ""),
        )
    except (KeyError, ValueError):
        return None


_JSON_TOKEN = re.compile(r'"(?:[^"\\]|\\.)*"|[\[\]{}]')
"""A JSON string as a whole (its brackets are text), or one bracket."""


def _bounded_json(text: str) -> object:
    """json.loads, refusing (ValueError) nesting deeper than MAX_IDENTITY_JSON_DEPTH before the parser
    recurses into it: a crafted identity sheet must not end the run with a RecursionError."""
    depth = 0
    for token in _JSON_TOKEN.finditer(text):
        bracket = token.group()
        if bracket in ("[", "{"):
            depth += 1
            if depth > MAX_IDENTITY_JSON_DEPTH:
                raise ValueError(f"JSON nested deeper than {MAX_IDENTITY_JSON_DEPTH} levels")
        elif bracket in ("]", "}"):
            depth -= 1
    return json.loads(text)


def _num(v: object) -> str:
    if isinstance(v, float) and v.is_integer():
        return str(int(v))
    return str(v)
