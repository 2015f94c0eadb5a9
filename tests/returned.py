"""Returned workbooks for reader tests, built inline: generate one of ours, then edit it like a clerk did.

Not a test module. ``returned(template_id, data, edits={"E12": ">="})`` generates the workbook with
``generate_bytes`` and edits it with openpyxl (acceptable for TEST inputs only: it stands for a client that
re-saved the file; the package itself never re-saves a user's file). ``assert_findings`` compares the exact
multiset of (sheet, cell, code) a report holds, so a test states every finding it expects and nothing else.

openpyxl's ``insert_rows``/``delete_rows`` move cell values and styles but not merged ranges (nor data
validations); the helpers here move the merges the way Excel does (a range grows when rows go in strictly
inside it, shrinks when rows inside it go). Validations are left where they were: the reader never trusts
the validations it finds in a returned file, so they do not matter here. Cases that need a real client's
behaviour go through LibreOffice (tests/libreoffice.py) instead.

Rows and cells are 1-based A1 addresses, as the clerk sees them.
"""

from __future__ import annotations

import io
import re
import zipfile
from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping, Sequence
from copy import deepcopy
from dataclasses import dataclass
from typing import Any
from xml.sax.saxutils import escape

import openpyxl
from openpyxl.cell.cell import MergedCell
from openpyxl.workbook.workbook import Workbook
from openpyxl.worksheet.worksheet import Worksheet

from xltemplates.catalogue.registry import get_template
from xltemplates.findings.report import Report
from xltemplates.reader.check import check_bytes_and_evidence
from xltemplates.reader.evidence import Evidence
from xltemplates.reader.identify import Expect
from xltemplates.trust.identity import LIST_SHEET, META_SHEET, decode, value_cell
from xltemplates.trust.keys import Keyring, load_keyring
from xltemplates.writer.annotate import annotate
from xltemplates.writer.generate import generate_bytes, make_context

YEAR, UNIT_CODE, UNIT_NAME = 2025, "001", "测试单位"
DEPT, PROJECT = "dept-overall", "project"
DEPT_SHEET, PROJECT_SHEET = "整体绩效目标申报表", "2025年防火经费"  # a project sheet's tab is its 项目名称
SHEETS = {DEPT: DEPT_SHEET, PROJECT: PROJECT_SHEET}


# ---- cell values a clerk can leave behind ----------------------------------------------------------------

@dataclass(frozen=True, slots=True)
class Formula:
    """A formula typed into a cell. openpyxl stores none of its value; Excel, WPS and LibreOffice store the
    value they computed beside it, which `cached` stands for (patched into the saved XML)."""

    text: str  # with the leading '='
    cached: str | float | None = None


@dataclass(frozen=True, slots=True)
class Percent:
    """What Excel stores when 95% is typed into a General cell: the number 0.95 shown with format 0%."""

    value: float


CLEAR = None
"""An edit value that empties the cell (the Delete key)."""

Edit = str | int | float | Formula | Percent | None


# ---- data the tests start from ---------------------------------------------------------------------------

def context(year: int = YEAR, unit_code: str = UNIT_CODE, unit_name: str = UNIT_NAME) -> dict[str, Any]:
    return make_context(year, unit_code, unit_name)


def presets(template_id: str = DEPT) -> list[dict[str, Any]]:
    """The template's issued indicator rows (grey presets), as data rows with every column present."""
    t = get_template(template_id, context())
    table = t.tables[0]
    return [{c.key: p.get(c.key) for c in table.columns} for p in table.presets]


DEPT_EXTRA_ROWS: list[dict[str, Any]] = [
    {"一级指标": "产出指标", "二级指标": "数量指标", "三级指标": "组织培训人次", "指标值类型": "≥", "指标值": "200",
     "计量单位": "人次", "指标解释": "全年组织业务培训的人次", "评/扣分标准": None},
    {"一级指标": "产出指标", "二级指标": "时效指标", "三级指标": "资金拨付及时性", "指标值类型": "定性", "指标值": "及时",
     "计量单位": "/", "指标解释": None, "评/扣分标准": "未及时拨付扣 2 分"},
]


