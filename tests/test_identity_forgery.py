"""The keyed identity (issue 12): a clerk with the project's own code but without the bureau's key cannot
make a workbook pass as another unit's, another year's, or as issued with other grey values.

Each forgery is played as a clerk would: decode the identity sheet with the project's decoder, change it,
recompute the fingerprint with the project's layout, encode it back with the project's encoder, edit the
visible cells to match; or generate a whole workbook with the project and a key of the clerk's own.
"""

from __future__ import annotations

import io
import json
import os
import stat
import zipfile
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from conftest import TEST_KEY_FILE
from hypothesis import assume, given, settings
from hypothesis import strategies as st
from returned import DEPT, DEPT_SHEET, PROJECT, annotated_copy, assert_findings, dept_data, project_data, returned, save
from round_kit import T0, put, rows, units, without_identity
from round_kit import dept_data as unit_data
from round_kit import returned as returned_file
from round_kit import workbook as unit_workbook
from typer.testing import CliRunner

from xltemplates.catalogue.registry import get_template
from xltemplates.cli import app
from xltemplates.errors import KeyFileError
from xltemplates.findings.report import Report
from xltemplates.layout import build_layout
from xltemplates.reader.check import check_bytes, check_bytes_and_evidence
from xltemplates.reader.identify import Expect
from xltemplates.round.attribution import Roster, attribute
from xltemplates.round.collect import Collection, CollectOptions
from xltemplates.round.db import open_db
from xltemplates.round.sources import Inbox
from xltemplates.trust.identity import META_SHEET, Identity, decode, encode, issue, value_cell
from xltemplates.trust.keys import ENV_KEY_FILE, Verdict, init_key, load_keyring, rotate_key
from xltemplates.unit_files import Unit
from xltemplates.writer.annotate import annotate
from xltemplates.writer.generate import generate_bytes, make_context

ROSTER = (("001", "测试单位"), ("002", "另一单位"))


# ---- the clerk's tools: the project's own code, no key --------------------------------------------------------

def identity_of(content: bytes) -> Identity:
    ws = openpyxl.load_workbook(io.BytesIO(content))[META_SHEET]
    ident = decode([[c.value for c in row] for row in ws.iter_rows()])
    assert ident is not None
    return ident


def fingerprint_for(ident: Identity) -> str:
    """What layout.fingerprint gives for this identity's template, unit and issued values."""
    ctx = {**ident.context, "year": ident.year, "unit_code": ident.unit_code, "unit_name": ident.unit_name}
    return build_layout(get_template(ident.template, ctx), ident.issued).fingerprint


def forge(content: bytes, change: Callable[[Identity], Identity], cells: dict[str, Any] | None = None) -> bytes:
    """`content` with its identity changed, the fingerprint recomputed, the signature row kept as it was
    (or as `change` left it), and the visible `cells` of the form edited to match."""
    wb = openpyxl.load_workbook(io.BytesIO(content))
    ws = wb[META_SHEET]
    ident = change(decode([[c.value for c in row] for row in ws.iter_rows()]) or _fail())
    ident = replace(ident, fingerprint=fingerprint_for(ident))
    ws.delete_rows(1, ws.max_row)
    for r, row in enumerate(encode(ident), start=1):
        for c, value in enumerate(row, start=1):
            ws.cell(r, c, value)
    for ref, value in (cells or {}).items():
        wb[DEPT_SHEET][ref] = value
    return save(wb)


def _fail() -> Identity:
    raise AssertionError("no identity")


def swap_unit(i: Identity) -> Identity:
    return replace(i, unit_code="002", unit_name="另一单位", issued={**i.issued, "部门单位名称": "另一单位"})


def check(content: bytes, **expect: Any) -> Report:
    return check_bytes(content, "returned.xlsx", Expect(units=ROSTER, **expect))


def codes(report: Report) -> list[str]:
    return [f.code for f in report.findings]


def assert_refused_and_unattributed(report: Report, code: str) -> None:
    assert code in codes(report)
    assert not report.valid
    who = attribute(report, "002_另一单位_dept-overall.xlsx", Roster([Unit(*u) for u in ROSTER]))
    assert who.code is None and who.source in ("forged", None)  # at most a claim, never the unit


