"""The bureau's pages: login, the round's status with filters, each unit's files, downloads, exports, links."""

from __future__ import annotations

import base64
import io
import re
import time
import zipfile
from pathlib import Path

import openpyxl
from typer.testing import CliRunner
from web_kit import (
    ME,
    OTHER,
    PASSWORD,
    USER,
    Desk,
    clean,
    codes,
    csrf_of,
    login,
    make_desk,
    page_csrf,
    rows,
    upload,
    wrong_dropdown,
)

from xltemplates.cli import app

BUREAU_GETS = ["/bureau", "/bureau?state=rejected", f"/bureau/units/{ME.code}", "/bureau/submissions/1/original",
               "/bureau/submissions/1/annotated", "/bureau/export.xlsx", "/bureau/export-csv.zip", "/bureau/links",
               f"/bureau/links/{ME.code}", "/bureau/links/issued/x", "/bureau/links/issued/x/send-list.xlsx"]


def test_bureau_pages__not_logged_in__sent_to_the_login_page(tmp_path: Path) -> None:
    desk = make_desk(tmp_path)
    upload(desk, wrong_dropdown(), "submit")
    for path in BUREAU_GETS:
        r = desk.client.get(path, follow_redirects=False)
        assert (r.status_code, r.headers["location"]) == (303, "/login"), path
    csrf = page_csrf(desk.client)
    r = desk.client.post(f"/bureau/links/{ME.code}", data={"csrf": csrf, "once": "x"}, follow_redirects=False)
    assert (r.status_code, r.headers["location"]) == (303, "/login")


def test_login__wrong_password_or_unknown_user__401_and_no_session(tmp_path: Path) -> None:
    desk = make_desk(tmp_path)
    for name, password in ((USER, "wrong password"), ("nobody", PASSWORD)):
        r = desk.client.post("/login", data={"csrf": page_csrf(desk.client), "name": name, "password": password})
        assert r.status_code == 401 and "用户名或密码不正确" in r.text
        assert "xlt_session" not in desk.client.cookies
    assert desk.client.get("/bureau", follow_redirects=False).status_code == 303


def test_login__without_csrf_token__403(tmp_path: Path) -> None:
    desk = make_desk(tmp_path)
    desk.client.get("/login")
    r = desk.client.post("/login", data={"name": USER, "password": PASSWORD})
    assert r.status_code == 403 and "xlt_session" not in desk.client.cookies


def test_login__too_many_failures__429_even_with_the_right_password(tmp_path: Path) -> None:
    desk = make_desk(tmp_path, logins_per_window=3)
    csrf = page_csrf(desk.client)
    statuses = [desk.client.post("/login", data={"csrf": csrf, "name": USER, "password": p}).status_code
                for p in ("a", "b", "c", PASSWORD)]
    assert statuses == [401, 401, 401, 429]


def test_login__session_cookie_httponly_samesite_and_secure_over_https(tmp_path: Path) -> None:
    for base, secure in (("http://testserver", False), ("https://testserver", True)):
        (tmp_path / base[:5].strip(":")).mkdir()
        desk = make_desk(tmp_path / base[:5].strip(":"), base_url=base)
        r = desk.client.post("/login", data={"csrf": page_csrf(desk.client), "name": USER, "password": PASSWORD},
                             follow_redirects=False)
        cookie = next(v for k, v in r.headers.multi_items() if k == "set-cookie" and v.startswith("xlt_session="))
        assert "HttpOnly" in cookie and "SameSite=strict" in cookie
        assert ("Secure" in cookie) is secure


def test_session__tampered_cookie__not_logged_in(tmp_path: Path) -> None:
    desk = make_desk(tmp_path)
    login(desk)
    token = desk.client.cookies["xlt_session"]
    forged_user = base64.urlsafe_b64encode(f"admin|{int(time.time()) + 3600}".encode()).decode()
    flipped = token[:-1] + ("A" if token[-1] != "A" else "B")
    for value in (flipped, forged_user, token[:20], "x" * 200):
        desk.client.cookies.clear()
        desk.client.cookies.set("xlt_session", value)
        assert desk.client.get("/bureau", follow_redirects=False).status_code == 303, value


