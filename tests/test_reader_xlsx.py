"""The opener: returned workbooks (xlsxwriter, openpyxl, hand-written XML) into bounded grids."""

from __future__ import annotations

import io
import time
import tracemalloc
import zipfile
from collections.abc import Callable
from pathlib import Path

import openpyxl
import pytest
import xlsxwriter
from hostile import rezip
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from xltemplates.errors import ReadError
from xltemplates.excel import MAX_CELL_TEXT
from xltemplates.limits import MAX_TEXT_CHARS
from xltemplates.reader.grid import Bounds, SheetGrid, WorkbookGrid
from xltemplates.reader.xlsx import open_workbook

MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
RELS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
PKG = "http://schemas.openxmlformats.org/package/2006/relationships"
LAUGHS = (
    '<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">'
    '<!ENTITY lol1 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">'
    '<!ENTITY lol2 "&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;">]>'
)


# -- building returned workbooks ----------------------------------------------------------------------
def _written(build: Callable[[xlsxwriter.Workbook], None], **options: object) -> WorkbookGrid:
    buf = io.BytesIO()
    wb = xlsxwriter.Workbook(buf, {"in_memory": True, **options})
    build(wb)
    wb.close()
    return open_workbook(buf.getvalue(), "returned.xlsx")


def _sheet_xml(rows: str, after: str = "") -> str:
    return f'<worksheet xmlns="{MAIN}"><sheetData>{rows}</sheetData>{after}</worksheet>'


def _package(
    sheets: list[tuple[str, str, str]],
    shared: str | None = None,
    styles: str | None = None,
    workbook_pr: str = "",
    absolute_targets: bool = False,
) -> bytes:
    """A hand-written package: sheets as (name, state, worksheet xml)."""
    entries = "".join(
        f'<sheet name="{name}" sheetId="{i + 1}"{f" state={chr(34)}{state}{chr(34)}" if state else ""} '
        f'r:id="rId{i + 1}"/>'
        for i, (name, state, _) in enumerate(sheets)
    )
    prefix = "/xl/worksheets/" if absolute_targets else "worksheets/"
    rels = [(f"rId{i + 1}", "worksheet", f"{prefix}sheet{i + 1}.xml") for i in range(len(sheets))]
    members: dict[str, str] = {
        "xl/workbook.xml": f'<workbook xmlns="{MAIN}" xmlns:r="{RELS}">{workbook_pr}<sheets>{entries}</sheets></workbook>',
    }
    for i, (_, _, xml) in enumerate(sheets):
        members[f"xl/worksheets/sheet{i + 1}.xml"] = xml
    if shared is not None:
        members["xl/sharedStrings.xml"] = f'<sst xmlns="{MAIN}">{shared}</sst>'
        rels.append(("rIdS", "sharedStrings", "sharedStrings.xml"))
    if styles is not None:
        members["xl/styles.xml"] = f'<styleSheet xmlns="{MAIN}">{styles}</styleSheet>'
        rels.append(("rIdT", "styles", "styles.xml"))
    members["xl/_rels/workbook.xml.rels"] = f'<Relationships xmlns="{PKG}">' + "".join(
        f'<Relationship Id="{rid}" Type="{RELS}/{kind}" Target="{target}"/>' for rid, kind, target in rels
    ) + "</Relationships>"
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, text in members.items():
            zf.writestr(name, text[1:].encode("utf-16") if text.startswith("\ufeff") else text.encode())
    return buf.getvalue()


def _one(rows: str, after: str = "", bounds: Bounds = Bounds(), **kw: str) -> SheetGrid:  # noqa: B008
    return open_workbook(_package([("表", "", _sheet_xml(rows, after))], **kw), "x.xlsx", bounds).sheets[0]


def _code(data: bytes) -> str:
    with pytest.raises(ReadError) as info:
        open_workbook(data, "returned.xlsx")
    return info.value.code


# -- values --------------------------------------------------------------------------------------------
def test_open_workbook__shared_strings_numbers_booleans__typed_values() -> None:
    def build(wb: xlsxwriter.Workbook) -> None:
        ws = wb.add_worksheet("指标表")
        ws.write_string(0, 0, "产出指标")
        ws.write_number(0, 1, 95)
        ws.write_number(0, 2, 0.5)
        ws.write_boolean(1, 0, True)
        ws.write_boolean(1, 1, False)
        ws.write_string(3, 3, "")  # an empty string is no value

    grid = _written(build).sheets[0]
    assert grid.name == "指标表" and grid.state == "visible"
    assert grid.values == {(0, 0): "产出指标", (0, 1): 95.0, (0, 2): 0.5, (1, 0): True, (1, 1): False}
    assert isinstance(grid.get(0, 1), float)


