"""The annotated copy of a returned workbook: regenerated from the template with the clerk's values written in.

Never the clerk's file re-saved (openpyxl would drop validations): the layout is rebuilt from the returned
data and moved onto the clerk's own rows and sheet names (clerks_layout.py), issued grey values are
restored, every cell with a finding is highlighted (a thick frame for an error, dashed for a warning) with a
note carrying the Chinese message, and a first sheet, 问题清单, lists all findings for paper: who, which form
and year, numbered pages, errors first, then in sheet and cell order, one cell reference each (the clerk's).
Fixed and sent back, it checks like the original. It is never signed anew.
"""

from __future__ import annotations

from pathlib import PurePath
from typing import Any

from ..a1 import parse_a1
from ..catalogue.registry import registered_template
from ..cellmap import from_layout
from ..errors import XltError
from ..findings.order import in_workbook_order, sheet_order
from ..findings.report import Report
from ..form.model import Template
from ..layout import UNKNOWN, build_layout
from ..reader.evidence import Evidence
from ..shape import scopes
from ..trust.keys import Keyring
from .clerks_layout import follow_clerk
from .emit import Notes, emit

HEADER = ["序号", "级别", "工作表", "单元格", "问题说明", "代码"]
WIDTHS = [6, 6, 18, 8, 90, 18]


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


def _heading(report: Report, t: Template) -> list[str]:
    """Above the list: what it is, whose file, which form and year, and how many problems of each kind."""
    unit = " ".join(x for x in (report.unit_code, report.unit_name) if x) or "（未识别）"
    name = PurePath(report.file.replace("\\", "/")).name
    j = report.judgement
    return [f"问题清单（{t.title}）",
            f"填报单位：{unit}　　年度：{report.year or '（未识别）'}　　表格：{t.title}　　文件：{name}",
            f"共 {j.n_errors} 个错误、{j.n_warnings} 条提示。错误须改正后重新报送，提示请核对。"
            "错误所在单元格在表中以粗黑框标出，提示以虚线框标出。"]


def _footer(report: Report) -> tuple[str, str, str]:
    unit = " ".join(x for x in (report.unit_code, report.unit_name) if x)
    return (f"问题清单　{unit}"[:80], "第 {page} 页 共 {pages} 页", str(report.year or ""))


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
    follow_clerk(layout, evidence.cells)  # rows and sheet names as the clerk's file has them
    new_cells = from_layout(layout)
    by_old = {v: k for k, v in evidence.cells.items()}
    notes = Notes(header=list(HEADER), widths=list(WIDTHS), heading=_heading(report, t), footer=_footer(report))
    shown = in_workbook_order(report.for_clerk, sheet_order(evidence), errors_first=True)
    for n, f in enumerate(shown, start=1):
        path = by_old.get((f.sheet, f.cell)) if f.sheet and f.cell else None
        if path is not None and path in new_cells:
            sheet, cell = new_cells[path]
            r, c = parse_a1(cell)
            prev = notes.marks.get((sheet, r, c))
            severity = "error" if f.severity == "error" or (prev and prev[0] == "error") else "warning"
            text = f.message if prev is None else prev[1] + "\n" + f.message
            notes.marks[(sheet, r, c)] = (severity, text)
        # one reference, the clerk's own (the copy keeps the clerk's layout: see _clerks_layout)
        notes.rows.append([str(n), "错误" if f.severity == "error" else "提示", f.sheet or "", f.cell or "",
                           f.message, f.code])
    # The copy carries the returned identity as it came, signature included: it verifies exactly as far as
    # the original did (a forged identity stays forged), and no key is needed to write it. A return without
    # one gets none: signing it would vouch, with the bureau's key, for content the bureau never issued (a
    # budget the clerk raised would come back "verified").
    return emit(layout, evidence.identity, notes)
