"""Small file, huge cost: every bound on a returned file holds, and is a coded finding, never a traceback.

Each hostile file is built here from a workbook we issued. Where memory is the attack, the CLI runs in a
child process under an address-space limit (tests/hostile.py), so a regression fails the test instead of
exhausting the machine. Speed is not asserted (benchmarks/ measures it); output size is.
"""

from __future__ import annotations

import io
import json
import os
import re
import struct
import zipfile
from pathlib import Path

import openpyxl
import pytest
from hostile import (
    deflated,
    directory_bomb,
    issued,
    many_merges,
    many_sheet_entries,
    members_of,
    rezip,
    run_cli,
    zeros_declared_small,
    zip64_disagreeing,
    zip_of,
)
from returned import DEPT, dept_data, returned

from xltemplates.checking.job import check
from xltemplates.excel import MAX_CELL_TEXT
from xltemplates.findings.report import make_finding
from xltemplates.grammar.values import _LAST_SPACE, normalise_text
from xltemplates.limits import (
    MAX_CENTRAL_DIRECTORY_BYTES,
    MAX_ECHO_CHARS,
    MAX_FINDINGS,
    MAX_PARTS,
    MAX_SHEETS,
    MAX_TEXT_CHARS,
)
from xltemplates.reader.archive import OverLimit, check_directory, directories
from xltemplates.reader.check import check_bytes
from xltemplates.reader.identify import Expect
from xltemplates.trust.identity import META_SHEET

BIG = 300_000
_CELL = re.compile(rb'<c r="([A-Z]+[0-9]+)"[^>]*?(?:/>|>.*?</c>)', re.S)


def shared_string_in_cells(cells: int, length: int = BIG) -> bytes:
    """An issued workbook whose first `cells` cells of the form all show one `length`-character shared string."""
    data = issued()
    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        index = zf.read("xl/sharedStrings.xml").count(b"<si>")

    def edit(name: str, body: bytes) -> bytes:
        if name == "xl/sharedStrings.xml":
            return body.replace(b"</sst>", b"<si><t>" + ("长" * length).encode() + b"</t></si></sst>")
        if name == "xl/worksheets/sheet1.xml":
            count = iter(range(cells))
            return _CELL.sub(lambda m: m[0] if next(count, None) is None
                             else b'<c r="' + m[1] + b'" t="s"><v>' + str(index).encode() + b"</v></c>", body)
        return body

    return rezip(data, edit)


def test_check__300k_shared_string_in_40_cells__each_cut_with_a_finding_and_output_bounded(tmp_path: Path) -> None:
    path = tmp_path / "长文本.xlsx"
    path.write_bytes(shared_string_in_cells(40))
    assert path.stat().st_size < 20_000  # a small file...
    proc = run_cli("check", str(path))
    assert proc.returncode == 1, proc.stderr
    assert "Traceback" not in proc.stderr
    assert proc.stdout.count("E-CELL-TOO-LONG") == 40
    assert f"实际 {BIG} 个字" in proc.stdout
    assert f"…（共{MAX_CELL_TEXT}字）" in proc.stdout  # other findings quote the cell, cut
    assert len(proc.stdout.encode()) < 64 * 1024  # ...and a bounded report (it was 240 MB)


def test_check__300k_shared_string_in_every_cell__refused_by_the_text_budget(tmp_path: Path) -> None:
    path = tmp_path / "长文本.xlsx"
    path.write_bytes(shared_string_in_cells(10_000))
    proc = run_cli("check", str(path), "--json", str(tmp_path / "r.json"))
    assert proc.returncode == 2, proc.stderr
    assert "Traceback" not in proc.stderr
    assert "E-FILE-TOO-LARGE" in proc.stdout and f"上限 {MAX_TEXT_CHARS} 字" in proc.stdout
    assert len(proc.stdout.encode()) < 4096


def test_make_finding__text_longer_than_the_echo_limit__cut_with_its_length() -> None:
    f = make_finding("E-LIST-VALUE", "表", "A1", found="长" * BIG, label="一级指标", allowed="产出指标")
    assert f.found == "长" * MAX_ECHO_CHARS + f"…（共{BIG}字）"
    assert f"…（共{BIG}字）" in f.message and len(f.message) < MAX_ECHO_CHARS + 200


def test_make_finding__text_params_from_the_file__cut_too() -> None:
    f = make_finding("E-HIERARCHY", "表", "B2", found="x", parent="长" * BIG, allowed="a")
    assert f"…（共{BIG}字）" in f.message and len(f.message) < MAX_ECHO_CHARS + 200