def test_open_workbook__control_characters_and_literal_escapes__round_trip() -> None:
    texts = ["a\x01b", "lit _x0041_ text", "tab\tline\nend", "≥95%", "_x"]

    def build(wb: xlsxwriter.Workbook) -> None:
        ws = wb.add_worksheet()
        for i, text in enumerate(texts):
            ws.write_string(i, 0, text)

    grid = _written(build).sheets[0]
    assert [grid.get(i, 0) for i in range(len(texts))] == texts


def test_open_workbook__escaped_surrogate_pair__one_character() -> None:
    assert _one('<row r="1"><c r="A1" t="inlineStr"><is><t>_xD83D__xDE00_</t></is></c></row>').get(0, 0) == "😀"


def test_open_workbook__inline_rich_text_with_phonetic__phonetic_dropped() -> None:
    cell = '<c r="A1" t="inlineStr"><is><r><t>绩效</t></r><r><t>目标</t></r><rPh><t>JIXIAO</t></rPh></is></c>'
    assert _one(f'<row r="1">{cell}</row>').get(0, 0) == "绩效目标"


def test_open_workbook__rich_text_run_and_phonetic__runs_joined_phonetic_dropped() -> None:
    shared = "<si><r><t>资金</t></r><r><rPr><b/></rPr><t>投入</t></r><rPh sb='0' eb='2'><t>ZIJIN</t></rPh></si>"
    grid = _one('<row r="1"><c r="A1" t="s"><v>0</v></c></row>', shared=shared)
    assert grid.get(0, 0) == "资金投入"


def test_open_workbook__xlsxwriter_rich_string__runs_joined() -> None:
    def build(wb: xlsxwriter.Workbook) -> None:
        wb.add_worksheet().write_rich_string(0, 0, "满意度", wb.add_format({"bold": True}), "≥90%")

    assert _written(build).sheets[0].get(0, 0) == "满意度≥90%"


def test_open_workbook__inline_strings_from_openpyxl__read() -> None:
    wb = openpyxl.Workbook()
    ws = wb.active
    assert ws is not None
    ws.title = "项目"
    ws["A1"], ws["B2"], ws["C3"], ws["D4"] = "测试单位", 3, True, "=A1"
    buf = io.BytesIO()
    wb.save(buf)
    grid = open_workbook(buf.getvalue()).sheets[0]
    assert grid.name == "项目"
    assert grid.values == {(0, 0): "测试单位", (1, 1): 3.0, (2, 2): True}
    assert grid.formulas == {(3, 3): "A1"}


def test_open_workbook__error_iso_date_and_non_number__kept() -> None:
    rows = (
        '<row r="1"><c r="A1" t="e"><v>#N/A</v></c><c r="B1" t="d"><v>2025-12-31T00:00:00</v></c>'
        '<c r="C1"><v>12abc</v></c><c r="D1" t="str"><v>文字</v></c>'
        '<c r="E1" t="d"><v>12:00:00</v></c><c r="F1" t="d"><v>明年</v></c></row>'
    )
    grid = _one(rows)
    assert grid.values == {
        (0, 0): "#N/A", (0, 1): 46022.0, (0, 2): "12abc", (0, 3): "文字", (0, 4): 0.5, (0, 5): "明年"
    }
    assert grid.dates == {(0, 1), (0, 4), (0, 5)}


def test_open_workbook__date1904__flag_and_iso_serials() -> None:
    wb = open_workbook(
        _package(
            [("表", "", _sheet_xml('<row r="1"><c r="A1" t="d"><v>1904-01-02</v></c></row>'))],
            workbook_pr='<workbookPr date1904="1"/>',
        )
    )
    assert wb.date1904 is True
    assert wb.sheets[0].get(0, 0) == 1.0


