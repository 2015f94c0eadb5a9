"""The bureau reviews: 退回修改 with a reason the unit sees, 审核通过 by hand (also over 不通过), notes, history;
the status page's progress by township, search and sort; downloads named for the unit; times in Beijing time."""

from __future__ import annotations

import io
import re
import zipfile
from pathlib import Path

from web_kit import ME, OTHER, Desk, clean, csrf_of, login, make_desk, rows, upload, wrong_dropdown

from xltemplates.round.db import open_db
from xltemplates.round.export_tables import round_tables
from xltemplates.round.store import save_roster
from xltemplates.unit_files import Unit, read_roster


def _review(desk: Desk, action: str, reason: str, code: str = ME.code) -> object:
    page = desk.client.get(f"/bureau/units/{code}").text
    return desk.client.post(f"/bureau/units/{code}/review", data={"csrf": csrf_of(page), "action": action,
                                                                  "reason": reason}, follow_redirects=False)


def _unit_state(desk: Desk) -> str:
    m = re.search(r'当前状态：\s*<strong class="state [^"]+">([^<]+)</strong>', desk.client.get(f"/u/{desk.token}").text)
    assert m is not None
    return m.group(1)


def test_return_with_a_reason__the_unit_sees_it__status_退回__a_new_file_judged_afresh(tmp_path: Path) -> None:
    desk = make_desk(tmp_path)
    upload(desk, clean(), "submit")
    login(desk)
    r = _review(desk, "returned", "项目名称写错了，请更正")
    assert r.status_code == 303 and r.headers["location"] == f"/bureau/units/{ME.code}"  # type: ignore[attr-defined]
    assert _unit_state(desk) == "退回修改"
    assert "退回修改：项目名称写错了，请更正。请按要求修改后重新报送" in desk.client.get(f"/u/{desk.token}").text
    assert '<td class="state returned">退回修改</td>' in desk.client.get("/bureau").text
    upload(desk, wrong_dropdown(), "submit", name="改过的.xlsx")
    assert _unit_state(desk) == "不通过（1 个错误）"  # the review was of the old file
    assert "项目名称写错了" not in desk.client.get(f"/u/{desk.token}").text


def test_approve_by_hand_over_a_failed_check__recorded_with_who_and_why(tmp_path: Path) -> None:
    desk = make_desk(tmp_path)
    upload(desk, wrong_dropdown(), "submit")
    login(desk)
    _review(desk, "note", "已电话联系")
    assert _unit_state(desk) == "不通过（1 个错误）"  # a note changes nothing
    _review(desk, "approved", "指标值类型经核实可以接受")
    assert _unit_state(desk) == "审核通过"
    page = desk.client.get(f"/bureau/units/{ME.code}").text
    assert "审核通过</td><td>指标值类型经核实可以接受</td><td>bureau</td><td>1</td>" in page
    assert "备注</td><td>已电话联系</td><td>bureau</td>" in page
    assert rows(desk.engine, "SELECT action, user_name, submission_id FROM reviews ORDER BY id") == [
        ("note", "bureau", 1), ("approved", "bureau", 1)]


def test_review__without_a_reason_or_a_file__refused_with_a_way_back(tmp_path: Path) -> None:
    desk = make_desk(tmp_path)
    login(desk)
    r = _review(desk, "returned", "理由")
    assert r.status_code == 409 and f'href="/bureau/units/{ME.code}"' in r.text  # type: ignore[attr-defined]
    upload(desk, clean(), "submit")
    r = _review(desk, "approved", "  ")
    assert r.status_code == 400 and "请填写理由" in r.text  # type: ignore[attr-defined]
    assert rows(desk.engine, "SELECT count(*) FROM reviews") == [(0,)]


def test_downloads__named_code_unit_beijing_time__and_a_zip_of_every_current_file(tmp_path: Path) -> None:
    desk = make_desk(tmp_path)
    content = clean()
    upload(desk, content, "submit", name="新建 Microsoft Excel 工作表.xlsx")
    login(desk)
    r = desk.client.get("/bureau/submissions/1/original")
    name = re.search(r"filename\*=UTF-8''(.+)$", r.headers["content-disposition"])
    assert name is not None
    from urllib.parse import unquote
    assert re.fullmatch(rf"{ME.code}_{ME.name}_\d{{8}}-\d{{4}}\.xlsx", unquote(name.group(1)))
    z = zipfile.ZipFile(io.BytesIO(desk.client.get("/bureau/current.zip").content))
    assert [re.sub(r"\d{8}-\d{4}", "T", n) for n in z.namelist()] == [f"{ME.code}_{ME.name}_T.xlsx"]
    assert z.read(z.namelist()[0]) == content


