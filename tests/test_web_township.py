"""The township's page (one per unit, opened by its link): upload, verdict at once, 仅检查 / 正式报送."""

from __future__ import annotations

import html
import io
import re
import zipfile
from pathlib import Path

import pytest
from returned import DEPT, DEPT_SHEET, context, dept_data, returned
from web_kit import DROPDOWN_CELL, ME, OTHER, Desk, clean, codes, csrf_of, make_desk, rows, upload, wrong_dropdown

from xltemplates.reader.check import check_bytes
from xltemplates.round.links import token_sha256
from xltemplates.trust.keys import ENV_KEY_FILE, init_key


def test_unit_page__valid_link__unit_name_status_and_both_buttons(tmp_path: Path) -> None:
    desk = make_desk(tmp_path)
    r = desk.client.get(f"/u/{desk.token}")
    assert r.status_code == 200
    assert ME.name in r.text and "未返回" in r.text
    assert 'value="check">仅检查</button>' in r.text and 'value="submit" class="primary">正式报送</button>' in r.text
    assert OTHER.name not in r.text


def test_unit_page__unknown_or_truncated_token__404_naming_no_unit(tmp_path: Path) -> None:
    desk = make_desk(tmp_path)
    for token in ("nope", desk.token[:-1], "x" * 500):
        r = desk.client.get(f"/u/{token}")
        assert r.status_code == 404
        assert "链接无效" in r.text and ME.name not in r.text and OTHER.name not in r.text


def test_upload__unknown_token__404_and_nothing_stored(tmp_path: Path) -> None:
    desk = make_desk(tmp_path)
    csrf = csrf_of(desk.client.get(f"/u/{desk.token}").text)
    r = upload(desk, clean(), "submit", token="not-a-token", csrf=csrf)
    assert r.status_code == 404
    assert rows(desk.engine, "SELECT count(*) FROM submissions") == [(0,)]


def test_check__wrong_dropdown_value__finding_with_cell_and_message_the_cell_marked_nothing_stored(tmp_path: Path) -> None:
    desk = make_desk(tmp_path)
    r = upload(desk, wrong_dropdown("大约"), "check")
    assert r.status_code == 200
    assert codes(r.text) == ["E-LIST-VALUE"]
    assert f'<a class="place" href="#{DEPT_SHEET}!{DROPDOWN_CELL}">{DEPT_SHEET} {DROPDOWN_CELL}</a>' in r.text
    message = check_bytes(wrong_dropdown("大约"), "x.xlsx").findings[0].message
    body = message.split("] ", 1)[1]  # the place is shown once, beside the message
    assert html.escape(body, quote=False) in r.text and html.escape(message, quote=False) not in r.text
    assert re.search(rf'<td class="error" id="{DEPT_SHEET}!{DROPDOWN_CELL}" title="[^"]*">大约</td>', r.text)
    assert re.search(r'<td colspan="\d+">部门（单位）整体绩效目标申报表</td>', r.text)  # the title's merge
    assert "不通过（1 个错误）" in r.text and "仅检查，未保存" in r.text
    assert rows(desk.engine, "SELECT count(*) FROM submissions") == [(0,)]


def test_check__annotated_copy__a_workbook_of_the_form_marking_the_finding(tmp_path: Path) -> None:
    desk = make_desk(tmp_path)
    r = upload(desk, wrong_dropdown(), "check")
    link = re.search(r'href="(/u/[^"]+/annotated/[^"]+)"', r.text)
    assert link is not None
    a = desk.client.get(link.group(1))
    assert a.status_code == 200
    assert a.headers["content-type"].startswith("application/vnd.openxmlformats-officedocument.spreadsheetml")
    assert "filename*=UTF-8''001_%E6%B5%8B%E8%AF%95%E5%8D%95%E4%BD%8D_dept-overall_%E6%89%B9%E6%B3%A8.xlsx" \
        in a.headers["content-disposition"]
    again = check_bytes(a.content, "annotated.xlsx")
    assert again.template == DEPT
    assert (DEPT_SHEET, DROPDOWN_CELL, "E-LIST-VALUE") in again.flatten(("sheet", "cell", "code"))