def test_open_workbook__cells_and_rows_without_r__positioned_by_counting() -> None:
    rows = (
        "<row><c><v>1</v></c><c><v>2</v></c></row>"
        "<row r='5'><c r='C5'><v>3</v></c><c><v>4</v></c></row><row><c><v>5</v></c></row>"
    )
    assert _one(rows).values == {(0, 0): 1.0, (0, 1): 2.0, (4, 2): 3.0, (4, 3): 4.0, (5, 0): 5.0}


# -- formulas, merges, formats -------------------------------------------------------------------------
def test_open_workbook__formulas_with_cached_values__text_without_equals() -> None:
    def build(wb: xlsxwriter.Workbook) -> None:
        ws = wb.add_worksheet()
        ws.write_formula(0, 0, "=SUM(B1:B2)", None, 3)
        ws.write_formula(1, 0, '=IF(B1>0,"有","无")', None, "有")

    grid = _written(build).sheets[0]
    assert grid.formulas == {(0, 0): "SUM(B1:B2)", (1, 0): 'IF(B1>0,"有","无")'}
    assert grid.values == {(0, 0): 3.0, (1, 0): "有"}


def test_open_workbook__shared_formula__later_cells_recorded_with_empty_text() -> None:
    rows = (
        '<row r="1"><c r="B1"><f t="shared" ref="B1:B3" si="0">A1*2</f><v>2</v></c></row>'
        '<row r="2"><c r="B2"><f t="shared" si="0"/><v>4</v></c></row>'
        '<row r="3"><c r="B3"><f t="shared" si="0"/></c></row>'
    )
    grid = _one(rows)
    assert grid.formulas == {(0, 1): "A1*2", (1, 1): "", (2, 1): ""}
    assert grid.values == {(0, 1): 2.0, (1, 1): 4.0}


def test_open_workbook__merged_ranges__zero_based_inclusive() -> None:
    def build(wb: xlsxwriter.Workbook) -> None:
        ws = wb.add_worksheet()
        ws.merge_range("A1:H1", "部门（单位）整体绩效目标申报表")
        ws.merge_range("A10:A12", "产出指标")

    grid = _written(build).sheets[0]
    assert sorted(grid.merges) == [(0, 0, 0, 7), (9, 0, 11, 0)]
    assert grid.get(0, 0) == "部门（单位）整体绩效目标申报表"


def test_open_workbook__percent_and_date_formats__cells_flagged() -> None:
    def build(wb: xlsxwriter.Workbook) -> None:
        ws = wb.add_worksheet()
        ws.write_number(0, 0, 0.95, wb.add_format({"num_format": "0.00%"}))
        ws.write_number(0, 1, 0.95, wb.add_format({"num_format": 9}))
        ws.write_number(0, 2, 46022, wb.add_format({"num_format": "yyyy-mm-dd"}))
        ws.write_number(0, 3, 46022, wb.add_format({"num_format": 14}))
        ws.write_number(0, 4, 95, wb.add_format({"num_format": '0"%"'}))  # a quoted sign does not scale
        ws.write_number(0, 5, 95, wb.add_format({"num_format": '[Red]#,##0.00"元"'}))
        ws.write_number(0, 6, 1.5, wb.add_format({"num_format": "[h]:mm"}))
        ws.write_number(0, 7, 46022, wb.add_format({"num_format": 'yyyy"年"m"月"d"日"'}))

    grid = _written(build).sheets[0]
    assert grid.percent == {(0, 0), (0, 1)}
    assert grid.dates == {(0, 2), (0, 3), (0, 6), (0, 7)}


def test_open_workbook__hand_written_styles__builtin_cjk_and_escaped_percent() -> None:
    styles = (
        '<numFmts><numFmt numFmtId="164" formatCode="0\\%"/><numFmt numFmtId="165" formatCode="0.0%;[Red]-0.0%"/>'
        "</numFmts><cellXfs><xf numFmtId='0'/><xf numFmtId='10'/><xf numFmtId='31'/><xf numFmtId='164'/>"
        "<xf numFmtId='165'/><xf numFmtId='49'/></cellXfs>"
    )
    rows = "<row r='1'>" + "".join(f"<c r='{c}1' s='{i}'><v>1</v></c>" for i, c in enumerate("ABCDEFG")) + "</row>"
    grid = _one(rows, styles=styles)
    assert grid.percent == {(0, 1), (0, 4)}
    assert grid.dates == {(0, 2)}