#: The signature block under both forms' tables, left for the pen (its fields are data like any other).
SIGNATURE_BLANK: dict[str, Any] = dict.fromkeys(("填报单位", "单位负责人", "填报人", "联系电话", "填报日期"))


def dept_data() -> dict[str, Any]:
    """A complete, clean dept-overall return: the 13 presets (rows 10-22) and two rows of the unit's own (23-24).

    Rows 25-29 are the pre-allocated blank rows, 30-32 the signature block. Merged groups: A10:A14 产出,
    A15:A18 效益, A20:A22 成本, B10:B12 数量, A23:A24 产出 (the unit's rows).
    """
    return {
        "部门单位名称": UNIT_NAME,
        "部门（单位）职责": "负责全镇经济社会发展规划的组织实施；\n负责辖区公共服务与社会管理。",
        "年度总体目标": "1.完成年度重点工作任务；\n2.提升政务服务效率，群众满意度不低于 95%。",
        "绩效指标": [*presets(DEPT), *deepcopy(DEPT_EXTRA_ROWS)],
        **SIGNATURE_BLANK,
    }


def project_item(code: str = "13082325P00590110010F", name: str = "2025年防火经费") -> dict[str, Any]:
    """One clean project (budget 10 万元): header rows 5-10, indicator header row 11, rows 12-17, blanks 18-32, the
    signature block 33-35.

    Merged groups: A12:A15 产出指标; values are written the canonical way, so nothing is normalised.
    """
    return {
        "项目编码": code,
        "项目名称": name,
        "预算数": 10.0,
        "财政资金": 10.0,
        "其他资金": None,
        "资金用途": "用于森林草原防火宣传、巡查和物资购置。",
        "3月底": 2.5,
        "6月底": 5.0,
        "10月底": 7.5,
        "12月底": 10.0,
        "绩效目标": "1.开展防火安全检查；\n2.提高森林草原防灾减灾能力。",
        "绩效指标": [
            {"一级指标": "产出指标", "二级指标": "数量指标", "三级指标": "防火安全检查次数", "绩效指标描述": "每村每年检查次数",
             "指标值": "≥10次", "指标值确定依据": "年初工作计划"},
            {"一级指标": "产出指标", "二级指标": "质量指标", "三级指标": "检查达标率", "绩效指标描述": None,
             "指标值": "=100%", "指标值确定依据": "检查报告"},
            {"一级指标": "产出指标", "二级指标": "时效指标", "三级指标": "完成时限", "绩效指标描述": "年底前完成",
             "指标值": f"{YEAR}年12月31日前", "指标值确定依据": None},
            {"一级指标": "产出指标", "二级指标": "成本指标", "三级指标": "防火经费成本", "绩效指标描述": None,
             "指标值": "≤10万元", "指标值确定依据": "预算编制表"},
            {"一级指标": "效益指标", "二级指标": "社会效益指标", "三级指标": "森林防火长效机制", "绩效指标描述": None,
             "指标值": "有效提升", "指标值确定依据": "实施方案"},
            {"一级指标": "满意度指标", "二级指标": "服务对象满意度指标", "三级指标": "村民满意度", "绩效指标描述": None,
             "指标值": "≥95%", "指标值确定依据": "问卷调查"},
        ],
        **SIGNATURE_BLANK,
    }


def project_data(n: int = 1) -> dict[str, Any]:
    return {"项目": [project_item(f"1308232500{i:02d}", f"项目{i}号") if n > 1 else project_item()
                   for i in range(1, n + 1)]}


def full_data(template_id: str) -> dict[str, Any]:
    return dept_data() if template_id == DEPT else project_data()


