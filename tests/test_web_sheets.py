"""The verdict page's grid (checking/grid_html.py): what the check read, drawn as escaped HTML with the problem cells marked."""

from __future__ import annotations

from html.parser import HTMLParser

from xltemplates.checking.grid_html import MAX_COLS, MAX_ROWS, draw
from xltemplates.limits import GRID_CELLS
from xltemplates.reader.grid import SheetGrid, WorkbookGrid


class Cells(HTMLParser):
    """The drawn tables: (row label, [(attrs, text) per td]) per body row, and the column letters."""

    def __init__(self) -> None:
        super().__init__()
        self.rows: list[tuple[str, list[tuple[dict[str, str | None], str]]]] = []
        self.columns: list[str] = []
        self._in: str | None = None
        self._head = False
        self._text = ""
        self._attrs: dict[str, str | None] = {}

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "thead":
            self._head = True
        elif tag == "tr" and not self._head:
            self.rows.append(("", []))
        elif tag in ("td", "th"):
            self._in, self._text, self._attrs = tag, "", dict(attrs)

    def handle_endtag(self, tag: str) -> None:
        if tag == "thead":
            self._head = False
        elif tag == "th" and self._head:
            self.columns.append(self._text)
        elif tag == "th" and self.rows:
            self.rows[-1] = (self._text, self.rows[-1][1])
        elif tag == "td":
            self.rows[-1][1].append((self._attrs, self._text))
        self._in = None

    def handle_data(self, data: str) -> None:
        if self._in:
            self._text += data


def parsed(html: str) -> Cells:
    p = Cells()
    p.feed(html)
    return p


def finding(cell: str, severity: str = "error", message: str = "请从下拉列表选择", sheet: str = "表1") -> dict[str, str]:
    return {"sheet": sheet, "cell": cell, "severity": severity, "message": message, "code": "E-LIST-VALUE"}


def test_draw__values_merges_and_marks() -> None:
    s = SheetGrid("表1", values={(0, 0): "标题", (1, 0): "一级", (1, 1): 95.0, (2, 1): 0.95, (2, 2): True},
                  merges=[(0, 0, 0, 2)], percent={(2, 1)})
    html = draw(WorkbookGrid([s]), [finding("B2"), finding("B2", "warning", "提示"), finding("C3", "warning", "数值偏大")])
    p = parsed(html)
    assert p.columns == ["", "A", "B", "C"]
    assert [label for label, _ in p.rows] == ["1", "2", "3"]
    (title_attrs, title), = p.rows[0][1]  # the merge covers B1:C1: one cell, three columns wide
    assert title == "标题" and title_attrs == {"colspan": "3"}
    b2 = p.rows[1][1][1]
    assert b2 == ({"class": "error", "id": "表1!B2", "title": "B2：请从下拉列表选择；提示"}, "95")  # errors over warnings
    assert [t for _, t in p.rows[2][1]] == ["", "95%", "TRUE"]
    assert p.rows[2][1][2][0]["class"] == "warning"


def test_draw__date_cell__shown_as_its_date_not_its_serial() -> None:
    s = SheetGrid("表1", values={(0, 0): 45658.0, (0, 1): 45658.0}, dates={(0, 0)})
    p = parsed(draw(WorkbookGrid([s]), []))
    assert [t for _, t in p.rows[0][1]] == ["2025-01-01", "45658"]


def test_draw__workbook_text_escaped_everywhere() -> None:
    evil = '<script>x</script>"\''
    s = SheetGrid(f"表{evil}", values={(0, 0): evil})
    html = draw(WorkbookGrid([s]), [finding("A1", message=f"「{evil}」不在列表中", sheet=s.name)])
    assert "<script" not in html and '"\'' not in html
    p = parsed(html)
    attrs, text = p.rows[0][1][0]
    assert text == evil and attrs["id"] == f"{s.name}!A1" and attrs["title"] == f"A1：「{evil}」不在列表中"


def test_draw__hidden_and_identity_sheets_left_out_big_sheets_clipped() -> None:
    big = SheetGrid("大表", values={(MAX_ROWS + 5, 0): "远处", (0, MAX_COLS + 3): "右边", (0, 0): "左上"})
    sheets = [SheetGrid("隐藏", state="hidden", values={(0, 0): "x"}), SheetGrid("_xltemplates", values={(0, 0): "id"}), big]
    html = draw(WorkbookGrid(sheets), [finding("ZZ9999", sheet="大表"), finding("not a cell", sheet="大表")])
    assert html.count("<table") == 1 and "隐藏" not in html and "_xltemplates" not in html
    assert "表格较大，只显示前面部分。" in html
    p = parsed(html)
    assert len(p.rows) == MAX_ROWS and len(p.columns) == MAX_COLS + 1
    assert "远处" not in html and "右边" not in html and p.rows[0][1][0][1] == "左上"
    assert 'class="error"' not in html  # the marked cells lie outside what is drawn


def test_draw__overlapping_merges_of_a_broken_file__the_sheet_drawn_unmerged() -> None:
    s = SheetGrid("表1", values={(0, 0): "a", (1, 1): "b", (2, 2): "c"}, merges=[(0, 0, 1, 1), (1, 1, 2, 2)])
    html = draw(WorkbookGrid([s]), [])
    p = parsed(html)
    assert [[t for _, t in cells] for _, cells in p.rows] == [["a", "", ""], ["", "b", ""], ["", "", "c"]]
    assert "rowspan" not in html and "colspan" not in html


def test_draw__thousands_of_nested_merges__linear_and_drawn_unmerged() -> None:
    """Issue 23 item 2: each range from a cell of the drawn area to its far corner, the corner's neighbours
    first. Placing them one by one against all before cost the area of every range (20,000: 63 s)."""
    nested = [(r, c, MAX_ROWS - 1, MAX_COLS - 1) for r in reversed(range(MAX_ROWS)) for c in reversed(range(MAX_COLS))]
    s = SheetGrid("表1", values={(MAX_ROWS - 1, MAX_COLS - 1): "x"}, merges=nested[1:])
    p = parsed(draw(WorkbookGrid([s]), []))
    assert len(p.rows) == MAX_ROWS and all(len(cells) == MAX_COLS and all(a == {} for a, _ in cells)
                                           for _, cells in p.rows)


def test_draw__many_full_sheets__grid_cells_drawn_in_all_the_rest_named() -> None:
    sheets = [SheetGrid(f"表{i}", values={(MAX_ROWS - 1, MAX_COLS - 1): "x"}) for i in range(50)]
    html = draw(WorkbookGrid(sheets), [])
    p = parsed(html)
    full = GRID_CELLS // (MAX_ROWS * MAX_COLS)
    assert sum(len(cells) for _, cells in p.rows) == full * MAX_ROWS * MAX_COLS
    assert html.count("<h3>") == 50 and html.count("此表不再显示") == 50 - full
