"""Is the identity sheet what the bureau issued? Its signature checked with the bureau's key.

Without a key the identity is read but unverified (a warning). With one, a signature that does not verify
is an error, and the finding says what was changed where that can be told: the values the identity could
have been issued with (each unit of the round's roster, with its name and code wherever the claimed ones
were issued; nearby years) are tried, with the fingerprint recomputed for them as a forger would have, and
the one the key signed is named ("单位由 001 改为 002").
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from dataclasses import replace
from typing import Any

from ..findings.report import Finding, make_finding
from ..trust.identity import META_SHEET, Identity, value_cell
from ..trust.keys import Keyring, Verdict

#: Findings that mean the identity sheet does not vouch for its unit: collect stores such a file without one.
IDENTITY_FAILED = frozenset({"E-IDENTITY-FORGED", "E-IDENTITY-UNSIGNED", "E-IDENTITY-KEY-UNKNOWN",
                             "E-IDENTITY-TEMPLATE"})
#: No key to check with: the identity names its unit, unverified.
IDENTITY_UNVERIFIED = "W-IDENTITY-UNVERIFIED"
_YEARS_TRIED = 5  # a year changed by up to this much is named
_UNITS_TRIED = 5000  # a roster larger than a county's units is not searched past this


#: The fingerprint an identity's template, unit and issued values give (None: it cannot be computed).
Fingerprinter = Callable[[Identity], "str | None"]


def verify_identity(ident: Identity, keyring: Keyring | None, units: Sequence[tuple[str, str]] = (),
                    fingerprint: Fingerprinter | None = None) -> Finding | None:
    """None when the key vouches for `ident`, else the finding that says why it cannot be trusted.
    `units` (the round's roster, code and name) lets a swapped unit be named; `fingerprint` lets a change
    be named whose forger also recomputed the fingerprint."""
    if keyring is None:
        return make_finding(IDENTITY_UNVERIFIED, None, None, found=_unit(ident.unit_code, ident.unit_name))
    verdict = ident.verify(keyring)
    if verdict is Verdict.VALID:
        return None
    cell = value_cell("signature")
    if verdict is Verdict.UNSIGNED:
        return make_finding("E-IDENTITY-UNSIGNED", META_SHEET, cell)
    if verdict is Verdict.UNKNOWN_KEY:
        return make_finding("E-IDENTITY-KEY-UNKNOWN", META_SHEET, cell, expected="、".join(keyring.kids),
                            found=ident.signature.split(":")[1][:16])
    return _forged(ident, keyring, units, fingerprint)


def _forged(ident: Identity, keyring: Keyring, units: Sequence[tuple[str, str]],
            fingerprint: Fingerprinter | None) -> Finding:
    for change in _alternatives(ident, units):
        if _signed_as(replace(ident, **change), keyring, fingerprint):
            key = next(iter(change))
            if key == "year":
                return make_finding("E-IDENTITY-FORGED", META_SHEET, value_cell(key), expected=change[key],
                                    found=f"年度由 {change[key]} 改为 {ident.year}")
            was, now = _unit(change["unit_code"], change["unit_name"]), _unit(ident.unit_code, ident.unit_name)
            return make_finding("E-IDENTITY-FORGED", META_SHEET, value_cell(key), expected=was,
                                found=f"单位由「{was}」改为「{now}」")
    claims = f"现注明单位「{_unit(ident.unit_code, ident.unit_name)}」、年度 {ident.year or '（空）'}"
    return make_finding("E-IDENTITY-FORGED", META_SHEET, value_cell("signature"),
                        found=f"{claims}，单位、年度、模板或下发内容已被改动（无法确定改动了哪一项）")


def _signed_as(candidate: Identity, keyring: Keyring, fingerprint: Fingerprinter | None) -> bool:
    """Whether the key signed `candidate`, with the claimed fingerprint or with the one recomputed for it."""
    if candidate.verify(keyring) is Verdict.VALID:
        return True
    recomputed = fingerprint(candidate) if fingerprint is not None else None
    return recomputed is not None and replace(candidate, fingerprint=recomputed).verify(keyring) is Verdict.VALID


def _alternatives(ident: Identity, units: Sequence[tuple[str, str]]) -> Iterator[dict[str, Any]]:
    """Values the identity could have been issued with, one field (the unit: code and name) at a time."""
    for code, name in units[:_UNITS_TRIED]:
        if (code, name) != (ident.unit_code, ident.unit_name):
            swap = {k: v for k, v in ((ident.unit_code, code), (ident.unit_name, name)) if k}
            yield {"unit_code": code, "unit_name": name, "issued": _replaced(ident.issued, swap)}
    if ident.year is not None:
        for delta in range(1, _YEARS_TRIED + 1):
            yield {"year": ident.year - delta}
            yield {"year": ident.year + delta}


def _unit(code: str | None, name: str | None) -> str:
    return " ".join(x for x in (code, name) if x) or "（空）"


def _replaced(value: Any, swap: dict[str, str]) -> Any:
    """`value` (issued JSON) with every text equal to a key of `swap` replaced: the unit's own name and code
    where they were issued (a grey 部门单位名称 defaulting to the unit's name)."""
    if isinstance(value, str):
        return swap.get(value, value)
    if isinstance(value, list):
        return [_replaced(v, swap) for v in value]
    if isinstance(value, dict):
        return {k: _replaced(v, swap) for k, v in value.items()}
    return value