def test_export__received_time_in_beijing_time(tmp_path: Path) -> None:
    desk = make_desk(tmp_path)
    upload(desk, clean(), "submit")
    (utc,) = rows(desk.engine, "SELECT received_at FROM submissions")[0]
    with desk.engine.connect() as conn:
        table = round_tables(conn)[0]
    i = table.columns.index("收到时间（北京时间）")
    got = next(r[i] for r in table.rows if r[0] == ME.code)
    from datetime import datetime, timedelta
    assert got == (datetime.fromisoformat(str(utc)) + timedelta(hours=8)).strftime("%Y-%m-%d %H:%M:%S")


def test_status__rate_by_township_search_and_sort(tmp_path: Path) -> None:
    roster = tmp_path / "units.csv"
    roster.write_text(f"单位编码,单位名称,所属乡镇,联系人,联系电话\n{ME.code},{ME.name},东镇,张三,13800000000\n"
                      f"{OTHER.code},{OTHER.name},西镇,李四,13900000000\n", encoding="utf-8")
    units = read_roster(roster)
    assert units[0] == Unit(ME.code, ME.name, "东镇", "张三 13800000000")
    desk = make_desk(tmp_path)
    engine = open_db(desk.db)
    save_roster(engine, units)
    engine.dispose()
    upload(desk, clean(), "submit")
    login(desk)
    page = desk.client.get("/bureau").text
    assert "返回率 <strong>50%</strong>（1/2 个单位已报送）" in page
    assert re.search(r"<td>东镇</a></td><td>1</td><td>1</td><td>100%</td><td>1</td>", page.replace(
        '<a href="/bureau?q=%E4%B8%9C%E9%95%87">', ""))
    assert "<td>西镇</a></td><td>1</td><td>0</td><td>0%</td><td>0</td>" in page.replace(
        '<a href="/bureau?q=%E8%A5%BF%E9%95%87">', "")
    found = desk.client.get("/bureau", params={"q": "西镇"}).text
    assert re.findall(r"<td>(\d{3})</td>", found) == [OTHER.code]
    by_state = desk.client.get("/bureau", params={"sort": "state"}).text
    assert re.findall(r"<td>(\d{3})</td>", by_state) == [OTHER.code, ME.code]  # 未返回 first
    assert "张三 13800000000" in desk.client.get(f"/bureau/units/{ME.code}").text


def test_settings__deadline_and_contact_on_every_units_page__overdue_units_listed_with_contacts(tmp_path: Path) -> None:
    desk = make_desk(tmp_path)
    engine = open_db(desk.db)
    save_roster(engine, [Unit(ME.code, ME.name), Unit(OTHER.code, OTHER.name, "西镇", "李四 13900000000")])
    engine.dispose()
    upload(desk, clean(), "submit")
    login(desk)
    page = desk.client.get("/bureau/settings").text
    r = desk.client.post("/bureau/settings", data={"csrf": csrf_of(page), "deadline": "2000-01-31",
                                                   "contact": "绩效科 王科长 0737-1234567"}, follow_redirects=False)
    assert r.status_code == 303
    own = desk.client.get(f"/u/{desk.token}").text
    assert "截止日期：<strong>2000-01-31</strong>" in own and "绩效科 王科长 0737-1234567" in own
    status = desk.client.get("/bureau").text
    assert "逾期未完成（1 个单位）" in status and "李四 13900000000" in status
    assert re.search(rf"逾期未完成.*{OTHER.code} {OTHER.name}</a>：未返回", status, re.S)
    bad = desk.client.post("/bureau/settings", data={"csrf": csrf_of(page), "deadline": "下周五", "contact": ""})
    assert bad.status_code == 400 and 'href="/bureau/settings"' in bad.text
