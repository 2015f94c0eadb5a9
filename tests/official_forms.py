"""Official-looking forms built with openpyxl (not with generate), as provinces publish them: coloured header rows,
grey issued cells, merges, dropdowns (inline and from a hidden code sheet), red instruction lines, print setup.

Not a test module. Three layouts: the Hunan 部门（单位）整体绩效目标申报表 and the Hebei 项目支出绩效目标表 of
../shared/seeds, and a scored 财政支出绩效目标申报表 of a third province.
"""

from __future__ import annotations

import io
from collections.abc import Iterable
from typing import Any

import openpyxl
from openpyxl.styles import Border, Font, PatternFill, Side
from openpyxl.worksheet.datavalidation import DataValidation
from openpyxl.worksheet.worksheet import Worksheet

BLUE, YELLOW, GREEN, GREY = "9BC2E6", "FFE699", "C6EFCE", "D9D9D9"  # the Hunan form's blue is darker than ours
THIN = Side(style="thin")
BOX = Border(left=THIN, right=THIN, top=THIN, bottom=THIN)


def put(ws: Worksheet, ref: str, value: Any = None, fill: str | None = None, *, bold: bool = False,
        size: float = 11, red: bool = False, border: bool = True, fmt: str | None = None) -> None:
    """One cell (the top-left of `ref`, merged when it is a range) with the official form's look."""
    first = ref.split(":")[0]
    if ":" in ref:
        ws.merge_cells(ref)
        for row in ws[ref]:
            for c in row:
                if border:
                    c.border = BOX
                if fill:
                    c.fill = PatternFill("solid", fgColor=fill)
    cell = ws[first]
    cell.value = value
    cell.font = Font(bold=bold, size=size, color="C00000" if red else None)
    if fill:
        cell.fill = PatternFill("solid", fgColor=fill)
    if border:
        cell.border = BOX
    if fmt:
        cell.number_format = fmt


def blank_rows(ws: Worksheet, cols: str, first: int, last: int, fmt: dict[str, str] | None = None) -> None:
    for r in range(first, last + 1):
        for col in cols:
            put(ws, f"{col}{r}", fmt=(fmt or {}).get(col, "@"))


def dropdown(ws: Worksheet, source: str, ranges: Iterable[str]) -> None:
    dv = DataValidation(type="list", formula1=source, allow_blank=True)
    for r in ranges:
        dv.add(r)
    ws.add_data_validation(dv)


def code_sheet(wb: openpyxl.Workbook, columns: dict[str, list[str]]) -> dict[str, str]:
    """A hidden 码表 sheet, one list per column; the range of each, for a dropdown's source."""
    ws = wb.create_sheet("码表")
    ws.sheet_state = "hidden"
    refs = {}
    for i, (name, values) in enumerate(columns.items()):
        col = "ABCDEFGH"[i]
        ws[f"{col}1"] = name
        for j, v in enumerate(values, start=2):
            ws[f"{col}{j}"] = v
        refs[name] = f"'码表'!${col}$2:${col}${len(values) + 1}"
    return refs


def save(wb: openpyxl.Workbook) -> bytes:
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


# ---- Hunan: 部门（单位）整体绩效目标申报表 -----------------------------------------------------------------------

HUNAN_PRESETS = [
    ("产出指标", "数量指标", "工作任务科学性", "定性", "科学", "/", "工作任务是否有明确的绩效目标",
     "按实际情况与目标偏离程度评分"),
    ("产出指标", "质量指标", "年度工作目标达成率", "≥", "100", "%", "反映本部门制定的年度工作目标达成情况",
     "按实际情况与目标偏离程度评分"),
    ("效益指标", "社会效益指标", "政务服务满意度提升", "定性", "有效提升", "/", "反映服务对象满意度变化", "按实际情况评分"),
    ("满意度指标", "服务对象满意度指标", "服务对象满意度", "≥", "90", "%", "反映服务对象对部门履职的满意程度", "按实际情况评分"),
]