# -- sheets --------------------------------------------------------------------------------------------
def test_open_workbook__hidden_and_very_hidden_sheets__states_in_order() -> None:
    def build(wb: xlsxwriter.Workbook) -> None:
        wb.add_worksheet("整体绩效目标申报表").write_string(0, 0, "表头")
        wb.add_worksheet("_lists").hide()
        wb.add_worksheet("_xltemplates").very_hidden()

    wb = _written(build)
    assert [(s.name, s.state) for s in wb.sheets] == [
        ("整体绩效目标申报表", "visible"),
        ("_lists", "hidden"),
        ("_xltemplates", "veryHidden"),
    ]


def test_open_workbook__absolute_relationship_targets__resolved() -> None:
    xml = _sheet_xml('<row r="1"><c r="A1"><v>7</v></c></row>')
    wb = open_workbook(_package([("表", "", xml)], absolute_targets=True))
    assert wb.sheets[0].get(0, 0) == 7.0


def test_open_workbook__only_skips_sheets__listed_empty_with_state() -> None:
    xml = _sheet_xml('<row r="1"><c r="A1"><v>7</v></c></row>')
    data = _package([("表", "", xml), ("_xltemplates", "veryHidden", xml)])
    wb = open_workbook(data, only=lambda name, state: state == "veryHidden")
    assert [(s.name, s.state, s.values) for s in wb.sheets] == [
        ("表", "visible", {}),
        ("_xltemplates", "veryHidden", {(0, 0): 7.0}),
    ]


def test_open_workbook__bounds_per_sheet__each_sheet_its_own() -> None:
    xml = _sheet_xml('<row r="1"><c r="A1"><v>1</v></c><c r="C1"><v>3</v></c></row>')
    data = _package([("宽", "", xml), ("窄", "", xml)])
    wb = open_workbook(data, bounds=lambda name: Bounds(10, 64 if name == "宽" else 2))
    assert [(len(s.values), s.truncated) for s in wb.sheets] == [(2, False), (1, True)]


def test_open_workbook__path_source__read_and_missing_file_code(tmp_path: Path) -> None:
    path = tmp_path / "填报.xlsx"
    path.write_bytes(_package([("表", "", _sheet_xml('<row r="1"><c r="A1"><v>1</v></c></row>'))]))
    assert open_workbook(path).sheets[0].get(0, 0) == 1.0
    with pytest.raises(ReadError) as info:
        open_workbook(tmp_path / "没有.xlsx")
    assert info.value.code == "E-FILE-MISSING"


# -- bounds --------------------------------------------------------------------------------------------
def test_open_workbook__value_in_xfd1048576__ignored_quickly_without_allocating() -> None:
    rows = '<row r="1"><c r="A1"><v>1</v></c></row><row r="1048576"><c r="XFD1048576"><v>1</v></c></row>'
    data = _package([("表", "", _sheet_xml(rows, '<mergeCells count="1"><mergeCell ref="A1:B1"/></mergeCells>'))])
    tracemalloc.start()
    started = time.perf_counter()
    grid = open_workbook(data).sheets[0]
    elapsed = time.perf_counter() - started
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    assert grid.values == {(0, 0): 1.0} and grid.truncated is True
    assert grid.merges == [(0, 0, 0, 1)]  # still read after the skipped rows
    assert elapsed < 0.5 and peak < 2 * 1024 * 1024


def test_open_workbook__column_past_bounds__ignored_and_truncated() -> None:
    grid = _one('<row r="1"><c r="A1"><v>1</v></c><c r="XFD1"><v>2</v></c></row>', bounds=Bounds(10, 8))
    assert grid.values == {(0, 0): 1.0} and grid.truncated is True


def test_open_workbook__styled_empty_rows_past_bounds__not_truncated() -> None:
    rows = '<row r="1"><c r="A1"><v>1</v></c></row>' + "".join(
        f'<row r="{r}" s="1" customFormat="1"><c r="A{r}" s="1"/></row>' for r in range(20, 5000)
    )
    grid = _one(rows, '<mergeCells><mergeCell ref="A1:C1"/><mergeCell ref="A30:B40"/></mergeCells>', Bounds(10, 8))
    assert grid.values == {(0, 0): 1.0} and grid.truncated is False
    assert grid.merges == [(0, 0, 0, 2)]