# ---- forgeries -------------------------------------------------------------------------------------------------

def test_forgery__unit_code_changed__forged_naming_the_unit_it_was_issued_to() -> None:
    report = check(forge(returned(DEPT, dept_data()), lambda i: replace(i, unit_code="002")))
    assert_findings(report, [(META_SHEET, "B5", "E-IDENTITY-FORGED")])
    f = report.findings[0]
    assert f.found == "单位由「001 测试单位」改为「002 测试单位」" and f.expected == "001 测试单位"
    assert_refused_and_unattributed(report, "E-IDENTITY-FORGED")


def test_forgery__unit_swapped_with_grey_cells_and_fingerprint_to_match__forged() -> None:
    report = check(forge(returned(DEPT, dept_data()), swap_unit, {"B5": "另一单位"}))
    assert_findings(report, [(META_SHEET, "B5", "E-IDENTITY-FORGED")])
    assert report.findings[0].found == "单位由「001 测试单位」改为「002 另一单位」"
    assert_refused_and_unattributed(report, "E-IDENTITY-FORGED")


def test_forgery__issued_grey_value_edited_with_fingerprint_recomputed__forged() -> None:
    """The fingerprint covers what was issued, and the signature covers the fingerprint."""
    content = forge(returned(DEPT, dept_data()), lambda i: replace(i, issued={**i.issued, "部门单位名称": "改过的名称"}),
                    {"B5": "改过的名称"})
    report = check(content)
    assert_findings(report, [(META_SHEET, "B11", "E-IDENTITY-FORGED")])
    assert "无法确定改动了哪一项" in report.findings[0].message


def test_forgery__year_changed_with_title_and_fingerprint__forged_naming_the_year() -> None:
    content = forge(returned(DEPT, dept_data()), lambda i: replace(i, year=2026), {"A2": "（2026年度）"})
    report = check(content, year=2026)
    assert_findings(report, [(META_SHEET, "B4", "E-IDENTITY-FORGED")])
    assert report.findings[0].found == "年度由 2025 改为 2026"
    assert_refused_and_unattributed(report, "E-IDENTITY-FORGED")


def test_forgery__every_preset_removed_from_issued_and_sheet__forged() -> None:
    """The 13 grey presets (rows 10-22) deleted from the form and from what the identity says was issued."""
    content = returned(DEPT, dept_data(), delete_rows_at=(10, 13))
    report = check(forge(content, lambda i: replace(i, issued={**i.issued, "绩效指标": []})))
    assert codes(report)[0] == "E-IDENTITY-FORGED" and "E-PRESET-MISSING" not in codes(report)
    assert not report.valid


def test_forgery__signature_row_deleted__unsigned_error() -> None:
    report = check(forge(returned(DEPT, dept_data()), lambda i: replace(swap_unit(i), signature=""), {"B5": "另一单位"}))
    assert_findings(report, [(META_SHEET, "B11", "E-IDENTITY-UNSIGNED")], errors_only=True)
    assert_refused_and_unattributed(report, "E-IDENTITY-UNSIGNED")


def test_forgery__clerk_generates_with_a_key_of_their_own__unknown_key_error(tmp_path: Path) -> None:
    own = init_key(tmp_path / "clerk.key")
    content = generate_bytes(DEPT, make_context(2025, "002", "另一单位"), {**dept_data(), "部门单位名称": "另一单位"},
                             keyring=own).content
    report = check(content)
    assert_findings(report, [(META_SHEET, "B11", "E-IDENTITY-KEY-UNKNOWN")])
    f = report.findings[0]
    assert f.found == own.kids[0] and f.expected == "、".join(load_keyring().kids)  # type: ignore[union-attr]
    assert_refused_and_unattributed(report, "E-IDENTITY-KEY-UNKNOWN")


def test_genuine__untouched__verifies_clean() -> None:
    assert check(returned(DEPT, dept_data())).findings == ()


# ---- without the key: read, said unverified ----------------------------------------------------------------------

