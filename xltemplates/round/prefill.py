"""Next year's prefill data from this year's return: what carries over, and what must not.

Carried: the bureau-issued identifying fields of each copy of a repeated sheet (grey text fields without
a default: 项目编码, 项目名称) and every table row (last year's indicators become editable starting
rows; rows equal to a template preset are locked again by the layout, and a preset missing from last
year's rows is added back). Not carried: what the unit writes afresh each year (white entry fields:
职责, 年度目标, 资金用途), fields with a template default (部门单位名称 comes from the roster through the
context), and money: a budget figure from last year would be wrong, so money fields are filled only from
a new budget file, else left blank.

A 上年 column (``previous: 指标值`` in the template) gets last year's value of the column it names; the
layout shows it grey and locked. The named column itself is carried too, as this year's editable start.

Last year's data was read against last year's template version; values the current template refuses
(a list entry renamed, a column dropped) are left out, and each one is reported as a note. Rows of another
indicator framework (cn-legacy's 产出指标/成本指标 rolled into cn-2021) are moved where the new framework puts
them (its ``moves:``, or the one 一级 that holds their 二级), and each move is a note.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from ..errors import DataError
from ..form.frameworks import Framework, load_framework
from ..form.model import TableBlock, Template, ValueType
from ..layout import preset_lock
from ..schema import validate_data
from ..shape import Scope, scopes


@dataclass(slots=True)
class Prefill:
    data: dict[str, Any]
    notes: list[str] = field(default_factory=list)  # what was left out, and why


def money_fields(sc: Scope) -> list[str]:
    return [f.field or "" for f in sc.fields if f.type == ValueType.MONEY]


def carry_over(t: Template, last: dict[str, Any] | None, budget: dict[str, Any] | None = None) -> Prefill:
    """Prefill data for `t` from last year's data and this year's budget figures (both in the data's shape)."""
    last = last if isinstance(last, dict) else {}
    out: dict[str, Any] = {}
    result = Prefill(out)
    fw = load_framework(t.framework) if t.framework else None
    for sc in scopes(t):
        if sc.key is None:
            out.update(_scope(sc, last, fw, result.notes, ""))
        elif isinstance(last.get(sc.key), list):
            items = [item for item in last[sc.key] if isinstance(item, dict)]
            out[sc.key] = [_scope(sc, item, fw, result.notes, f"{sc.key}[{i}].") for i, item in enumerate(items)]
    if budget:
        apply_budget(t, result.data, budget)
    _drop_refused(t, result)
    return result


def _scope(sc: Scope, obj: dict[str, Any], fw: Framework | None, notes: list[str], base: str) -> dict[str, Any]:
    out: dict[str, Any] = {k: obj[k] for k in sc.ids if obj.get(k) not in (None, "")}
    for tb in sc.tables:
        rows = [_row(tb, r) for r in obj.get(tb.name) or [] if isinstance(r, dict)]
        rows = [r for r in rows if any(v not in (None, "") for v in r.values())]
        if fw is not None:
            _move_into(fw, tb, rows, notes, f"{base}{tb.name}")
        if rows:
            out[tb.name] = rows + _missing_presets(tb, rows)
    return out


def _move_into(fw: Framework, tb: TableBlock, rows: list[dict[str, Any]], notes: list[str], path: str) -> None:
    """Rows whose 一级/二级 the framework places elsewhere are moved there (成本指标 from a 二级 to a 一级)."""
    level2 = next((c for c in tb.columns if c.cascade and c.list == "level2"), None)
    if level2 is None or level2.cascade is None:
        return
    level1 = level2.cascade
    for i, row in enumerate(rows):
        l1, l2 = row.get(level1), row.get(level2.key)
        if not isinstance(l1, str) or not isinstance(l2, str):
            continue
        to = fw.place(l1, l2)
        if to is not None:
            row[level1], row[level2.key] = to
            notes.append(f"{path}[{i}]: {l1}/{l2} → {to[0]}/{to[1]}（按 {fw.id} 指标体系移动）")


def _row(tb: TableBlock, row: dict[str, Any]) -> dict[str, Any]:
    out = {c.key: row.get(c.key) for c in tb.columns
           if c.type != ValueType.MONEY and c.previous is None and c.key in row}
    for c in tb.columns:
        if c.previous is not None and row.get(c.previous) not in (None, ""):
            out[c.key] = row[c.previous]  # 上年: what last year's form said in that column
    return out


def _missing_presets(tb: TableBlock, rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Presets no carried row matches (the template gained one since): they still belong on the form."""
    def key(r: dict[str, Any]) -> tuple[tuple[str, Any], ...]:
        return tuple(sorted((k, r.get(k)) for k in preset_lock(tb, r)))

    have = {key(r) for r in rows}
    return [dict(p) for p in tb.presets if key(p) and key(p) not in have]


def apply_budget(t: Template, data: dict[str, Any], budget: dict[str, Any]) -> None:
    """Put the new budget figures into `data`. The budget file has the data's shape but holds only money
    fields (and, for a repeated sheet, the identifying fields that say which copy: 项目编码). A copy the
    budget names that last year did not have is added."""
    problems: list[tuple[str, str]] = []
    for sc in scopes(t):
        money, ids = money_fields(sc), sc.ids
        if sc.key is None:
            _budget_fields(budget, data, money, "", problems, allowed={s.key for s in scopes(t) if s.key})
            continue
        items = budget.get(sc.key)
        if items is None:
            continue
        if not isinstance(items, list):
            problems.append((sc.key, "expected a list"))
            continue
        targets = data.setdefault(sc.key, [])
        for i, item in enumerate(items):
            if not isinstance(item, dict):
                problems.append((f"{sc.key}[{i}]", "expected an object"))
                continue
            target = _match(targets, item, ids, i)
            if target is None:
                target = {k: item[k] for k in ids if k in item}
                targets.append(target)
            _budget_fields(item, target, money, f"{sc.key}[{i}].", problems, allowed=set(ids))
    if problems:
        raise DataError(problems)


def _budget_fields(src: dict[str, Any], dst: dict[str, Any], money: list[str], base: str,
                   problems: list[tuple[str, str]], allowed: set[str | None]) -> None:
    for k, v in src.items():
        if k in money:
            if v is not None and (isinstance(v, bool) or not isinstance(v, (int, float))):
                problems.append((f"{base}{k}", f"expected a number, got {v!r}"))
            else:
                dst[k] = v
        elif k not in allowed:
            problems.append((f"{base}{k}", f"not a budget figure (money fields: {', '.join(money) or 'none'})"))


def _match(targets: list[dict[str, Any]], item: dict[str, Any], ids: list[str], i: int) -> dict[str, Any] | None:
    keys = [k for k in ids if item.get(k) not in (None, "")]
    if keys:
        return next((x for x in targets if all(x.get(k) == item[k] for k in keys)), None)
    return targets[i] if i < len(targets) else None


_PATH = re.compile(r"([^.\[\]]+)((?:\[\d+\])*)")


def _drop_refused(t: Template, p: Prefill) -> None:
    """Leave out every value the current template refuses, noting each; never refuse the whole unit."""
    for _ in range(3):
        try:
            p.data = validate_data(t, p.data)
            return
        except DataError as exc:
            dropped = [(path, why) for path, why in exc.problems if _drop(p.data, path)]
            p.notes.extend(f"{path}: {why}（未带入）" for path, why in dropped)
            if not dropped:
                raise
    p.data = validate_data(t, p.data)


def _drop(data: dict[str, Any], path: str) -> bool:
    """Remove the value at a DataError path like 项目[0].绩效指标[2].一级指标; True when something went.
    Only a key of an object is removed, never a list element, so the other paths stay valid."""
    steps: list[str | int] = []
    for name, idx in _PATH.findall(path):
        steps.append(name)
        steps.extend(int(x) for x in re.findall(r"\d+", idx))
    node: Any = data
    for s in steps[:-1]:
        try:
            node = node[s]
        except (KeyError, IndexError, TypeError):
            return False
    if steps and isinstance(node, dict) and isinstance(steps[-1], str) and steps[-1] in node:
        del node[steps[-1]]
        return True
    return False