def test_annotated__through_another_units_link__404(tmp_path: Path) -> None:
    desk = make_desk(tmp_path)
    ref = re.search(r'/annotated/([^"]+)"', upload(desk, wrong_dropdown(), "check").text)
    assert ref is not None
    assert desk.client.get(f"/u/{desk.token}/annotated/{ref.group(1)}").status_code == 200
    assert desk.client.get(f"/u/{desk.other_token}/annotated/{ref.group(1)}").status_code == 404


def test_check__clean_workbook__passes_and_offers_no_annotated_copy(tmp_path: Path) -> None:
    desk = make_desk(tmp_path)
    r = upload(desk, clean(), "check")
    assert "<p class=\"banner state accepted\">通过" in r.text and codes(r.text) == []
    assert "/annotated/" not in r.text


def test_check__saved_by_libreoffice__bureau_only_warning_not_shown_but_stored(tmp_path: Path) -> None:
    desk = make_desk(tmp_path)
    r = upload(desk, returned(DEPT, dept_data(), hide_identity=True), "submit")
    assert codes(r.text) == [] and "没有发现问题" in r.text
    assert rows(desk.engine, "SELECT code FROM findings") == [("W-METADATA-VISIBLE",)]


def test_submit__clean_workbook__stored_as_collect_stores_it(tmp_path: Path) -> None:
    desk = make_desk(tmp_path)
    content = clean()
    r = upload(desk, content, "submit", name="C:\\Users\\clerk\\申报表.xlsx")
    assert "已正式报送" in r.text
    assert rows(desk.engine, "SELECT unit_code, unit_source, file_name, verdict, is_current FROM submissions") == [
        (ME.code, "identity", "申报表.xlsx", "accepted", 1)]
    assert rows(desk.engine, "SELECT content FROM originals") == [(content,)]
    assert "通过" in desk.client.get(f"/u/{desk.token}").text


def test_submit__same_file_twice__one_row_and_both_pages_show_its_record_number(tmp_path: Path) -> None:
    desk = make_desk(tmp_path)
    content = clean()
    first = upload(desk, content, "submit")
    r = upload(desk, content, "submit")
    assert "已正式报送（记录编号 1）" in first.text
    assert "已正式报送（记录编号 1）（与此前报送的文件内容相同，未重复记录）" in r.text
    assert "已经报送过" not in r.text
    assert rows(desk.engine, "SELECT count(*) FROM submissions") == [(1,)]


def test_submit__rejected_then_fixed__history_kept_and_the_fixed_one_current(tmp_path: Path) -> None:
    desk = make_desk(tmp_path)
    upload(desk, wrong_dropdown(), "submit", name="第一次.xlsx")
    upload(desk, clean(), "submit", name="改好了.xlsx")
    assert rows(desk.engine, "SELECT file_name, verdict, is_current FROM submissions ORDER BY id") == [
        ("第一次.xlsx", "rejected", 0), ("改好了.xlsx", "accepted", 1)]
    page = desk.client.get(f"/u/{desk.token}").text
    assert page.index("改好了.xlsx") < page.index("第一次.xlsx") and "当前有效" in page


def test_submit__another_units_workbook__refused_with_the_reason_and_not_stored(tmp_path: Path) -> None:
    desk = make_desk(tmp_path)
    theirs = returned(DEPT, dept_data(), ctx=context(unit_code=OTHER.code, unit_name=OTHER.name))
    r = upload(desk, theirs, "submit")
    assert codes(r.text) == ["E-WRONG-UNIT"]
    assert "未报送：" in r.text and "本单位的报送状态没有改变" in r.text and OTHER.name in r.text
    assert rows(desk.engine, "SELECT count(*) FROM submissions") == [(0,)]