def test_logout__session_gone(tmp_path: Path) -> None:
    desk = make_desk(tmp_path)
    login(desk)
    r = desk.client.post("/logout", data={"csrf": page_csrf(desk.client, "/bureau")}, follow_redirects=False)
    assert r.status_code == 303
    assert desk.client.get("/bureau", follow_redirects=False).status_code == 303


def test_status__filters__not_returned_rejected_accepted(tmp_path: Path) -> None:
    desk = make_desk(tmp_path)
    upload(desk, wrong_dropdown(), "submit")
    login(desk)
    listed = {state: re.findall(r"<td>(\d{3})</td>", desk.client.get(f"/bureau?state={state}").text)
              for state in ("", "not-returned", "rejected", "accepted")}
    assert listed == {"": [ME.code, OTHER.code], "not-returned": [OTHER.code], "rejected": [ME.code], "accepted": []}
    page = desk.client.get("/bureau").text
    assert "不通过（1 个错误）" in page and "未返回 1" in page and "不通过或退回 1" in page and "通过 0" in page


def test_unit_detail__every_file_with_its_findings(tmp_path: Path) -> None:
    desk = make_desk(tmp_path)
    upload(desk, wrong_dropdown(), "submit", name="第一次.xlsx")
    upload(desk, clean(), "submit", name="第二次.xlsx")
    login(desk)
    page = desk.client.get(f"/bureau/units/{ME.code}").text
    assert "第一次.xlsx" in page and "第二次.xlsx" in page and codes(page) == ["E-LIST-VALUE"]
    assert desk.client.get("/bureau/units/999").status_code == 404


def test_downloads__original_bytes_and_annotated_copy_of_a_rejected_file(tmp_path: Path) -> None:
    desk = make_desk(tmp_path)
    bad, good = wrong_dropdown(), clean()
    upload(desk, bad, "submit", name='a"b\r\nX-Injected: 1.xlsx')
    upload(desk, good, "submit")
    login(desk)
    [(bad_id,), (good_id,)] = rows(desk.engine, "SELECT id FROM submissions ORDER BY id")
    r = desk.client.get(f"/bureau/submissions/{bad_id}/original")
    assert r.content == bad
    assert "x-injected" not in r.headers and "\n" not in r.headers["content-disposition"]
    assert re.fullmatch(r"attachment; filename=\"[A-Za-z0-9._-]+\.xlsx\"; filename\*=UTF-8''[A-Za-z0-9%._~-]+\.xlsx",
                        r.headers["content-disposition"])
    a = desk.client.get(f"/bureau/submissions/{bad_id}/annotated")
    assert a.status_code == 200 and openpyxl.load_workbook(io.BytesIO(a.content)).sheetnames[0] == "问题清单"
    assert desk.client.get(f"/bureau/submissions/{good_id}/annotated").status_code == 404
    assert desk.client.get("/bureau/submissions/999/original").status_code == 404


def test_exports__xlsx_and_csv_zip_hold_the_units(tmp_path: Path) -> None:
    desk = make_desk(tmp_path)
    upload(desk, clean(), "submit")
    login(desk)
    wb = openpyxl.load_workbook(io.BytesIO(desk.client.get("/bureau/export.xlsx").content))
    units = [[c.value for c in r] for r in wb.worksheets[0].iter_rows(min_row=2, max_col=3)]
    assert units == [[ME.code, ME.name, "通过"], [OTHER.code, OTHER.name, "未返回"]]
    with zipfile.ZipFile(io.BytesIO(desk.client.get("/bureau/export-csv.zip").content)) as zf:
        first = zf.read(zf.namelist()[0]).decode("utf-8-sig").splitlines()
    assert first[1].startswith(f"{ME.code},{ME.name},通过")


def _confirm(desk: Desk, code: str) -> tuple[str, dict[str, str]]:
    """The confirming form of 「重新生成」: its action and fields."""
    page = desk.client.get(f"/bureau/links/{code}").text
    assert "旧链接将立即失效" in page
    action = re.search(r'<form method="post" action="([^"]+)">', page)
    once = re.search(r'name="once" value="([^"]+)"', page)
    assert action is not None and once is not None
    return action.group(1), {"csrf": csrf_of(page), "once": once.group(1)}


