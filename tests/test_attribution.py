"""Attribution is all or nothing (issue 23 items 1, 6, 7): a file is a unit's only when its verified identity
names that unit, year and template of the link or round; every other file is refused on the desk and stored
without a unit by collect, and status, export and rollover never rest on it.
"""

from __future__ import annotations

import io
import re
import tempfile
from collections.abc import Iterator
from datetime import UTC, datetime
from functools import cache
from pathlib import Path

import openpyxl
import pytest
import sqlalchemy as sa
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st
from round_kit import DEPT, PROJECT, T0, YEAR, dept_data, put, rows, units, without_identity, workbook
from web_kit import ME, OTHER, csrf_of, login, make_desk, upload

from xltemplates.checking.job import Job
from xltemplates.findings.report import Report, make_finding
from xltemplates.reader.check import check_bytes
from xltemplates.reader.identify import Expect, Rejected, identify
from xltemplates.reader.xlsx import open_workbook
from xltemplates.round.attribution import Roster, refusal
from xltemplates.round.collect import Collection, CollectOptions, record
from xltemplates.round.db import open_db, write_connection
from xltemplates.round.links import issue_links, link_for
from xltemplates.round.queries import rollover_basis
from xltemplates.round.sources import Inbox
from xltemplates.round.store import save_roster, store
from xltemplates.trust.identity import META_SHEET, value_cell
from xltemplates.trust.keys import init_key
from xltemplates.unit_files import Unit
from xltemplates.writer.generate import generate_bytes, make_context

A, B = units(2)


def signed_by_another_key(unit: Unit, year: int = YEAR) -> bytes:
    key = Path(tempfile.mkdtemp(prefix="xlt-other-key-")) / "other.key"
    return generate_bytes(DEPT, make_context(year, unit.code, unit.name), dept_data(unit), allow_findings=True,
                          keyring=init_key(key)).content


def forged_year(content: bytes, year: int) -> bytes:
    """The identity's year edited by hand (the signature left as it was)."""
    wb = openpyxl.load_workbook(io.BytesIO(content))
    wb[META_SHEET][value_cell("year")] = year
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


# ---- the reader says every mismatch, not the first --------------------------------------------------------------

def test_identify__other_template_year_and_unit__every_mismatch_reported() -> None:
    wb = open_workbook(workbook(B, None, template=PROJECT, year=YEAR - 1), "b.xlsx")
    found = identify(wb, Expect(template=DEPT, year=YEAR, unit_code=A.code, unit_name=A.name))
    assert isinstance(found, Rejected)
    assert [f.code for f in found.findings] == ["E-WRONG-TEMPLATE", "E-WRONG-YEAR", "E-WRONG-UNIT"]


# ---- 23.1: another unit's genuine workbook of another year on a unit's link ---------------------------------------

def test_desk__a_hands_in_bs_genuine_workbook_of_another_year__refused_and_bs_return_stays(tmp_path: Path) -> None:
    desk = make_desk(tmp_path)
    ok = upload(desk, workbook(OTHER, dept_data(OTHER)), "submit", token=desk.other_token)
    assert "已正式报送" in ok.text
    before = rows_of(desk.engine)
    r = upload(desk, workbook(OTHER, dept_data(OTHER), year=YEAR - 1), "submit", name="from-A.xlsx")
    assert "未报送：年度不符" in r.text
    assert rows_of(desk.engine) == before  # nothing stored: B's accepted return is still its current one
    assert rows(desk.db, "SELECT unit_code, file_name FROM submissions WHERE is_current") == [
        (OTHER.code, "申报表.xlsx")]


def rows_of(engine: sa.Engine) -> list[tuple[object, ...]]:
    with engine.connect() as conn:
        return [tuple(r) for r in conn.execute(sa.text("SELECT id, unit_code, is_current FROM submissions"))]


def test_collect__bs_genuine_workbook_of_another_year_and_template__stored_for_nobody(tmp_path: Path) -> None:
    inbox, db = tmp_path / "in", tmp_path / "r.sqlite"
    put(inbox, "002.xlsx", workbook(B, dept_data(B)))
    put(inbox, "from-A-old.xlsx", workbook(B, dept_data(B), year=YEAR - 1), mtime=T0 + 100)
    put(inbox, "from-A-project.xlsx", workbook(B, None, template=PROJECT), mtime=T0 + 200)
    engine = open_db(db)
    Collection(engine, CollectOptions(Expect(template=DEPT, year=YEAR), jobs=1)).run(Inbox(inbox), [A, B])
    engine.dispose()
    assert rows(db, "SELECT file_name, unit_code, claimed_unit, unit_source, is_current FROM submissions ORDER BY id") \
        == [("002.xlsx", B.code, None, "identity", 1), ("from-A-old.xlsx", None, B.code, "mismatch", 0),
            ("from-A-project.xlsx", None, B.code, "mismatch", 0)]