def hunan() -> bytes:
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "整体绩效目标申报表"
    for col, w in zip("ABCDEFGH", [12, 18, 30, 10, 10, 10, 48, 26], strict=True):
        ws.column_dimensions[col].width = w
    put(ws, "A1:H1", "部门（单位）整体绩效目标申报表", bold=True, size=16, border=False)
    put(ws, "A2:H2", "（2024年度）", size=12, border=False)
    put(ws, "A3:H3", "蓝色，黄色，绿色的行为表头行请不要修改，灰色数据如果不为空不可修改，黄色表头下为必填数据，绿色表头选填。",
        red=True, size=10, border=False)
    ws.row_dimensions[3].height = 36
    put(ws, "A4", "部门单位名称", BLUE, bold=True)
    put(ws, "B4:H4", "南县中鱼口镇党群和政务服务中心", GREY, fmt="@")
    put(ws, "A5", "部门（单位）职责", YELLOW, bold=True)
    put(ws, "B5:H5", fmt="@")
    ws.row_dimensions[5].height = 90
    put(ws, "A6", "年度总体目标", YELLOW, bold=True)
    put(ws, "B6:H6", fmt="@")
    ws.row_dimensions[6].height = 90
    put(ws, "A7:H7", "绩效指标", BLUE, bold=True)
    for col, (text, fill) in zip("ABCDEFGH", [("一级指标", YELLOW), ("二级指标", YELLOW), ("三级指标", YELLOW),
                                               ("指标值类型", YELLOW), ("指标值", YELLOW), ("计量单位", GREEN),
                                               ("指标解释", GREEN), ("评/扣分标准", GREEN)], strict=True):
        put(ws, f"{col}8", text, fill, bold=True)
    for r, row in enumerate(HUNAN_PRESETS, start=9):
        for col, v in zip("ABCDEFGH", row, strict=True):
            put(ws, f"{col}{r}", v, None if col in "DEF" else GREY, fmt="@")
    blank_rows(ws, "ABCDEFGH", 13, 17)
    refs = code_sheet(wb, {"一级指标": ["产出指标", "效益指标", "满意度指标", "成本指标"]})
    dropdown(ws, refs["一级指标"], ["A9:A17"])
    dropdown(ws, '"定性,≥,≤,=,>,<"', ["D9:D17"])
    put(ws, "A18", "填报人", GREEN, bold=True)
    put(ws, "B18:D18", fmt="@")
    put(ws, "E18", "联系电话", GREEN, bold=True)
    put(ws, "F18:H18", fmt="@")
    ws.page_setup.orientation = "landscape"
    ws.page_setup.paperSize = ws.PAPERSIZE_A3
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    ws.page_setup.fitToWidth, ws.page_setup.fitToHeight = 1, 0
    return save(wb)


# ---- Hebei: 项目支出绩效目标表 -------------------------------------------------------------------------------

def hebei() -> bytes:
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "项目1"
    for col, w in zip("ABCDEFG", [14, 16, 22, 16, 26, 16, 22], strict=True):
        ws.column_dimensions[col].width = w
    put(ws, "A1:G1", "1、项目支出绩效目标表", bold=True, size=16, border=False)
    put(ws, "A2:G2", "（2025年度）", size=12, border=False)
    put(ws, "A3:G3", "灰色数据不可修改，黄色表头下为必填数据，绿色表头选填。金额单位：万元。", red=True, size=10, border=False)
    put(ws, "A4:E4", "填报单位：", border=False)
    put(ws, "F4:G4", "单位：万元", border=False)
    put(ws, "A5", "项目编码", BLUE, bold=True)
    put(ws, "B5:C5", "13082325P00590110010F", GREY, fmt="@")
    put(ws, "D5", "项目名称", BLUE, bold=True)
    put(ws, "E5:G5", "2025年防火经费", GREY, fmt="@")
    put(ws, "A6:A7", "预算规模及资金用途", YELLOW, bold=True)
    put(ws, "B6", "预算数", BLUE, bold=True)
    put(ws, "C6", 10, GREY, fmt="0.00")
    put(ws, "D6", "其中：财政资金", BLUE, bold=True)
    put(ws, "E6", 10, GREY, fmt="0.00")
    put(ws, "F6", "其他资金", BLUE, bold=True)
    put(ws, "G6", None, GREY, fmt="0.00")
    put(ws, "B7:G7", fmt="@")
    put(ws, "A8:A9", "资金支出计划（万元）", BLUE, bold=True)
    put(ws, "B8:C8", "3月底", GREEN, bold=True)
    put(ws, "D8", "6月底", GREEN, bold=True)
    put(ws, "E8", "10月底", GREEN, bold=True)
    put(ws, "F8:G8", "12月底", YELLOW, bold=True)
    put(ws, "B9:C9", fmt="0.00")
    put(ws, "D9", fmt="0.00")
    put(ws, "E9", fmt="0.00")
    put(ws, "F9:G9", fmt="0.00")
    put(ws, "A10", "绩效目标", YELLOW, bold=True)
    put(ws, "B10:G10", fmt="@")
    for col, (text, fill) in zip("ABCDE", [("一级指标", YELLOW), ("二级指标", YELLOW), ("三级指标", YELLOW),
                                            ("绩效指标描述", GREEN), ("指标值", YELLOW)], strict=True):
        put(ws, f"{col}11", text, fill, bold=True)
    put(ws, "F11:G11", "指标值确定依据", GREEN, bold=True)
    for r in range(12, 20):
        for col in "ABCDE":
            put(ws, f"{col}{r}", fmt="@")
        put(ws, f"F{r}:G{r}", fmt="@")
    refs = code_sheet(wb, {"一级指标": ["产出指标", "效益指标", "满意度指标"]})
    dropdown(ws, refs["一级指标"], ["A12:A19"])
    ws.page_setup.orientation = "portrait"
    return save(wb)