# ---- building the returned workbook ----------------------------------------------------------------------

Op = tuple[Any, ...]
"""("set", sheet, cell, value) | ("insert", sheet, row, count) | ("delete", sheet, row, count)
| ("merge" | "unmerge", sheet, "A10:A14")."""


def _row_ops(kind: str, sheet: str | None, spec: int | tuple[int, int] | Sequence[int | tuple[int, int]] | None) -> list[Op]:
    if spec is None:
        return []
    items: Sequence[int | tuple[int, int]] = [spec] if isinstance(spec, (int, tuple)) else spec
    out: list[Op] = []
    for item in items:
        row, count = (item, 1) if isinstance(item, int) else item
        out.append((kind, sheet, row, count))
    return out


def returned(
    template_id: str,
    data: Mapping[str, Any] | None = None,
    edits: Mapping[str, Edit] | None = None,
    sheet: str | None = None,
    *,
    insert_rows_at: int | tuple[int, int] | Sequence[int | tuple[int, int]] | None = None,
    delete_rows_at: int | tuple[int, int] | Sequence[int | tuple[int, int]] | None = None,
    unmerge: Iterable[str] = (),
    merge: Iterable[str] = (),
    ops: Iterable[Op] = (),
    delete_sheets: Iterable[str] = (),
    hide_identity: bool = False,
    copy_sheet: tuple[str, str] | None = None,
    unprotect: bool = False,
    drop_validations: bool = False,
    ctx: Mapping[str, Any] | None = None,
) -> bytes:
    """Generate `template_id` with `data` (findings allowed) and return it edited like a clerk would.

    In this order: `copy_sheet=(src, new_name)` copies a sheet (cells and merges, openpyxl's copy_worksheet,
    as a clerk's "move or copy sheet"); rows are deleted (`delete_rows_at`: a row or (row, count)); rows are
    inserted above a row (`insert_rows_at`); ranges are unmerged; `edits` are applied ("E12" on `sheet`, or
    "项目2号!E12"; CLEAR empties the cell, Formula/Percent as their docstrings say, a str starting with '='
    stays text); ranges are merged; then `ops` run in their own order. Afterwards `delete_sheets` removes
    sheets, `hide_identity` turns the very-hidden identity sheet into a plain hidden one (what LibreOffice
    does), `unprotect` removes every sheet's protection and `drop_validations` every data validation.
    Returns the saved bytes.
    """
    g = generate_bytes(template_id, ctx or context(), dict(data) if data is not None else None, allow_findings=True)
    wb = openpyxl.load_workbook(io.BytesIO(g.content))
    sheet = sheet or wb.worksheets[0].title
    if copy_sheet is not None:
        src, name = copy_sheet
        copy = wb.copy_worksheet(wb[src])
        copy.title = name
        wb.move_sheet(copy, offset=wb.sheetnames.index(src) + 1 - wb.sheetnames.index(name))
    plan: list[Op] = [
        *_row_ops("delete", sheet, delete_rows_at),
        *_row_ops("insert", sheet, insert_rows_at),
        *(("unmerge", sheet, r) for r in unmerge),
        *(("set", sheet, cell, value) for cell, value in (edits or {}).items()),
        *(("merge", sheet, r) for r in merge),
        *ops,
    ]
    for op in plan:
        apply(wb, op)
    cached = {(name or sheet, ref): v.cached for cell, v in (edits or {}).items()
              if isinstance(v, Formula) and v.cached is not None for name, _, ref in [cell.rpartition("!")]}
    for name in delete_sheets:
        wb.remove(wb[name])
    if hide_identity:
        wb[META_SHEET].sheet_state = "hidden"
    if unprotect:
        for ws in wb.worksheets:
            ws.protection.sheet = False
    if drop_validations:
        for ws in wb.worksheets:
            ws.data_validations.dataValidation = []
    content = save(wb)
    return with_cached_values(content, wb.sheetnames, cached) if cached else content