def test_links__regenerate_asks_first_then_the_new_link_shown_once_the_old_one_stops_working(tmp_path: Path) -> None:
    desk = make_desk(tmp_path)
    login(desk)
    page = desk.client.get("/bureau/links").text
    assert ME.name in page and desk.token not in page  # only a hash is stored: the old link cannot be shown
    assert "<form method=\"post\"" not in page.split("<table>", 1)[1]  # no one-click regenerate
    assert desk.client.get(f"/u/{desk.token}").status_code == 200  # asking changed nothing
    action, fields = _confirm(desk, ME.code)
    r = desk.client.post(action, data=fields, follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"].startswith("/bureau/links/issued/")
    shown = desk.client.get(r.headers["location"]).text
    url = re.search(r'<code class="link-url">http://testserver/u/([^<]+)</code>', shown)
    assert url is not None and shown.count("<svg") == 1  # the link and its QR code
    assert desk.client.get(f"/u/{desk.token}").status_code == 404
    assert desk.client.get(f"/u/{url.group(1)}").status_code == 200
    assert desk.client.get(f"/u/{desk.other_token}").status_code == 200
    again = desk.client.post(action, data=fields)  # Back and resubmit: refused, the new link lives
    assert again.status_code == 409 and "此操作已执行或已过期" in again.text
    assert desk.client.get(f"/u/{url.group(1)}").status_code == 200


def test_links__new_link_without_csrf__403_and_the_old_link_still_works(tmp_path: Path) -> None:
    desk = make_desk(tmp_path)
    login(desk)
    action, fields = _confirm(desk, ME.code)
    assert desk.client.post(action, data={"once": fields["once"]}).status_code == 403
    assert desk.client.get(f"/u/{desk.token}").status_code == 200


def test_links__all_units__send_list_page_xlsx_and_csv_with_a_link_and_qr_per_unit(tmp_path: Path) -> None:
    desk = make_desk(tmp_path)
    login(desk)
    action, fields = _confirm(desk, "*")
    where = desk.client.post(action, data=fields, follow_redirects=False).headers["location"]
    page = desk.client.get(where).text
    urls = re.findall(r'<code class="link-url">(http://testserver/u/[^<]+)</code>', page)
    assert len(urls) == 2 and page.count("<svg") == 2
    book = openpyxl.load_workbook(io.BytesIO(desk.client.get(f"{where}/send-list.xlsx").content))
    ws = book.active
    assert [[c.value for c in row][:3] for row in ws.iter_rows(min_row=2)] == [
        [ME.code, ME.name, urls[0]], [OTHER.code, OTHER.name, urls[1]]]
    assert sorted(i.anchor._from.row for i in ws._images) == [1, 2]
    text = desk.client.get(f"{where}/send-list.csv").content.decode("utf-8-sig")
    assert text.splitlines()[1:] == [f"{ME.code},{ME.name},{urls[0]}", f"{OTHER.code},{OTHER.name},{urls[1]}"]


def test_cli_and_web__a_collected_file_shows_on_the_page_and_a_handed_in_one_in_status(tmp_path: Path) -> None:
    desk = make_desk(tmp_path)
    returns = tmp_path / "returns"
    returns.mkdir()
    (returns / "甲.xlsx").write_bytes(wrong_dropdown())
    result = CliRunner().invoke(app, ["collect", str(returns), "--db", str(desk.db), "--jobs", "1"])
    assert result.exit_code == 0, result.output
    assert "不通过（1 个错误）" in desk.client.get(f"/u/{desk.token}").text
    login(desk)
    assert desk.client.get("/bureau/submissions/1/original").content == (returns / "甲.xlsx").read_bytes()
    upload(desk, clean(), "submit")
    status = CliRunner().invoke(app, ["status", "--db", str(desk.db)])
    assert re.search(rf"{ME.code}\s+{ME.name}\s+通过\s+申报表.xlsx", status.output), status.output


def test_home_and_unknown_paths__to_the_bureau_and_a_chinese_404(tmp_path: Path) -> None:
    desk = make_desk(tmp_path)
    r = desk.client.get("/", follow_redirects=False)
    assert (r.status_code, r.headers["location"]) == (303, "/bureau")
    r = desk.client.get("/etc/passwd")
    assert r.status_code == 404 and "页面不存在" in r.text
    assert desk.client.get("/desk.css").headers["content-type"].startswith("text/css")