def test_normalise_text__translation_table__covers_every_whitespace_code_point() -> None:
    assert not [i for i in range(_LAST_SPACE + 1, 0x110000) if chr(i).isspace()]
    assert normalise_text("\u3000＞＝\u200b９５％\u2212\t\n") == ">=95%-"


# ---- the container ---------------------------------------------------------------------------------------
def test_check__member_declaring_15kb_that_inflates_to_1gib__corrupt_without_inflating_it(tmp_path: Path) -> None:
    members = [zeros_declared_small(m.name, gib=1) if m.name == "xl/sharedStrings.xml" else m
               for m in members_of(issued())]
    path = tmp_path / "bomb.xlsx"
    path.write_bytes(zip_of(members))
    assert path.stat().st_size < 2 * 1024 * 1024
    proc = run_cli("check", str(path))
    assert proc.returncode == 2, proc.stderr
    assert "Traceback" not in proc.stderr and "MemoryError" not in proc.stderr
    assert "E-FILE-CORRUPT" in proc.stdout and "xl/sharedStrings.xml" in proc.stdout  # cut at 15 KB: bad CRC


def test_check__zip64_end_record_declaring_a_huge_directory__too_many_parts_before_zipfile_reads_it(
        tmp_path: Path) -> None:
    path = tmp_path / "directory.xlsx"
    path.write_bytes(directory_bomb(1_200_000))  # 56 MB of directory records behind a 1-record end record
    proc = run_cli("check", str(path))
    assert proc.returncode == 2, proc.stderr
    assert "Traceback" not in proc.stderr and "MemoryError" not in proc.stderr
    assert "E-FILE-TOO-MANY-PARTS" in proc.stdout


def test_directories__plain_commented_and_zip64__include_where_zipfile_reads_it() -> None:
    plain = zip_of([deflated("a.xml", b"<a/>"), deflated("b.xml", b"<b/>")])
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        zf.writestr("a.xml", b"<a/>")
        zf.comment = b"returns of 2025"
    for data in (plain, buf.getvalue(), directory_bomb(10), zip64_disagreeing(3, "locator-offset")):
        candidates = directories(io.BytesIO(data))
        with zipfile.ZipFile(io.BytesIO(data)) as zf:
            size = sum(46 + len(i.orig_filename.encode()) + len(i.extra) + len(i.comment) for i in zf.infolist())
            assert (zf.start_dir, size) in [(d.start, d.size) for d in candidates]


def _zip64_records(data: bytes) -> list[tuple[int, int, int]]:
    """(where, records declared, directory offset) of each zip64 end record in `data`."""
    out, at = [], data.find(b"PK\x06\x06")
    while at >= 0:
        count, _size, offset = struct.unpack_from("<3Q", data, at + 32)
        out.append((at, count, offset))
        at = data.find(b"PK\x06\x06", at + 1)
    return out


@pytest.mark.parametrize("bomb_at", ["before-locator", "locator-offset"])
def test_check__zip64_records_disagree__too_many_parts_whichever_zipfile_search_runs(bomb_at: str) -> None:
    """zipfile before gh-139700 reads the zip64 end record just before the locator, since then the one at the
    locator's offset: a crafted file makes them differ, and the guard bounds both (the 2,000,000-record case
    of issue 21, scaled down: 40,000 records, 1.9 MB)."""
    data = zip64_disagreeing(40_000, bomb_at)
    records = _zip64_records(data)
    assert len(records) == 2 and records[0][1:] != records[1][1:]  # the two searches find different directories
    with pytest.raises(OverLimit):
        check_directory(io.BytesIO(data), MAX_PARTS, MAX_CENTRAL_DIRECTORY_BYTES)
    report = check_bytes(data, "z.xlsx")
    assert report.flatten(("code",)) == [("E-FILE-TOO-MANY-PARTS",)]


# ---- regular files only ----------------------------------------------------------------------------------
def test_check__fifo_among_files__not_a_workbook_without_hanging_and_the_rest_kept(tmp_path: Path) -> None:
    fifo, good = tmp_path / "管道.xlsx", tmp_path / "good.xlsx"
    os.mkfifo(fifo)
    good.write_bytes(issued())
    proc = run_cli("check", str(fifo), str(good), "--json", str(tmp_path / "r.json"), timeout=60)
    assert proc.returncode == 2, proc.stderr
    assert "Traceback" not in proc.stderr
    results = json.loads((tmp_path / "r.json").read_text(encoding="utf-8"))["results"]
    assert [r["findings"][0]["code"] for r in results][0] == "E-FILE-NOT-WORKBOOK"
    assert results[1]["template"] == "dept-overall"