# ---- a third province: 财政支出绩效目标申报表 (scored) -------------------------------------------------------------

SCORED_PRESETS = [
    ("投入", "项目立项", 5, "立项依据充分性", "充分", "依据充分得 5 分"),
    ("投入", "资金落实", 5, "资金到位率", "=100%", "到位率×5 分"),
    ("过程", "业务管理", 10, "管理制度健全性", "健全", "制度健全得 10 分"),
]


def scored() -> bytes:
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "申报表"
    for col, w in zip("ABCDEF", [12, 14, 8, 22, 16, 30], strict=True):
        ws.column_dimensions[col].width = w
    put(ws, "A1:F1", "2025年度财政支出绩效目标申报表", bold=True, size=18, border=False)
    put(ws, "A2:F2", "填表说明：灰色为财政局下发内容，不可修改；投入、过程指标分值由财政局确定，合计 100 分。", red=True,
        border=False)
    put(ws, "A3", "项目名称", BLUE, bold=True)
    put(ws, "B3:D3", "农村饮水安全巩固提升工程", GREY, fmt="@")
    put(ws, "E3", "开始日期", YELLOW, bold=True)
    put(ws, "F3", fmt="yyyy-mm-dd")
    put(ws, "A4:A5", "项目资金申请（万元）", BLUE, bold=True)
    put(ws, "B4:C4", "资金总额", BLUE, bold=True)
    put(ws, "D4", "财政拨款", YELLOW, bold=True)
    put(ws, "E4:F4", "其他资金", YELLOW, bold=True)
    put(ws, "B5:C5", 120.5, GREY, fmt="0.00")
    put(ws, "D5", fmt="0.00")
    put(ws, "E5:F5", fmt="0.00")
    put(ws, "A6:C6", "长期目标", YELLOW, bold=True)
    put(ws, "D6:F6", "年度目标", YELLOW, bold=True)
    put(ws, "A7:C7", fmt="@")
    put(ws, "D7:F7", fmt="@")
    ws.row_dimensions[7].height = 60
    for col, (text, fill) in zip("ABCDEF", [("一级指标", YELLOW), ("二级指标", YELLOW), ("分值", YELLOW),
                                             ("指标内容", YELLOW), ("指标值", YELLOW), ("评分细则", GREEN)], strict=True):
        put(ws, f"{col}8", text, fill, bold=True)
    for r, row in enumerate(SCORED_PRESETS, start=9):
        for col, v in zip("ABCDEF", row, strict=True):
            put(ws, f"{col}{r}", v, GREY, fmt="General" if col == "C" else "@")
    blank_rows(ws, "ABCDEF", 12, 19, {"C": "General"})
    dropdown(ws, '"投入,过程,产出,效益,满意度"', ["A9:A19"])
    ws.page_setup.orientation = "landscape"
    return save(wb)


# ---- another province: a two-row header (年度指标值 over 指标性质 | 指标值 | 计量单位) -------------------------------

def grouped() -> bytes:
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "项目绩效目标"
    for col, w in zip("ABCDEFG", [12, 16, 18, 12, 10, 10, 10], strict=True):
        ws.column_dimensions[col].width = w
    put(ws, "A1:G1", "2025年部门项目支出绩效目标申报表", bold=True, size=16, border=False)
    put(ws, "A2", "项目名称", BLUE, bold=True)
    put(ws, "B2:C2", "农村公路养护", GREY, fmt="@")
    put(ws, "D2:E2", "年度资金总额（万元）", YELLOW, bold=True)
    put(ws, "F2:G2", fmt="0.00")
    for col, (text, fill) in zip("ABCD", [("一级指标", YELLOW), ("二级指标", YELLOW), ("三级指标", YELLOW),
                                           ("指标属性", YELLOW)], strict=True):
        put(ws, f"{col}3:{col}4", text, fill, bold=True)
    put(ws, "E3:G3", "年度指标值", BLUE, bold=True)
    put(ws, "E4", "指标性质", GREEN, bold=True)
    put(ws, "F4", "指标值", YELLOW, bold=True)
    put(ws, "G4", "计量单位", GREEN, bold=True)
    blank_rows(ws, "ABCDEFG", 5, 10)
    refs = code_sheet(wb, {"一级指标": ["产出指标", "效益指标", "满意度指标", "成本指标"]})
    dropdown(ws, refs["一级指标"], ["A5:A10"])
    dropdown(ws, '"定量指标,定性指标"', ["D5:D10"])
    dropdown(ws, '">=,<=,=,>,<"', ["E5:E10"])
    ws.page_setup.orientation = "landscape"
    return save(wb)


LAYOUTS = {"hunan": (hunan, 2024, "整体绩效目标申报表"), "hebei": (hebei, 2025, "项目1"),
           "scored": (scored, 2025, "申报表"), "grouped": (grouped, 2025, "项目绩效目标")}