def test_no_key__genuine_file__read_with_an_unverified_warning(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    content = returned(DEPT, dept_data())
    monkeypatch.setenv(ENV_KEY_FILE, str(tmp_path / "absent.key"))
    report = check_bytes(content, "r.xlsx")
    assert_findings(report, [(None, None, "W-IDENTITY-UNVERIFIED")])
    assert report.valid and report.data == dept_data() and report.unit_code == "001"
    assert "001 测试单位" in report.findings[0].message


# ---- collect: a forged file never becomes another unit's submission ------------------------------------------------

def _collect(db: Path, folder: Path, roster: list[Unit] | None = None) -> None:
    engine = open_db(db)
    try:
        Collection(engine, CollectOptions(jobs=1)).run(Inbox(folder), roster)
    finally:
        engine.dispose()


def test_collect__unit_swapped_file__stored_without_a_unit_and_the_victims_submission_stays(tmp_path: Path) -> None:
    a, b = Unit("001", "测试单位"), Unit("002", "另一单位")
    db, inbox = tmp_path / "round.sqlite", tmp_path / "in"
    returned_file(inbox, a, None)
    returned_file(inbox, b, None)
    _collect(db, inbox, [a, b])
    forged = forge(unit_workbook(a, None), swap_unit, {"B5": "另一单位"})
    put(inbox, "002_另一单位_更正.xlsx", forged, mtime=T0 + 100)  # newer, named for the victim
    _collect(db, inbox)
    assert rows(db, "SELECT file_name, unit_code FROM submissions WHERE is_current ORDER BY unit_code") == [
        ("001_测试单位_dept-overall.xlsx", "001"), ("002_另一单位_dept-overall.xlsx", "002")]
    assert rows(db, "SELECT unit_code, unit_source, claimed_unit, verdict FROM submissions "
                    "WHERE file_name LIKE '%更正%'") == [(None, "forged", "002", "rejected")]
    assert ("E-IDENTITY-FORGED",) in rows(db, "SELECT f.code FROM findings f JOIN submissions s "
                                              "ON f.submission_id = s.id WHERE s.file_name LIKE '%更正%'")


def test_collect__without_the_key__an_unverified_file_does_not_replace_a_verified_submission(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    a, b = Unit("001", "测试单位"), Unit("002", "另一单位")
    db, inbox = tmp_path / "round.sqlite", tmp_path / "in"
    returned_file(inbox, b, None)
    _collect(db, inbox, [a, b])
    put(inbox, "002_新.xlsx", forge(unit_workbook(a, None), swap_unit, {"B5": "另一单位"}), mtime=T0 + 100)
    monkeypatch.setenv(ENV_KEY_FILE, str(tmp_path / "absent.key"))  # collected on a machine without the key
    _collect(db, inbox)
    assert rows(db, "SELECT file_name, unit_source, is_current FROM submissions ORDER BY id") == [
        ("002_另一单位_dept-overall.xlsx", "identity", 1), ("002_新.xlsx", "unverified", 0)]


def test_collect__pasted_into_a_fresh_workbook__does_not_replace_a_verified_submission(tmp_path: Path) -> None:
    b = Unit("002", "另一单位")
    db, inbox = tmp_path / "round.sqlite", tmp_path / "in"
    returned_file(inbox, b, None)
    _collect(db, inbox, [b])
    put(inbox, "002_另一单位_新.xlsx", without_identity(unit_workbook(b, None)), mtime=T0 + 100)
    _collect(db, inbox)
    assert rows(db, "SELECT file_name, unit_source, is_current FROM submissions ORDER BY id") == [
        ("002_另一单位_dept-overall.xlsx", "identity", 1), ("002_另一单位_新.xlsx", "roster-name", 0)]


def test_collect__verified_resubmission__replaces_as_before(tmp_path: Path) -> None:
    b = Unit("002", "另一单位")
    db, inbox = tmp_path / "round.sqlite", tmp_path / "in"
    returned_file(inbox, b, None)
    _collect(db, inbox, [b])
    put(inbox, "002_更正.xlsx", unit_workbook(b, unit_data(b)), mtime=T0 + 100)  # other content: not a duplicate
    _collect(db, inbox)
    assert rows(db, "SELECT file_name FROM submissions WHERE is_current") == [("002_更正.xlsx",)]


def test_collect__without_the_key__a_later_unverified_file_waits_and_the_key_settles_it(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    a, b = Unit("001", "测试单位"), Unit("002", "另一单位")
    db, inbox = tmp_path / "round.sqlite", tmp_path / "in"
    returned_file(inbox, b, None)
    moved = forge(unit_workbook(a, None), swap_unit, {"B5": "另一单位"})
    monkeypatch.setenv(ENV_KEY_FILE, str(tmp_path / "absent.key"))  # the whole round collected without the key
    _collect(db, inbox, [a, b])  # unverified: it names 002, but counts for nobody until the key vouches for it
    put(inbox, "002_新.xlsx", moved, mtime=T0 + 100)
    _collect(db, inbox)  # 001's workbook moved to 002, newer: it waits as well
    assert rows(db, "SELECT file_name, unit_code, unit_source, claimed_unit, is_current FROM submissions ORDER BY id") \
        == [("002_另一单位_dept-overall.xlsx", None, "unverified", "002", 0), ("002_新.xlsx", None, "unverified", "002", 0)]
    r = CliRunner().invoke(app, ["status", "--db", str(db), "--json"])
    st = json.loads(r.stdout)
    assert st["totals"]["waiting_files"] == 2
    (unit,) = [u for u in st["units"] if u["code"] == "002"]
    assert unit["file"] is None and unit["state"] == "not-returned"
    assert [(w["file"], w["code"]) for w in unit["waiting"]] == [
        ("002_另一单位_dept-overall.xlsx", "W-UNVERIFIED-NOT-CURRENT"), ("002_新.xlsx", "W-UNVERIFIED-NOT-CURRENT")]
    assert "未计为该单位的报送" in unit["waiting"][0]["message"] and "collect" in unit["waiting"][0]["message"]
    text = CliRunner().invoke(app, ["status", "--db", str(db)]).stdout
    assert "待财政局确认" in text and "002_新.xlsx" in text
    monkeypatch.setenv(ENV_KEY_FILE, str(TEST_KEY_FILE))  # the same folder collected again with the key
    _collect(db, inbox)
    assert rows(db, "SELECT file_name, unit_code, unit_source, is_current FROM submissions ORDER BY file_name") == [
        ("002_另一单位_dept-overall.xlsx", "002", "identity", 1), ("002_新.xlsx", None, "forged", 0)]
    assert json.loads(CliRunner().invoke(app, ["status", "--db", str(db), "--json"]).stdout)["totals"][
        "waiting_files"] == 1  # the forged one, shown beside 002 for the bureau


def test_collect__unverified_file_first__a_verified_one_replaces_it(tmp_path: Path) -> None:
    b = Unit("002", "另一单位")
    db, inbox = tmp_path / "round.sqlite", tmp_path / "in"
    put(inbox, "002_另一单位_旧.xlsx", without_identity(unit_workbook(b, None)))
    _collect(db, inbox, [b])
    put(inbox, "002_正式.xlsx", unit_workbook(b, None), mtime=T0 - 100)  # verified, even with an older file time
    _collect(db, inbox)
    assert rows(db, "SELECT file_name, unit_source, is_current FROM submissions ORDER BY id") == [
        ("002_另一单位_旧.xlsx", "roster-name", 0), ("002_正式.xlsx", "identity", 1)]


# ---- the key: created once, rotated, required by generate -----------------------------------------------------------

def test_key_rotation__workbooks_signed_by_the_old_key__still_verify(tmp_path: Path) -> None:
    key = tmp_path / "bureau.key"
    old = init_key(key)
    before = generate_bytes(DEPT, make_context(2025, "001", "测试单位"), dept_data(), keyring=old).content
    new = rotate_key(key)
    assert new.kids[0] == old.kids[0] and len(new.kids) == 2
    after = generate_bytes(DEPT, make_context(2025, "001", "测试单位"), dept_data(), keyring=new).content
    assert identity_of(after).signature.split(":")[1] == new.kids[1]
    for content in (before, after):
        assert check_bytes(content, "r.xlsx", Expect(keyring=new)).findings == ()
    retired = tmp_path / "new-only.key"  # a key file that lost the old key cannot vouch for old workbooks
    lines = key.read_text(encoding="ascii").splitlines()
    retired.write_text("\n".join(line for line in lines if not line.startswith(old.kids[0])) + "\n", encoding="ascii")
    retired.chmod(0o600)
    assert codes(check_bytes(before, "r.xlsx", Expect(keyring=load_keyring(retired)))) == ["E-IDENTITY-KEY-UNKNOWN"]


def test_generate__no_key__refuses_saying_how_to_create_one(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(ENV_KEY_FILE, str(tmp_path / "absent.key"))
    r = CliRunner().invoke(app, ["generate", DEPT, "--year", "2025", "--unit-code", "001", "--unit-name", "甲",
                                 "-o", str(tmp_path / "out.xlsx")])
    assert r.exit_code == 2
    assert "xltemplates key init" in r.stderr and not (tmp_path / "out.xlsx").exists()
    r = CliRunner().invoke(app, ["generate", DEPT, "--year", "2025", "--roster", str(_roster(tmp_path)),
                                 "--out-dir", str(tmp_path / "out")])
    assert r.exit_code == 2 and "xltemplates key init" in r.stderr
    assert not list((tmp_path / "out").glob("*.xlsx")) if (tmp_path / "out").exists() else True


def _roster(tmp_path: Path) -> Path:
    from round_kit import roster_csv

    return roster_csv(tmp_path / "units.csv", units(2))


def test_key_cli__init_rotate_show__file_is_private_and_never_overwritten(tmp_path: Path) -> None:
    key = tmp_path / "conf" / "identity.key"
    r = CliRunner().invoke(app, ["key", "init", "--key-file", str(key)])
    assert r.exit_code == 0, r.output
    assert stat.S_IMODE(key.stat().st_mode) == 0o600
    first = key.read_bytes()
    r = CliRunner().invoke(app, ["key", "init", "--key-file", str(key)])
    assert r.exit_code == 2 and "already exists" in r.stderr and key.read_bytes() == first
    r = CliRunner().invoke(app, ["key", "rotate", "--key-file", str(key)])
    assert r.exit_code == 0 and stat.S_IMODE(key.stat().st_mode) == 0o600
    ring = load_keyring(key)
    assert ring is not None and len(ring.keys) == 2
    r = CliRunner().invoke(app, ["key", "show", "--key-file", str(key)])
    assert r.stdout.splitlines()[1:] == [f"  {k.kid}  created {k.created}  ({role})" for k, role in
                                         zip(ring.keys, ["verifies", "signs and verifies"], strict=True)]
    assert ring.keys[0].secret.hex() not in r.stdout + repr(ring.keys[0])


def test_collect_and_check__key_file_among_the_returns__refused_before_anything_is_read(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    inbox, db = tmp_path / "returns", tmp_path / "round.sqlite"
    path = returned_file(inbox, Unit("002", "另一单位"), None)
    elsewhere = put(tmp_path / "checked", path.name, path.read_bytes())
    key = inbox / "identity.key"
    key.write_bytes(TEST_KEY_FILE.read_bytes())
    key.chmod(0o600)
    monkeypatch.setenv(ENV_KEY_FILE, str(key))
    r = CliRunner().invoke(app, ["collect", str(tmp_path), "--db", str(db)])  # anywhere under the folder
    assert r.exit_code == 2 and f"{key} lies in {tmp_path}" in r.stderr and "Nothing was read" in r.stderr
    assert not db.exists()
    r = CliRunner().invoke(app, ["check", str(elsewhere), str(path)])  # a checked file beside the key
    assert r.exit_code == 2 and f"{key} lies in {inbox}" in r.stderr and r.stdout == ""
    r = CliRunner().invoke(app, ["check", str(elsewhere)])  # the key is not beside it: checked (an empty form)
    assert r.exit_code == 1 and r.stdout.startswith(f"{elsewhere}: 不通过") and r.stderr == ""


def test_collect__zip_of_returns_holding_the_key__refused(tmp_path: Path) -> None:
    archive = tmp_path / "returns.zip"
    with zipfile.ZipFile(archive, "w") as zf:
        zf.writestr("002.xlsx", unit_workbook(Unit("002", "另一单位"), None))
        zf.writestr("备份/.xlt", b"# copied\n" + TEST_KEY_FILE.read_bytes().upper())  # hidden, renamed, edited
    db = tmp_path / "round.sqlite"
    r = CliRunner().invoke(app, ["collect", str(archive), "--db", str(db)])
    assert r.exit_code == 2 and "备份/.xlt holds the bureau's identity key" in r.stderr and not db.exists()


def test_key_file__readable_by_others__refused(tmp_path: Path) -> None:
    key = tmp_path / "k"
    init_key(key)
    key.chmod(0o644)
    with pytest.raises(KeyFileError, match="chmod 600"):
        load_keyring(key)


def test_tests__sign_with_their_own_key__never_the_users() -> None:
    assert os.environ[ENV_KEY_FILE] == str(TEST_KEY_FILE)
    assert identity_of(returned(DEPT, dept_data())).verify(load_keyring()).value == "valid"  # type: ignore[arg-type]


def test_identity_cells__signature_after_issued__existing_cells_keep_their_place() -> None:
    assert [value_cell(k) for k in ("template", "version", "issued", "signature")] == ["B2", "B3", "B10", "B11"]


# ---- annotated copies: as trustworthy as the file they annotate, never more ---------------------------------------

def test_annotated_copy__of_a_forged_file__stays_forged() -> None:
    forged = forge(returned(DEPT, dept_data(), {"B6": None}), swap_unit, {"B5": "另一单位"})
    copy = annotate(*check_bytes_and_evidence(forged, "returned.xlsx", Expect(units=ROSTER)))
    assert identity_of(copy).signature == identity_of(forged).signature
    assert codes(check(copy))[0] == "E-IDENTITY-FORGED"


def test_annotated_copy__of_a_genuine_file__keeps_its_identity_and_verifies() -> None:
    content = returned(DEPT, dept_data(), {"B6": None})
    copy = annotated_copy(content, Expect(units=ROSTER))
    assert identity_of(copy) == identity_of(content)
    assert codes(check(copy)) == ["E-REQUIRED-EMPTY"]


def test_annotated_copy__of_a_file_without_identity__carries_none_and_is_never_signed() -> None:
    copy = annotated_copy(without_identity(returned(DEPT, dept_data(), {"B6": None})), Expect(units=ROSTER))
    assert META_SHEET not in openpyxl.load_workbook(io.BytesIO(copy)).sheetnames
    assert "W-NO-METADATA" in codes(check(copy))


def test_annotated_copy__unsigned_return_with_its_budget_raised__handed_back_never_passes_as_verified() -> None:
    """Issue 23 item 4: the annotated copy was a signing oracle (a raised budget came back signed, and passed)."""
    raised = without_identity(returned(PROJECT, project_data(), {"B6": 100, "D6": 100, "E9": 100}))
    report, evidence = check_bytes_and_evidence(raised, "returned.xlsx", Expect(units=ROSTER))
    assert evidence.identity is None and "W-NO-METADATA" in codes(report)
    copy = annotate(report, evidence, load_keyring())  # even with the bureau's key at hand
    back, seen = check_bytes_and_evidence(copy, "returned.xlsx", Expect(units=ROSTER))
    assert seen.identity is None and seen.issued is None  # nothing vouches for the 100 万元
    assert "W-NO-METADATA" in codes(back)
    assert back.data is not None and back.data["项目"][0]["预算数"] == 100


# ---- the signature covers every identity value ---------------------------------------------------------------------

_FIELDS = ("template", "version", "year", "unit_code", "unit_name", "generated_at", "fingerprint", "context")


@settings(max_examples=40)
@given(field=st.sampled_from(_FIELDS), text=st.text(min_size=1, max_size=12), number=st.integers(1900, 2200))
def test_signature__any_identity_value_changed__invalid(field: str, text: str, number: int) -> None:
    ring = load_keyring()
    assert ring is not None
    ident = issue("dept-overall", "1.0", {"year": 2025, "unit_code": "001", "unit_name": "甲", "bureau": "某局"},
                  "ab" * 32, {"部门单位名称": "甲"}, ring)
    value: Any = number if field == "year" else {"bureau": text} if field == "context" else text
    changed = replace(ident, **{field: value})
    assume(getattr(changed, field) != getattr(ident, field))
    assert changed.verify(ring) is Verdict.INVALID
    assert decode(encode(ident)) == ident and ident.verify(ring) is Verdict.VALID
