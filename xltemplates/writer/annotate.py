"""The annotated copy of a returned workbook: regenerated from the template with the clerk's values written in.

Never the clerk's file re-saved (openpyxl would drop validations): the layout is rebuilt from the returned
data, issued grey values are restored, every cell with a finding is highlighted with a note carrying the
Chinese message, and a first sheet lists all findings. Fixed and sent back, it checks like the original.
"""

from __future__ import annotations

from typing import Any

from ..a1 import a1, parse_a1
from ..catalogue.registry import registered_template
from ..cellmap import from_layout
from ..errors import XltError
from ..findings.report import Report
from ..form.model import Template
from ..layout import UNKNOWN, build_layout
from ..reader.evidence import Evidence
from ..shape import scopes
from ..trust.keys import Keyring
from .emit import Notes, emit

HEADER = ["序号", "级别", "代码", "工作表", "原单元格", "本表单元格", "问题说明"]
WIDTHS = [6, 6, 22, 18, 10, 10, 90]


def _restore_issued(t: Template, data: dict[str, Any], issued: dict[str, Any] | None) -> dict[str, Any]:
    """Grey fields the clerk changed go back to what the bureau issued (a finding says so)."""
    if not issued:
        return data
    out = dict(data)
    for sc in scopes(t):
        keys = [f.field for f in sc.fields if f.field in (issued if sc.key is None else {})]
        if sc.key is None:
            out.update({k: issued[k] for k in keys if k is not None})
            continue
        items, given = out.get(sc.key), issued.get(sc.key)
        if isinstance(items, list) and isinstance(given, list):
            fields = [f.field for f in sc.fields if f.field is not None]
            out[sc.key] = [
                {**item, **{k: given[i][k] for k in fields if k in given[i]}} if i < len(given) else item
                for i, item in enumerate(items)
            ]
    return out


def annotate(report: Report, evidence: Evidence, keyring: Keyring | None = None) -> bytes:
    """The annotated workbook for a report produced by the reader (one that identified its template), built
    from its findings and the reader's evidence (reader/evidence.py: where each value sat, the context and
    issued values, the identity as it came). `keyring` is not used: a copy is never signed anew (the
    parameter stays so that callers need not change)."""
    del keyring
    if report.template is None or report.data is None:
        raise XltError("只有能识别出模板的表格才能生成批注版（该文件无法识别或无法读取）")
    context = {k: ("" if v == UNKNOWN else v) for k, v in evidence.context.items()}  # a unit the reader did not know
    # an id from the returned file: the registry only, at the version the return was read with (an earlier one kept)
    t = registered_template(report.template, context, report.version)
    data = _restore_issued(t, report.data, evidence.issued)
    layout = build_layout(t, data)
    new_cells = from_layout(layout)
    by_old = {v: k for k, v in evidence.cells.items()}
    notes = Notes(header=list(HEADER), widths=list(WIDTHS))
    for n, f in enumerate(report.for_clerk, start=1):
        target = ""
        path = by_old.get((f.sheet, f.cell)) if f.sheet and f.cell else None
        if path is not None and path in new_cells:
            sheet, cell = new_cells[path]
            r, c = parse_a1(cell)
            prev = notes.marks.get((sheet, r, c))
            severity = "error" if f.severity == "error" or (prev and prev[0] == "error") else "warning"
            text = f.message if prev is None else prev[1] + "\n" + f.message
            notes.marks[(sheet, r, c)] = (severity, text)
            target = f"{sheet}!{a1(r, c)}"
        notes.rows.append([str(n), "错误" if f.severity == "error" else "提示", f.code, f.sheet or "",
                           f.cell or "", target, f.message])
    # The copy carries the returned identity as it came, signature included: it verifies exactly as far as
    # the original did (a forged identity stays forged), and no key is needed to write it. A return without
    # one gets none: signing it would vouch, with the bureau's key, for content the bureau never issued (a
    # budget the clerk raised would come back "verified").
    return emit(layout, evidence.identity, notes)