def identity_rows(ws: Worksheet) -> list[list[object]]:
    return [[c.value for c in row] for row in ws.iter_rows()]


def signed_again(content: bytes, keyring: Keyring | None = None) -> bytes:
    """`content` with its identity sheet signed anew (default: the test key), as the bureau's own tool would
    have issued it: for tests of a genuine workbook whose identity differs (another version, a template not
    installed here), not of a forged one."""
    wb = openpyxl.load_workbook(io.BytesIO(content))
    ws = wb[META_SHEET]
    ident = decode(identity_rows(ws))
    assert ident is not None
    ring = keyring if keyring is not None else load_keyring()
    assert ring is not None
    ws[value_cell("signature")] = ident.signed(ring).signature
    return save(wb)


def save(wb: Workbook) -> bytes:
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def with_cached_values(content: bytes, sheetnames: list[str], cached: Mapping[tuple[str, str], str | float]) -> bytes:
    """Write a cached value beside each formula openpyxl saved (sheetN.xml follows the sheet order)."""
    src = zipfile.ZipFile(io.BytesIO(content))
    parts: dict[str, list[tuple[str, str | float]]] = defaultdict(list)
    for (name, ref), value in cached.items():
        parts[f"xl/worksheets/sheet{sheetnames.index(name) + 1}.xml"].append((ref, value))
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as out:
        for info in src.infolist():
            data = src.read(info)
            for ref, value in parts.get(info.filename, []):
                text = data.decode("utf-8")
                pattern = re.compile(rf'(<c r="{ref}"[^>]*)(><f>.*?</f>)<v\s*/>', re.S)
                kind, shown = (' t="str"', escape(value)) if isinstance(value, str) else ("", repr(float(value)))
                new, n = pattern.subn(lambda m, kind=kind, shown=shown: f"{m[1]}{kind}{m[2]}<v>{shown}</v>", text)
                assert n == 1, f"no formula at {ref} in {info.filename}"
                data = new.encode("utf-8")
            out.writestr(info, data)
    return buf.getvalue()


def apply(wb: Workbook, op: Op) -> None:
    """One edit on an openpyxl workbook (see Op)."""
    kind, sheet = op[0], op[1]
    if kind == "set":
        cell, value = op[2], op[3]
        name, _, ref = cell.rpartition("!")
        set_cell(wb[name or sheet], ref, value)
    elif kind == "insert":
        insert_rows(wb[sheet], op[2], op[3])
    elif kind == "delete":
        delete_rows(wb[sheet], op[2], op[3])
    elif kind == "merge":
        wb[sheet].merge_cells(op[2])
    elif kind == "unmerge":
        wb[sheet].unmerge_cells(op[2])
    else:
        raise ValueError(f"unknown op {op!r}")


def set_cell(ws: Worksheet, ref: str, value: Edit) -> None:
    """Type `value` into `ref`; inside a merged range it lands in the range's top-left cell, as in Excel."""
    cell = ws[ref]
    if isinstance(cell, MergedCell):
        rng = next(r for r in ws.merged_cells.ranges if ref in r)
        cell = ws.cell(rng.min_row, rng.min_col)
    if isinstance(value, Formula):
        cell.value = value.text
    elif isinstance(value, Percent):
        cell.value = value.value
        cell.number_format = "0%"
    else:
        cell.value = value
        if isinstance(value, str) and value.startswith("="):
            cell.data_type = "s"  # text that looks like a formula, as a text cell holds it


def _merges(ws: Worksheet) -> list[tuple[int, int, int, int]]:
    """(min_col, min_row, max_col, max_row) of every merged range, after unmerging them all."""
    out = []
    for rng in list(ws.merged_cells.ranges):
        out.append((rng.min_col, rng.min_row, rng.max_col, rng.max_row))
        ws.unmerge_cells(rng.coord)
    return out


