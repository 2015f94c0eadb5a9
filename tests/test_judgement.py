"""One judgement: the registry says what a code means, judgement.py decides and words the verdict, and
check, collect, status and export all show the same words for the same file."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from round_kit import dept_data, put, returned, roster_csv, units, without_identity, workbook
from typer.testing import CliRunner

from xltemplates.cli import app
from xltemplates.findings.codes import CODES, codes_of_kind
from xltemplates.findings.judgement import Judgement, judge
from xltemplates.reader.check import check_file

UNITS = units(4)


def test_registry__every_code__severity_from_its_prefix_and_a_kind() -> None:
    for c in CODES.values():
        assert c.severity == ("error" if c.code.startswith("E-") else "warning"), c.code
        assert c.kind in ("content", "identity", "file", "reader"), c.code


def test_registry__file_and_reader_kinds__the_codes_that_make_a_file_unreadable() -> None:
    assert {c for c in codes_of_kind("file") if c.startswith("E-")} == {c for c in CODES if c.startswith("E-FILE-")}
    assert codes_of_kind("reader") == {"E-READ-FAILED", "E-TEMPLATE-NOT-INSTALLED"}  # not the clerk's doing
    assert {"E-FINGERPRINT", "E-WRONG-YEAR", "W-NO-METADATA"} <= codes_of_kind("identity")


@pytest.mark.parametrize(("codes", "verdict", "text"), [
    ([], "accepted", "通过"),
    (["W-NORMALISED", "W-NO-METADATA"], "accepted-warnings", "通过（2 条提示）"),
    (["E-LIST-VALUE", "E-SUM"], "rejected", "不通过（2 个错误）"),
    (["E-LIST-VALUE", "W-NORMALISED"], "rejected", "不通过（1 个错误，1 条提示）"),
    (["E-WRONG-YEAR"], "rejected", "不通过（1 个错误）"),
    (["E-FILE-NOT-WORKBOOK"], "unreadable", "不通过（无法读取）"),
    (["W-CONVERTED", "E-LIST-VALUE", "E-READ-FAILED"], "unreadable", "不通过（无法读取）"),
    (["W-CONVERTED"], "accepted-warnings", "通过（1 条提示）"),  # a file-kind warning reads fine
    (["W-METADATA-VISIBLE"], "accepted", "通过"),  # for the bureau only: not what the clerk is shown
    (["W-METADATA-VISIBLE", "E-LIST-VALUE"], "rejected", "不通过（1 个错误）"),
])
def test_judge__codes__verdict_and_its_words(codes: list[str], verdict: str, text: str) -> None:
    j = judge(codes)
    assert (j.verdict, j.text, j.valid) == (verdict, text, verdict.startswith("accepted"))
    assert Judgement(j.verdict, j.n_errors, j.n_warnings).text == text  # a stored row words it the same


def test_judge__unknown_code__programming_error() -> None:
    with pytest.raises(KeyError):
        judge(["E-NO-SUCH-CODE"])


def test_check_collect_status_export__same_files__same_verdict_words(tmp_path: Path) -> None:
    inbox = tmp_path / "in"
    returned(inbox, UNITS[0], dept_data(UNITS[0]))
    returned(inbox, UNITS[2], None)  # two required texts empty
    put(inbox, "U004_测试单位004.xlsx", b"PK\x03\x04 not really a workbook")
    # pasted into a fresh workbook: W-NO-METADATA, the unit found by its name
    put(inbox, "U002_改.xlsx", without_identity(workbook(UNITS[1], dept_data(UNITS[1]))))
    runner = CliRunner()
    check = runner.invoke(app, ["check", "--quiet", *sorted(str(p) for p in inbox.iterdir())])
    in_check = {Path(line.split(": ", 1)[0]).name: line.split(": ", 1)[1].split("  ")[0]
                for line in check.stdout.splitlines()}
    db = tmp_path / "r.sqlite"
    roster = roster_csv(tmp_path / "units.csv", UNITS)
    assert runner.invoke(app, ["collect", str(inbox), "--db", str(db), "--jobs", "1", "--roster", str(roster)]).exit_code == 0
    status = json.loads(runner.invoke(app, ["status", "--db", str(db), "--json"]).stdout)
    in_status = {u["file"]: u["text"] for u in status["units"] if u["file"]}
    assert runner.invoke(app, ["export", "--db", str(db), "--csv", str(tmp_path / "csv")]).exit_code == 0
    units_csv = (tmp_path / "csv" / "单位.csv").read_text("utf-8-sig").splitlines()[1:]
    in_export = {line.split(",")[8]: line.split(",")[2] for line in units_csv if line.split(",")[8]}
    assert in_status == in_export == {name: in_check[name] for name in in_status}
    assert sorted(in_status.values()) == sorted(["通过", "不通过（2 个错误）"])
    # only verified files are a unit's (attribution.py): the pasted and the unreadable file wait for the bureau
    in_status.update({w["file"]: w["text"] for u in status["units"] for w in u["waiting"]})
    assert {n: t for n, t in in_status.items() if n not in in_export} == {
        "U002_改.xlsx": "通过（1 条提示）", "U004_测试单位004.xlsx": "不通过（无法读取）"}
    for name, text in in_status.items():
        assert check_file(inbox / name).judgement.text == text