def test_open_workbook__merge_across_the_bounds__clipped() -> None:
    after = '<mergeCells><mergeCell ref="A2:Z2"/><mergeCell ref="B9:B20"/><mergeCell ref="AA1:AB2"/></mergeCells>'
    assert _one("", after, Bounds(10, 8)).merges == [(1, 0, 1, 7), (8, 1, 9, 1)]


def test_open_workbook__prefixed_and_strict_namespaces__read_past_bounds_too() -> None:
    prefixed = (
        f'<x:worksheet xmlns:x="{MAIN}"><x:sheetData><x:row r="1"><x:c r="A1"><x:v>1</x:v></x:c></x:row>'
        '<x:row r="99"><x:c r="A99"><x:v>2</x:v></x:c></x:row></x:sheetData>'
        '<x:mergeCells><x:mergeCell ref="A1:C1"/></x:mergeCells></x:worksheet>'
    )
    strict = prefixed.replace(MAIN, "http://purl.oclc.org/ooxml/spreadsheetml/main")
    wb = open_workbook(_package([("甲", "", prefixed), ("乙", "", strict)]), bounds=Bounds(10, 8))
    assert [(s.values, s.merges, s.truncated) for s in wb.sheets] == [({(0, 0): 1.0}, [(0, 0, 0, 2)], True)] * 2


def test_open_workbook__utf16_sheet_past_bounds__merges_still_read() -> None:
    rows = '<row r="1"><c r="A1"><v>1</v></c></row><row r="50"><c r="A50"><v>2</v></c></row>'
    xml = '\ufeff<?xml version="1.0" encoding="UTF-16"?>' + _sheet_xml(rows, '<mergeCells><mergeCell ref="A1:B1"/></mergeCells>')
    grid = open_workbook(_package([("表", "", xml)]), bounds=Bounds(10, 8)).sheets[0]
    assert (grid.values, grid.merges, grid.truncated) == ({(0, 0): 1.0}, [(0, 0, 0, 1)], True)


def test_open_workbook__cdata_mimicking_sheet_end_past_bounds__slow_path_same_result() -> None:
    trap = '<row r="50"><c r="A50" t="inlineStr"><is><t><![CDATA[</sheetData>]]></t></is></c></row>'
    rows = '<row r="1"><c r="A1"><v>1</v></c></row>' + trap
    grid = _one(rows, '<mergeCells><mergeCell ref="A1:B1"/></mergeCells>', Bounds(10, 8))
    assert (grid.values, grid.merges, grid.truncated) == ({(0, 0): 1.0}, [(0, 0, 0, 1)], True)


# -- hostile and broken files --------------------------------------------------------------------------
def test_open_workbook__billion_laughs_in_sheet__xml_unsafe() -> None:
    xml = LAUGHS + _sheet_xml('<row r="1"><c r="A1" t="str"><v>&lol2;</v></c></row>')
    assert _code(_package([("表", "", xml)])) == "E-FILE-XML-UNSAFE"


def test_open_workbook__billion_laughs_in_shared_strings__xml_unsafe() -> None:
    data = _package([("表", "", _sheet_xml('<row r="1"><c r="A1" t="s"><v>0</v></c></row>'))], shared="<si><t>x</t></si>")
    laughs = (LAUGHS + f'<sst xmlns="{MAIN}"><si><t>&lol2;</t></si></sst>').encode()
    assert _code(rezip(data, lambda name, body: laughs if name == "xl/sharedStrings.xml" else body)) == "E-FILE-XML-UNSAFE"


def test_open_workbook__external_entity_in_workbook__xml_unsafe() -> None:
    data = _package([("表", "", _sheet_xml(""))])
    xxe = b'<!DOCTYPE w [<!ENTITY x SYSTEM "file:///etc/passwd">]>'
    assert _code(rezip(data, lambda name, body: xxe + body if name == "xl/workbook.xml" else body)) == "E-FILE-XML-UNSAFE"


def test_open_workbook__malformed_sheet_xml__corrupt() -> None:
    assert _code(_package([("表", "", f'<worksheet xmlns="{MAIN}"><sheetData><row>')])) == "E-FILE-CORRUPT"


@pytest.mark.parametrize(
    "rows",
    [
        '<row r="1"><c r="A1" t="s"><v>5</v></c></row>',  # past the shared strings
        '<row r="1"><c r="A1" t="s"><v>-1</v></c></row>',
        '<row r="1"><c r="1A"><v>1</v></c></row>',
        '<row r="1"><c r="A0"><v>1</v></c></row>',
        '<row r="x"><c><v>1</v></c></row>',
        '<row r="0"><c><v>1</v></c></row>',
    ],
)
def test_open_workbook__impossible_cell_data__corrupt(rows: str) -> None:
    assert _code(_package([("表", "", _sheet_xml(rows))], shared="<si><t>x</t></si>")) == "E-FILE-CORRUPT"