def test_submit__signed_with_a_key_the_bureau_does_not_hold__refused_and_not_stored(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    desk = make_desk(tmp_path)
    init_key(tmp_path / "other.key")
    monkeypatch.setenv(ENV_KEY_FILE, str(tmp_path / "other.key"))
    foreign = clean()
    monkeypatch.undo()
    r = upload(desk, foreign, "submit")
    assert "E-IDENTITY-KEY-UNKNOWN" in codes(r.text)
    assert "未报送：此表无法核验，请联系财政局" in r.text
    assert rows(desk.engine, "SELECT count(*) FROM submissions") == [(0,)]


def test_check__last_years_workbook__wrong_year(tmp_path: Path) -> None:
    desk = make_desk(tmp_path)
    r = upload(desk, returned(DEPT, None, ctx=context(year=2024)), "check")
    assert codes(r.text) == ["E-WRONG-YEAR"]


def test_upload__not_a_workbook__the_readers_finding_and_no_grid(tmp_path: Path) -> None:
    desk = make_desk(tmp_path)
    r = upload(desk, b"\x89PNG\r\n\x1a\n a photo of the form", "check", name="照片.xlsx")
    assert r.status_code == 200
    assert codes(r.text) == ["E-FILE-NOT-WORKBOOK"] and "不通过（无法读取）" in r.text
    assert 'class="grid"' not in r.text


def test_upload__zip_bomb_shaped_workbook__refused_by_the_guards_before_parsing(tmp_path: Path) -> None:
    desk = make_desk(tmp_path)
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("[Content_Types].xml", "<Types/>")
        zf.writestr("xl/worksheets/sheet1.xml", b"\0" * (120 * 1024 * 1024))
    r = upload(desk, buf.getvalue(), "check")
    assert codes(r.text) == ["E-FILE-TOO-LARGE"]


def test_upload__larger_than_the_limit__413_and_nothing_stored(tmp_path: Path) -> None:
    desk = make_desk(tmp_path, max_upload=20_000)
    big = clean() + b"\0" * 20_000
    r = upload(desk, big, "submit")
    assert r.status_code == 413 and "文件过大" in r.text
    assert rows(desk.engine, "SELECT count(*) FROM submissions") == [(0,)]


def test_upload__streamed_without_content_length__cut_off_at_the_limit(tmp_path: Path) -> None:
    desk = make_desk(tmp_path, max_upload=20_000)
    csrf = csrf_of(desk.client.get(f"/u/{desk.token}").text)
    boundary = "XLTBOUNDARY"
    head = (f"--{boundary}\r\nContent-Disposition: form-data; name=\"csrf\"\r\n\r\n{csrf}\r\n"
            f"--{boundary}\r\nContent-Disposition: form-data; name=\"action\"\r\n\r\nsubmit\r\n"
            f"--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"a.xlsx\"\r\n\r\n").encode()

    def body():  # type: ignore[no-untyped-def]  # a generator: the client sends it chunked
        yield head
        for _ in range(10):
            yield b"\0" * 4096
        yield f"\r\n--{boundary}--\r\n".encode()

    r = desk.client.post(f"/u/{desk.token}", content=body(),
                         headers={"content-type": f"multipart/form-data; boundary={boundary}"})
    assert r.status_code == 413
    assert rows(desk.engine, "SELECT count(*) FROM submissions") == [(0,)]


def test_upload__without_or_with_a_forged_csrf_token__403_and_nothing_stored(tmp_path: Path) -> None:
    desk = make_desk(tmp_path)
    desk.client.get(f"/u/{desk.token}")  # the browser has its CSRF cookie
    r = desk.client.post(f"/u/{desk.token}", data={"action": "submit"}, files={"file": ("a.xlsx", clean())})
    assert r.status_code == 403
    assert upload(desk, clean(), "submit", csrf="forged").status_code == 403
    assert rows(desk.engine, "SELECT count(*) FROM submissions") == [(0,)]


def test_upload__csrf_token_from_another_browser__403(tmp_path: Path) -> None:
    desk = make_desk(tmp_path)
    theirs = csrf_of(desk.client.get(f"/u/{desk.token}").text)
    desk.client.cookies.clear()
    desk.client.get(f"/u/{desk.token}")  # a new browser: a new CSRF cookie
    assert upload(desk, clean(), "submit", csrf=theirs).status_code == 403


def test_upload__no_file_or_no_action__400(tmp_path: Path) -> None:
    desk = make_desk(tmp_path)
    csrf = csrf_of(desk.client.get(f"/u/{desk.token}").text)
    r = desk.client.post(f"/u/{desk.token}", data={"csrf": csrf, "action": "check"})
    assert r.status_code == 400 and "未选择文件" in r.text
    assert upload(desk, clean(), "delete-everything").status_code == 400


def test_upload__over_the_links_rate_limit__429_the_other_unit_unaffected(tmp_path: Path) -> None:
    desk = make_desk(tmp_path, uploads_per_window=2)
    content = clean()
    assert [upload(desk, content).status_code for _ in range(3)] == [200, 200, 429]
    assert upload(desk, content, token=desk.other_token).status_code == 200


def test_xss__script_typed_into_cells__shown_as_text_in_grid_and_findings(tmp_path: Path) -> None:
    desk = make_desk(tmp_path)
    script = "<script>alert(1)</script>"
    content = returned(DEPT, dept_data(), edits={"B6": script, DROPDOWN_CELL: script})
    r = upload(desk, content, "submit", name=f"{script}.xlsx")
    assert codes(r.text) == ["E-LIST-VALUE"]
    assert "<script" not in r.text
    assert r.text.count("&lt;script&gt;alert(1)&lt;/script&gt;") >= 3  # the cell, the dropdown cell, the message
    assert "<script" not in desk.client.get(f"/u/{desk.token}").text  # the file name in the history


def test_pages__security_headers_no_referrer_no_script_no_framing(tmp_path: Path) -> None:
    desk = make_desk(tmp_path)
    for path in (f"/u/{desk.token}", "/u/unknown", "/login", "/desk.css"):
        h = desk.client.get(path).headers
        assert h["referrer-policy"] == "no-referrer"  # the link's token must not leak to other sites
        assert "default-src 'none'" in h["content-security-policy"] and "script-src" not in h["content-security-policy"]
        assert h["x-content-type-options"] == "nosniff" and h["x-frame-options"] == "DENY"


def test_links__stored_as_sha256_only(tmp_path: Path) -> None:
    desk = make_desk(tmp_path)
    assert rows(desk.engine, f"SELECT unit_code FROM unit_links WHERE token_sha256 = '{token_sha256(desk.token)}'") == [
        (ME.code,)]
    desk.engine.dispose()
    assert desk.token.encode() not in desk.db.read_bytes()


def _status(desk: Desk) -> str:
    m = re.search(r'当前状态：\s*<strong class="state [^"]+">([^<]+)</strong>', desk.client.get(f"/u/{desk.token}").text)
    assert m is not None
    return m.group(1)


def test_submit__wrong_year_after_a_pass__refused_status_stays_pass_nothing_stored(tmp_path: Path) -> None:
    desk = make_desk(tmp_path)
    upload(desk, clean(), "submit")
    r = upload(desk, returned(DEPT, None, ctx=context(year=2024)), "submit", name="去年的表.xlsx")
    assert "未报送：年度不符" in r.text and 'class="notice bad"' in r.text and "已正式报送" not in r.text
    assert _status(desk) == "通过"
    assert rows(desk.engine, "SELECT file_name FROM submissions") == [("申报表.xlsx",)]


@pytest.mark.parametrize("content", [b"", b"PK\x03\x04 not really", b"\xd0\xcf\x11\xe0 an old .xls"])
def test_submit__unreadable_file__refused_and_nothing_stored(tmp_path: Path, content: bytes) -> None:
    desk = make_desk(tmp_path)
    r = upload(desk, content, "submit", name="文件.xlsx")
    assert "未报送：" in r.text and "已正式报送" not in r.text and 'class="notice ok"' not in r.text
    assert rows(desk.engine, "SELECT count(*) FROM submissions") == [(0,)]


def test_submit__file_with_errors__recorded_as_not_passed_in_red_never_green(tmp_path: Path) -> None:
    desk = make_desk(tmp_path)
    r = upload(desk, wrong_dropdown(), "submit")
    assert 'class="notice bad">已记录（记录编号 1），但检查结果为「不通过（1 个错误）」' in r.text
    assert "请按下方问题修改表格后重新报送" in r.text and 'class="notice ok"' not in r.text


def test_submit__the_passing_file_again_after_a_failing_one__current_again(tmp_path: Path) -> None:
    desk = make_desk(tmp_path)
    good = clean()
    upload(desk, good, "submit", name="好的.xlsx")
    upload(desk, wrong_dropdown(), "submit", name="错的.xlsx")
    assert _status(desk) == "不通过（1 个错误）"
    r = upload(desk, good, "submit", name="好的.xlsx")
    assert "已正式报送（记录编号 1）" in r.text and _status(desk) == "通过"
    assert rows(desk.engine, "SELECT file_name, is_current FROM submissions ORDER BY id") == [
        ("好的.xlsx", 1), ("错的.xlsx", 0)]


def test_upload__answered_by_a_redirect__reloading_the_result_sends_nothing_again(tmp_path: Path) -> None:
    desk = make_desk(tmp_path)
    r = upload(desk, clean(), "submit", follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"].startswith(f"/u/{desk.token}/r/")
    for _ in range(2):  # F5, Back then forward: a GET each time
        page = desk.client.get(r.headers["location"])
        assert page.status_code == 200 and "已正式报送（记录编号 1）" in page.text
    assert rows(desk.engine, "SELECT count(*) FROM submissions") == [(1,)]


def test_result__gone_or_another_links__back_to_the_units_page(tmp_path: Path) -> None:
    desk = make_desk(tmp_path)
    where = upload(desk, clean(), "check", follow_redirects=False).headers["location"]
    ref = where.rsplit("/", 1)[1]
    for path in (f"/u/{desk.token}/r/nope", f"/u/{desk.other_token}/r/{ref}"):
        r = desk.client.get(path, follow_redirects=False)
        assert r.status_code == 303 and r.headers["location"] == path.rsplit("/r/", 1)[0]


def test_check_then_hand_in_the_checked_file__stored_without_a_second_upload(tmp_path: Path) -> None:
    desk = make_desk(tmp_path)
    r = upload(desk, clean(), "check")
    assert "报送刚才检查的文件" in r.text and rows(desk.engine, "SELECT count(*) FROM submissions") == [(0,)]
    action = re.search(r'<form method="post" action="(/u/[^"]+/r/[^"]+)"', r.text)
    assert action is not None
    for _ in range(2):  # a double-click: one record
        done = desk.client.post(action.group(1), data={"csrf": csrf_of(r.text)})
        assert "已正式报送（记录编号 1）" in done.text
    assert rows(desk.engine, "SELECT file_name, is_current FROM submissions") == [("申报表.xlsx", 1)]


def test_check__a_file_that_cannot_be_handed_in__says_so_and_offers_no_hand_in(tmp_path: Path) -> None:
    desk = make_desk(tmp_path)
    r = upload(desk, returned(DEPT, None, ctx=context(year=2024)), "check")
    assert "此文件不能报送：年度不符" in r.text and "报送刚才检查的文件" not in r.text


def test_return_visit__the_stored_files_findings_shown(tmp_path: Path) -> None:
    desk = make_desk(tmp_path)
    upload(desk, wrong_dropdown("大约"), "submit")
    desk.client.cookies.clear()  # the next day, another browser
    page = desk.client.get(f"/u/{desk.token}").text
    assert "当前有效文件的检查结果" in page and codes(page) == ["E-LIST-VALUE"] and "「大约」" in page


def test_unit_page__guides__form_name_year_and_numbered_steps(tmp_path: Path) -> None:
    desk = make_desk(tmp_path)
    page = desk.client.get(f"/u/{desk.token}").text
    assert "<h1>部门（单位）整体绩效目标申报表（2025 年度）</h1>" in page
    assert re.search(r'<ol class="steps">(\s*<li>.*?</li>){4}\s*</ol>', page, re.S)


def test_receipt__after_submit__unit_file_time_record_and_result_printable(tmp_path: Path) -> None:
    desk = make_desk(tmp_path)
    r = upload(desk, clean(), "submit", name="本单位.xlsx")
    link = re.search(r'href="(/u/[^"]+/receipt/1)">打印回执', r.text)
    assert link is not None
    receipt = desk.client.get(link.group(1)).text
    for text in (ME.name, "本单位.xlsx", "<td>1</td>", '<td class="state accepted">通过</td>', "北京时间"):
        assert text in receipt
    assert desk.client.get(f"/u/{desk.other_token}/receipt/1").status_code == 404  # another unit's record
    assert f'href="/u/{desk.token}/receipt/1">回执</a>' in desk.client.get(f"/u/{desk.token}").text  # from the list too


def test_submit__same_bytes_collected_without_a_unit__now_verified_as_this_units(tmp_path: Path) -> None:
    import hashlib
    import time
    from datetime import UTC, datetime

    from xltemplates.round.db import write_connection
    from xltemplates.round.store import Record, store

    desk = make_desk(tmp_path)
    content = clean()
    with write_connection(desk.engine) as conn:  # as collect stores it on a machine without the key
        store(conn, Record("收集的.xlsx", hashlib.sha256(content).hexdigest(), time.time(), datetime.now(UTC), None,
                           None, "unverified", "dept-overall", "1", 2025, None, [], content, claimed_unit=ME.code))
    r = upload(desk, content, "submit")
    assert "已正式报送" in r.text and "不在本单位名下" not in r.text
    assert rows(desk.engine, "SELECT unit_code, unit_source, is_current FROM submissions") == [(ME.code, "identity", 1)]


def test_submit__same_bytes_as_another_units_record__refused_never_already_handed_in(tmp_path: Path) -> None:
    desk = make_desk(tmp_path)
    theirs = returned(DEPT, dept_data(), ctx=context(unit_code=OTHER.code, unit_name=OTHER.name))
    upload(desk, theirs, "submit", token=desk.other_token)
    r = upload(desk, theirs, "submit")
    assert "未报送：" in r.text and "已经报送过" not in r.text
    assert rows(desk.engine, "SELECT unit_code FROM submissions") == [(OTHER.code,)]


def test_result_page__answered_by_another_desk_process__the_check_and_its_hand_in(tmp_path: Path) -> None:
    from starlette.testclient import TestClient

    from xltemplates.web import DeskConfig, create_app

    desk = make_desk(tmp_path)
    where = upload(desk, wrong_dropdown("大约"), "check", follow_redirects=False).headers["location"]
    other = TestClient(create_app(desk.engine, DeskConfig(jobs=0)))  # a second serve on the same database
    page = other.get(where)
    assert page.status_code == 200 and codes(page.text) == ["E-LIST-VALUE"] and "「大约」" in page.text
    assert "仅检查，未保存" in page.text and rows(desk.engine, "SELECT count(*) FROM submissions") == [(0,)]
    action = re.search(r'<form method="post" action="(/u/[^"]+/r/[^"]+)"', page.text)
    assert action is not None
    done = other.post(action.group(1), data={"csrf": csrf_of(page.text)})
    assert "已记录（记录编号 1）" in done.text
    assert rows(desk.engine, "SELECT verdict, is_current FROM submissions") == [("rejected", 1)]
    assert other.get(f"/u/{desk.other_token}/r/{where.rsplit('/', 1)[1]}", follow_redirects=False).status_code == 303
