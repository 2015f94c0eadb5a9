"""Named dropdown lists in a template file: values, aliases, and what each value means to the value grammar.

A value is text, or ``{value: ">=", means: "≥"}`` when a form spells an operator its own way. Values that are
an unambiguous spelling (``>=``, ``≧``, 定性, 定量指标) need no ``means``. A column holding the operator
(``value: operator``) or the 定量/定性 switch (``value: switch``) must use a list whose every value has a meaning.
"""

from __future__ import annotations

from ..grammar.values import OPERATORS, QUALITATIVE, QUANTITATIVE, meaning_of
from .model import ListSpec, TableBlock, ValueKind
from .walk import Walker

#: What a value may mean: an operator of the grammar, or a switch's 定量 (定性 is both).
MEANINGS = (*OPERATORS, QUANTITATIVE)
_WANTED = {ValueKind.OPERATOR: OPERATORS, ValueKind.SWITCH: (QUANTITATIVE, QUALITATIVE)}


def parse_list(c: Walker, path: str, name: str, raw: object) -> tuple[ListSpec, dict[str, str] | None]:
    """One entry of `lists:`: the list and its aliases (None when it declares none)."""
    node = c.mapping(path, raw)
    c.keys(path, node, {"values", "aliases"}, {"values"})
    values: list[str] = []
    meanings: dict[str, str] = {}
    for i, v in enumerate(c.seq(f"{path}.values", node["values"])):
        vp = f"{path}.values[{i}]"
        means: str | None
        if isinstance(v, dict):
            c.keys(vp, v, {"value", "means"}, {"value", "means"})
            text, means = c.text(f"{vp}.value", v["value"]), c.text(f"{vp}.means", v["means"])
            if means not in MEANINGS:
                raise c.fail(f"{vp}.means", f"unknown meaning {means!r} (allowed: {', '.join(MEANINGS)})")
        else:
            text = c.text(vp, v)
            means = meaning_of(text)
        values.append(text)
        if means is not None:
            meanings[text] = means
    if not values:
        raise c.fail(f"{path}.values", "a list needs at least one value")
    aliases = {str(k): str(v) for k, v in c.mapping(f"{path}.aliases", node["aliases"]).items()} if "aliases" in node else None
    return ListSpec(name, tuple(values), meanings), aliases


def check_meanings(c: Walker, table: TableBlock, lists: dict[str, ListSpec]) -> None:
    """An operator or switch column's list says what each of its values means."""
    for col in table.columns:
        wanted = _WANTED.get(col.value_kind) if col.value_kind else None
        if wanted is None:
            continue
        if col.list is None:
            if col.value_kind == ValueKind.SWITCH:
                raise c.fail(col.path, "a switch column needs a list of its values (e.g. 定量指标, 定性指标)")
            continue
        lst = lists[col.list]
        for v in lst.values:
            if lst.meanings.get(v) not in wanted:
                raise c.fail(f"{col.path}.list", f"the list '{lst.name}' value {v!r} has no meaning as "
                             f"{'an operator' if col.value_kind == ValueKind.OPERATOR else '定量/定性'}: write it as "
                             f"{{value: {v!r}, means: …}} with means one of {', '.join(wanted)}")