def test_open_workbook__sheet_relationship_missing__corrupt() -> None:
    data = _package([("表", "", _sheet_xml(""))])
    assert _code(rezip(data, lambda _, body: body.replace(b'r:id="rId1"', b'r:id="rId9"'))) == "E-FILE-CORRUPT"


def test_open_workbook__sheet_part_missing__corrupt() -> None:
    data = _package([("表", "", _sheet_xml(""))])
    assert _code(rezip(data, lambda name, body: None if name == "xl/worksheets/sheet1.xml" else body)) == "E-FILE-CORRUPT"


def test_open_workbook__guards_run_first__encrypted_code() -> None:
    cfb = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 512 + "EncryptedPackage".encode("utf-16-le")
    assert _code(cfb) == "E-FILE-ENCRYPTED"


_FORM = _package(
    [("表", "", _sheet_xml('<row r="1"><c r="A1" t="s" s="1"><v>0</v></c><c r="B1"><f>A1</f><v>2</v></c></row>'
                           '<row r="30"><c r="A30"><v>3</v></c></row>',
                           '<mergeCells><mergeCell ref="A1:B1"/></mergeCells>'))],
    shared="<si><r><t>一级</t></r><r><t>指标_x000D_</t></r></si>",
    styles="<numFmts><numFmt numFmtId='164' formatCode='0.0%'/></numFmts><cellXfs><xf/><xf numFmtId='164'/></cellXfs>",
)
_EDIT = st.tuples(st.floats(0, 1), st.integers(0, 20), st.sampled_from(list(b'<>/="&;:#_x0123456789ACrtvcsfis ')))


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.sampled_from(["xl/workbook.xml", "xl/_rels/workbook.xml.rels", "xl/worksheets/sheet1.xml",
                        "xl/sharedStrings.xml", "xl/styles.xml"]),
       st.lists(_EDIT, min_size=1, max_size=6), st.sampled_from([Bounds(), Bounds(10, 1)]))
def test_open_workbook__mutated_parts__only_read_errors(part: str, edits: list[tuple[float, int, int]],
                                                         bounds: Bounds) -> None:
    def mutate(name: str, body: bytes) -> bytes:
        out = bytearray(body)
        if name == part:
            for where, length, byte in edits:
                at = int(where * len(out))
                out[at : at + length % 3] = bytes([byte]) * (length // 3)
        return bytes(out)

    try:
        open_workbook(rezip(_FORM, mutate, zipfile.ZIP_STORED), "mutated.xlsx", bounds)
    except ReadError:
        pass


# -- bounds ------------------------------------------------------------------------------------------------
def test_open_workbook__text_longer_than_a_cell_holds__cut_with_its_true_length_recorded() -> None:
    long = "长" * (MAX_CELL_TEXT + 10)
    grid = _one(f'<row r="1"><c r="A1" t="s"><v>0</v></c><c r="B1" t="inlineStr"><is><t>{long}</t></is></c>'
                '<c r="C1" t="s"><v>1</v></c></row>', shared=f"<si><t>{long}x</t></si><si><t>短</t></si>")
    assert grid.values == {(0, 0): long[:MAX_CELL_TEXT], (0, 1): long[:MAX_CELL_TEXT], (0, 2): "短"}
    assert grid.overlong == {(0, 0): MAX_CELL_TEXT + 11, (0, 1): MAX_CELL_TEXT + 10}


def test_open_workbook__one_shared_string_in_many_cells__charged_per_cell_and_refused() -> None:
    rows = "".join(f'<row r="{r}">' + "".join(f'<c r="{chr(65 + c)}{r}" t="s"><v>0</v></c>' for c in range(20))
                   + "</row>" for r in range(1, 101))
    text = "长" * (MAX_TEXT_CHARS // 2000 + 1)  # 2,000 cells each a little over their share of the budget
    assert _code(_package([("表", "", _sheet_xml(rows))], shared=f"<si><t>{text}</t></si>")) == "E-FILE-TOO-LARGE"