def test_collect__not_told_the_year__checks_against_the_rounds_recorded_year(tmp_path: Path) -> None:
    inbox, db = tmp_path / "in", tmp_path / "r.sqlite"
    engine = open_db(db)
    save_roster(engine, [A, B])
    issue_links(engine, [A, B], DEPT, YEAR)  # records the round's template and year
    put(inbox, "old.xlsx", workbook(B, dept_data(B), year=YEAR - 1))
    Collection(engine, CollectOptions(jobs=1)).run(Inbox(inbox))
    engine.dispose()
    assert rows(db, "SELECT unit_code, claimed_unit, is_current FROM submissions") == [(None, B.code, 0)]


# ---- 23.6: rollover starts only from a verified file ----------------------------------------------------------------

def test_rollover_basis__mailed_in_file_without_identity__never_a_units_basis(tmp_path: Path) -> None:
    inbox, db = tmp_path / "in", tmp_path / "r.sqlite"
    put(inbox, "002_测试单位002.xlsx", without_identity(workbook(A, dept_data(A))))  # A's rows, B's name
    engine = open_db(db)
    Collection(engine, CollectOptions(jobs=1)).run(Inbox(inbox), [A, B])
    with engine.connect() as conn:
        assert rollover_basis(conn) == {}
    engine.dispose()


# ---- 23.7: a link made on the links page carries the round's year -----------------------------------------------------

def test_links_page__unit_without_an_earlier_link__new_link_has_the_rounds_year(tmp_path: Path) -> None:
    desk = make_desk(tmp_path)
    with desk.engine.begin() as conn:
        conn.execute(sa.text("DELETE FROM unit_links WHERE unit_code = :c"), {"c": ME.code})
    login(desk)
    page = desk.client.get(f"/bureau/links/{ME.code}").text  # 「重新生成」 asks first
    action = re.search(r'<form method="post" action="([^"]+)">', page)
    once = re.search(r'name="once" value="([^"]+)"', page)
    assert action is not None and once is not None
    r = desk.client.post(action.group(1), data={"csrf": csrf_of(page), "once": once.group(1)})
    url = re.search(r'<code class="link-url">http://testserver/u/([^<]+)</code>', r.text)
    assert url is not None
    token = url.group(1)
    with desk.engine.connect() as conn:
        link = link_for(conn, token)
    assert link is not None and (link.template, link.year) == (DEPT, YEAR)
    refused = upload(desk, workbook(ME, None, year=YEAR - 1), "submit", token=token)
    assert "未报送" in refused.text
    assert rows(desk.db, f"SELECT count(*) FROM submissions WHERE unit_code = '{ME.code}'") == [(0,)]


def test_issue_links__round_knows_no_year__refused(tmp_path: Path) -> None:
    engine = open_db(tmp_path / "r.sqlite")
    save_roster(engine, [A])
    with pytest.raises(Exception, match="fiscal year"):
        issue_links(engine, [A], DEPT, None)
    engine.dispose()


# ---- refusal(): the desk's question, in the clerk's words -------------------------------------------------------------

def link_expect(unit: Unit) -> Expect:
    return Expect(template=DEPT, year=YEAR, unit_code=unit.code, unit_name=unit.name)


@pytest.mark.parametrize(("content", "words"), [
    (lambda: workbook(B, None), "其他单位"),
    (lambda: workbook(A, None, year=YEAR - 1), f"{YEAR - 1} 年度"),
    (lambda: workbook(A, None, template=PROJECT), "不是本次下发的表格"),
    (lambda: without_identity(workbook(A, None)), "不是财政局下发的表格"),
    (lambda: signed_by_another_key(A), "无法核验"),
    (lambda: forged_year(workbook(A, None, year=YEAR - 1), YEAR), "无法核验"),
    (lambda: b"PK\x03\x04 not a workbook", "无法读取"),
])
def test_refusal__not_this_units_return__a_reason_without_codes(content: object, words: str) -> None:
    report = check_bytes(content(), "x.xlsx", link_expect(A))  # type: ignore[operator]
    why = refusal(report, link_expect(A))
    assert why is not None and words in why
    assert not any(s in why for s in ("E-", "W-", DEPT, PROJECT, "XLTEMPLATES"))