def test_check__symlink_to_dev_zero__not_a_workbook_without_reading_it(tmp_path: Path) -> None:
    link = tmp_path / "zero.xlsx"
    link.symlink_to("/dev/zero")
    proc = run_cli("check", str(link), timeout=60)
    assert proc.returncode == 2, proc.stderr
    assert "Traceback" not in proc.stderr and "MemoryError" not in proc.stderr
    assert "E-FILE-NOT-WORKBOOK" in proc.stdout and "不是普通文件" in proc.stdout


# ---- the identity sheet ----------------------------------------------------------------------------------
def with_identity_value(content: bytes, key: str, value: str) -> bytes:
    """`content` with the identity sheet's `key` row holding `value`, in 30,000-character cells as we write."""
    wb = openpyxl.load_workbook(io.BytesIO(content))
    ws = wb[META_SHEET]
    row = next(r for r in ws.iter_rows() if r[0].value == key)[0].row
    for col in range(2, ws.max_column + 2):
        ws.cell(row, col).value = None
    for i in range(0, len(value), 30_000):
        ws.cell(row, 2 + i // 30_000).value = value[i : i + 30_000]
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def test_check__deeply_nested_json_in_the_identity__coded_finding_and_the_rest_of_the_run_kept(
        tmp_path: Path) -> None:
    deep = '{"x":' + "[" * 50_000 + "]" * 50_000 + "}"
    nested, good = tmp_path / "nested.xlsx", tmp_path / "good.xlsx"
    nested.write_bytes(with_identity_value(issued(), "issued", deep))
    good.write_bytes(issued())
    proc = run_cli("check", str(nested), str(good), "--json", str(tmp_path / "r.json"))
    assert "Traceback" not in proc.stderr and "RecursionError" not in proc.stderr
    assert proc.returncode == 1, proc.stderr
    first, second = json.loads((tmp_path / "r.json").read_text(encoding="utf-8"))["results"]
    assert "W-NO-METADATA" in [f["code"] for f in first["findings"]]  # read by its headers instead
    assert second["template"] == "dept-overall" and second["file"] == str(good)


# ---- structure that multiplies the work (issue 23 item 2) ----------------------------------------------------
def test_check__workbook_listing_one_part_as_many_sheets__corrupt_before_reading_them() -> None:
    report = check_bytes(many_sheet_entries(1), "x.xlsx")
    assert report.flatten(("code",)) == [("E-FILE-CORRUPT",)] and "指向同一部件" in report.findings[0].message


def test_check__workbook_listing_thousands_of_sheets__corrupt_before_reading_them() -> None:
    """11.7 KB listing thousands of <sheet> entries made a 230 MB page in 38 s."""
    report = check_bytes(many_sheet_entries(MAX_SHEETS + 5), "x.xlsx")
    assert report.flatten(("code",)) == [("E-FILE-CORRUPT",)] and f"超过 {MAX_SHEETS} 个" in report.findings[0].message


def test_check_for_the_desk__twenty_thousand_nested_merges__kept_bounded_and_drawn_unmerged() -> None:
    """20,000 <mergeCell> entries (issue 23: 63 s in the grid drawing): MAX_MERGES kept, the sheet marked
    truncated, the overlapping ranges drawn unmerged, all within the file's budget."""
    checked = check(many_merges(20_000), "x.xlsx", Expect(), sheets=True)
    assert "W-TRUNCATED" in [f.code for f in checked.report.findings]
    assert "rowspan" not in checked.sheets and "colspan" not in checked.sheets


def test_check__a_wrong_value_in_each_of_thousands_of_added_rows__findings_capped_errors_first() -> None:
    """Issue 23 item 3: one crafted return gave 30,006 findings, each a database row and a line on the page."""
    rows = 1900
    edits = {f"D{r}": "大约" for r in range(14, 14 + rows)}  # 指标值类型: a dropdown, a wrong value in every row
    content = returned(DEPT, dept_data(), edits=edits, insert_rows_at=(14, rows))
    report = check_bytes(content, "x.xlsx")
    assert len(report.findings) == MAX_FINDINGS + 1
    assert all(f.severity == "error" for f in report.findings[:MAX_FINDINGS])
    cut = report.findings[-1]  # each added row: a wrong dropdown value and its empty required cells
    assert (cut.code, cut.expected) == ("W-FINDINGS-CUT", str(MAX_FINDINGS)) and int(cut.found or 0) >= 3 * rows
    assert not report.valid