def _remerge(ws: Worksheet, ranges: list[tuple[int, int, int, int]]) -> None:
    for c1, r1, c2, r2 in ranges:
        if (c1, r1) != (c2, r2):
            ws.merge_cells(start_row=r1, start_column=c1, end_row=r2, end_column=c2)


def insert_rows(ws: Worksheet, row: int, count: int = 1) -> None:
    """Insert `count` rows above `row`, moving merges like Excel: below -> shifted, straddling -> grown."""
    ranges = _merges(ws)
    ws.insert_rows(row, count)
    moved = []
    for c1, r1, c2, r2 in ranges:
        if r1 >= row:
            r1, r2 = r1 + count, r2 + count
        elif r2 >= row:
            r2 += count
        moved.append((c1, r1, c2, r2))
    _remerge(ws, moved)


def delete_rows(ws: Worksheet, row: int, count: int = 1) -> None:
    """Delete rows [row, row+count), shrinking merges that lose rows and dropping the ones left with one cell."""
    ranges = _merges(ws)
    ws.delete_rows(row, count)

    def new(r: int) -> int | None:
        return r if r < row else (r - count if r >= row + count else None)

    moved = []
    for c1, r1, c2, r2 in ranges:
        kept = [n for n in (new(r) for r in range(r1, r2 + 1)) if n is not None]
        if kept:
            moved.append((c1, kept[0], c2, kept[-1]))
    _remerge(ws, moved)


def paste_into_fresh(content: bytes, keep_merges: bool = True) -> bytes:
    """The visible sheets' values copied into a brand-new workbook (no identity sheet, no styles, no lists)."""
    src = openpyxl.load_workbook(io.BytesIO(content))
    wb = openpyxl.Workbook()
    wb.remove(wb.active)
    for ws in src.worksheets:
        if ws.sheet_state != "visible" or ws.title in (META_SHEET, LIST_SHEET):
            continue
        out = wb.create_sheet(ws.title)
        for row in ws.iter_rows():
            for c in row:
                if c.value is not None:
                    set_cell(out, c.coordinate, c.value)
        if keep_merges:
            for rng in ws.merged_cells.ranges:
                out.merge_cells(rng.coord)
    return save(wb)


# ---- asserting on findings -------------------------------------------------------------------------------

Expected = tuple[str | None, str | None, str]


def assert_findings(report: Report, expected: Iterable[Expected], errors_only: bool = False) -> None:
    """The report's (sheet, cell, code) findings are exactly `expected`, as a multiset (order ignored).

    `errors_only` compares the errors alone (warnings may be there or not).
    """
    findings = report.errors if errors_only else report.findings
    got = Counter((f.sheet, f.cell, f.code) for f in findings)
    want = Counter(expected)
    if got != want:
        lines = [f"  {f.code} {f.message}" for f in findings]
        missing, extra = want - got, got - want
        raise AssertionError(
            f"findings differ\n missing: {sorted(missing.elements(), key=str)}\n unexpected: "
            f"{sorted(extra.elements(), key=str)}\n all findings:\n" + "\n".join(lines)
        )


def the_finding(report: Report, code: str) -> Any:
    """The one finding with `code` (fails if there are none or several)."""
    hits = [f for f in report.findings if f.code == code]
    assert len(hits) == 1, f"expected one {code}, got {[f.message for f in report.findings]}"
    return hits[0]


def evidence_of(content: bytes, expect: Expect | None = None) -> Evidence:
    """What the reader saw of a returned workbook besides its report (where each value sat, the context ...)."""
    return check_bytes_and_evidence(content, "returned.xlsx", expect)[1]


def annotated_copy(content: bytes, expect: Expect | None = None) -> bytes:
    """The annotated copy of a returned workbook, made from its report and the reader's evidence."""
    return annotate(*check_bytes_and_evidence(content, "returned.xlsx", expect))