def test_refusal__this_units_return_with_errors__may_be_handed_in() -> None:
    report = check_bytes(workbook(A, None), "x.xlsx", link_expect(A))
    assert report.errors and refusal(report, link_expect(A)) is None


@pytest.mark.parametrize(("code", "words"), [("E-WRONG-VERSION", "新版表格"), ("E-TEMPLATE-NOT-INSTALLED", "联系财政局")])
def test_refusal__this_units_form_not_read_with_its_template__refused(code: str, words: str) -> None:
    report = Report(file="x.xlsx", template=DEPT, version="1.0", year=YEAR, unit_code=A.code, unit_name=A.name,
                    findings=[make_finding(code, expected="1.1", found="1.0")])
    why = refusal(report, link_expect(A))
    assert why is not None and words in why and code not in why


def test_refusal__report_of_an_unlinked_check__still_compares_year_unit_template() -> None:
    report = check_bytes(workbook(B, None, year=YEAR - 1), "x.xlsx", Expect())  # the reader was told nothing
    why = refusal(report, link_expect(A))
    assert why is not None and "其他单位" in why and f"{YEAR - 1} 年度" in why


# ---- the property: no file is ever current for a unit other than its verified one --------------------------------

UNITS3 = [A, B, Unit("U009", "名单外单位")]
SIGNATURES = ("valid", "other-key", "forged", "none")


@cache
def variant(unit: int, year: int, template: str, signature: str) -> bytes:
    u = UNITS3[unit]
    content = workbook(u, dept_data(u) if template == DEPT else None, template=template, year=year)
    if signature == "other-key":
        return signed_by_another_key(u, year) if template == DEPT else forged_year(content, year + 1)
    if signature == "forged":
        return forged_year(content, year + 1)
    if signature == "none":
        return without_identity(content)
    return content


@cache
def checked(unit: int, year: int, template: str, signature: str, via: int | None) -> Report:
    """The report of a variant checked on unit `via`'s link (None: by collect, told the round's year)."""
    expect = link_expect(UNITS3[via]) if via is not None else Expect(template=DEPT, year=YEAR)
    return check_bytes(variant(unit, year, template, signature), f"{unit}-{year}-{template}-{signature}.xlsx", expect)


files = st.tuples(st.integers(0, 2), st.sampled_from([YEAR - 1, YEAR]), st.sampled_from([DEPT, PROJECT]),
                  st.sampled_from(SIGNATURES), st.one_of(st.none(), st.integers(0, 1)))


@pytest.fixture(scope="module")
def engine() -> Iterator[sa.Engine]:
    with tempfile.TemporaryDirectory() as d:
        e = open_db(Path(d) / "r.sqlite")
        save_roster(e, [A, B])
        yield e
        e.dispose()


@settings(max_examples=40, suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(sequence=st.lists(files, min_size=1, max_size=5))
def test_property__any_identity_on_any_link__current_only_for_its_verified_unit(
        engine: sa.Engine, sequence: list[tuple[int, int, str, str, int | None]]) -> None:
    with engine.begin() as conn:
        conn.execute(sa.text("DELETE FROM submissions"))
    verified: dict[str, tuple[str | None, int, str]] = {}  # sha256 -> the unit, year and template it truly is
    for i, (unit, year, template, signature, via) in enumerate(sequence):
        report = checked(unit, year, template, signature, via)
        expect = link_expect(UNITS3[via]) if via is not None else Expect(template=DEPT, year=YEAR)
        if via is not None and refusal(report, expect) is not None:
            continue  # the desk refuses it: nothing is stored
        content = variant(unit, year, template, signature)
        sha = f"{i:02d}{unit}{year}{template}{signature}{via}"
        verified[sha] = (UNITS3[unit].code if signature == "valid" else None, year, template)
        with write_connection(engine) as conn:
            store(conn, record(Job(sha, sha, T0 + i, content, None, expect), report, Roster([A, B]), _now()))
    with engine.connect() as conn:
        current = conn.execute(sa.text("SELECT sha256, unit_code FROM submissions WHERE is_current")).all()
        per_unit = conn.execute(sa.text("SELECT unit_code, count(*) FROM submissions WHERE is_current "
                                        "GROUP BY unit_code HAVING count(*) > 1")).all()
    assert per_unit == []
    event(f"current rows: {len(current)}")  # --hypothesis-show-statistics: the property is not vacuous
    for sha, code in current:
        assert verified[sha] == (code, YEAR, DEPT), (sha, code)


def _now() -> datetime:
    return datetime.now(UTC)
