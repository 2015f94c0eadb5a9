"""`xltemplates templates` and `xltemplates generate` through typer's CliRunner: output, files, exit codes."""

from __future__ import annotations

import csv
import hashlib
import io
import json
import os
import time
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from typer.testing import CliRunner, Result

from xltemplates.catalogue.registry import shipped_ids
from xltemplates.cli import app
from xltemplates.trust.identity import META_SHEET, decode

SHEET = "整体绩效目标申报表"
FINGERPRINT = "下发内容指纹（SHA-256）"
GOOD: dict[str, Any] = {
    "部门单位名称": "长沙市某局",
    "部门（单位）职责": "负责全市某项工作",
    "年度总体目标": "完成年度任务",
    "绩效指标": [  # one row under each required 一级, so the template's rules pass too
        {"一级指标": "产出指标", "二级指标": "数量指标", "三级指标": "完成数量", "指标值类型": "≥",
         "指标值": "100", "计量单位": "%", "指标解释": "", "评/扣分标准": ""},
        {"一级指标": "效益指标", "二级指标": "社会效益指标", "三级指标": "群众获得感", "指标值类型": "定性",
         "指标值": "有效提升", "计量单位": "/"},
        {"一级指标": "满意度指标", "二级指标": "服务对象满意度指标", "三级指标": "满意度", "指标值类型": "≥",
         "指标值": "90", "计量单位": "%"},
        {"一级指标": "成本指标", "二级指标": "经济成本指标", "三级指标": "预算控制", "指标值类型": "≤",
         "指标值": "100", "计量单位": "万元"},
    ],
}


def run(*args: str | Path) -> Result:
    # typer's runner keeps stderr apart from stdout (result.stderr); output is both, interleaved.
    return CliRunner().invoke(app, [str(a) for a in args])


def single(tmp_path: Path, *extra: str | Path, out: str = "out.xlsx") -> Result:
    return run("generate", "dept-overall", "--year", "2025", "--unit-code", "430101",
               "--unit-name", "长沙市某局", "-o", tmp_path / out, *extra)


def write_json(path: Path, data: object) -> Path:
    path.write_text(json.dumps(data), encoding="utf-8")  # \uXXXX escapes: lone surrogates too
    return path


def write_roster(path: Path, rows: list[tuple[str, str]], header: str = "单位编码,单位名称") -> Path:
    path.write_text(header + "\n" + "".join(f"{c},{n}\n" for c, n in rows), encoding="utf-8")
    return path


def files(directory: Path) -> list[str]:
    return sorted(p.name for p in directory.iterdir()) if directory.exists() else []


def manifest(out_dir: Path) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO((out_dir / "manifest.csv").read_text(encoding="utf-8-sig"))))


def sheet_of(path: Path) -> Any:
    return openpyxl.load_workbook(path)[SHEET]


# --- templates ---------------------------------------------------------------------------------------------

def test_templates__no_arguments__lists_every_shipped_template() -> None:
    r = run("templates")
    assert r.exit_code == 0, r.output
    lines = r.stdout.splitlines()
    assert [line.split("\t")[0] for line in lines] == shipped_ids()
    assert "dept-overall\t1.0\t部门（单位）整体绩效目标申报表" in lines


def test_templates_show__dept_overall__prints_fields_and_table_columns() -> None:
    r = run("templates", "show", "dept-overall")
    assert r.exit_code == 0, r.output
    out = r.stdout
    assert out.startswith("dept-overall 1.0  部门（单位）整体绩效目标申报表")
    for text in ("部门单位名称  (prefilled, text)", "部门（单位）职责  (entry, text, required)",
                 "绩效指标: table (blank rows 5, presets 13)", "填报单位  (entry, text)", "联系电话  (entry, text)",
                 "二级指标  (required, text, list level2 by 一级指标)",
                 "指标值类型  (required, text, list ops: 定性/>/≥/</≤/=)"):
        assert text in out


def test_templates_show_json__dept_overall__valid_json_schema_with_the_fields() -> None:
    r = run("templates", "show", "dept-overall", "--json")
    assert r.exit_code == 0, r.output
    schema = json.loads(r.stdout)
    assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    assert schema["additionalProperties"] is False
    props = schema["properties"]
    assert set(props) == {"部门单位名称", "部门（单位）职责", "年度总体目标", "绩效指标",
                          "填报单位", "单位负责人", "填报人", "联系电话", "填报日期"}  # the signature block
    row = props["绩效指标"]["items"]
    assert list(row["properties"]) == [
        "一级指标", "二级指标", "三级指标", "指标值类型", "指标值", "计量单位", "指标解释", "评/扣分标准"]
    assert row["properties"]["指标值类型"]["enum"] == ["定性", ">", "≥", "<", "≤", "=", None]
    assert row["properties"]["一级指标"]["enum"][:4] == ["产出指标", "效益指标", "满意度指标", "成本指标"]
    assert props["绩效指标"]["maxItems"] == 500


def test_templates_show__unknown_id__exit_2_and_message() -> None:
    r = run("templates", "show", "no-such-form")
    assert r.exit_code == 2
    assert "unknown template id" in r.stderr and r.stdout == ""


def test_templates_show__broken_template_file__exit_2_with_file_and_key_path(tmp_path: Path) -> None:
    path = tmp_path / "broken.yaml"
    path.write_text("id: b\nversion: '1'\ntitle: b\nsheets:\n  - {name: S, widths: [5], blocks: [{grid: "
                    "[{cells: [{role: header}]}]}]}\n", encoding="utf-8")
    r = run("templates", "show", path)
    assert r.exit_code == 2
    assert f"{path}: sheets[0].blocks[0].grid[0].cells[0]: a 'header' cell needs 'text'" in r.stderr


# --- generate: one workbook --------------------------------------------------------------------------------

def test_generate__single_unit__writes_the_workbook_exit_0(tmp_path: Path) -> None:
    r = single(tmp_path)
    assert r.exit_code == 0, r.output
    assert r.stdout.startswith(f"wrote {tmp_path / 'out.xlsx'} (dept-overall 1.0, fingerprint ")
    assert files(tmp_path) == ["out.xlsx"]
    ws = sheet_of(tmp_path / "out.xlsx")
    assert ws["B5"].value == "长沙市某局"
    assert ws["A2"].value == "（2025年度）"


def test_generate__good_data__prefills_the_workbook(tmp_path: Path) -> None:
    r = single(tmp_path, "--data", write_json(tmp_path / "d.json", GOOD))
    assert r.exit_code == 0, r.output
    ws = sheet_of(tmp_path / "out.xlsx")
    assert ws["B6"].value == "负责全市某项工作"
    assert [ws[f"{c}10"].value for c in "ABCDEF"] == ["产出指标", "数量指标", "完成数量", "≥", "100", "%"]
    assert not ws["A10"].protection.locked  # not one of the bureau's presets: the unit's own row
    assert [ws[f"A{r}"].value for r in range(10, 15)] == ["产出指标", "效益指标", "满意度指标", "成本指标", None]


@pytest.mark.parametrize("umask", [0o022, 0o002, 0o077])
def test_generate__umask__file_gets_the_users_normal_permissions(tmp_path: Path, umask: int) -> None:
    old = os.umask(umask)
    try:
        r = single(tmp_path)
    finally:
        os.umask(old)
    assert r.exit_code == 0, r.output
    assert (tmp_path / "out.xlsx").stat().st_mode & 0o777 == 0o666 & ~umask


def test_generate__set_extras__reach_the_identity_context(tmp_path: Path) -> None:
    r = single(tmp_path, "--set", "bureau=县财政局", "--set", "round=第一轮")
    assert r.exit_code == 0, r.output
    wb = openpyxl.load_workbook(tmp_path / "out.xlsx")
    ident = decode([[c.value for c in row] for row in wb[META_SHEET].iter_rows()])
    assert ident is not None and ident.context == {"bureau": "县财政局", "round": "第一轮"}


def test_generate__bad_set__exit_2(tmp_path: Path) -> None:
    r = single(tmp_path, "--set", "no equals sign")
    assert r.exit_code == 2
    assert "--set expects key=value" in r.stderr
    assert files(tmp_path) == []


BAD_DATA = [
    pytest.param({"部门名称": "x"}, "部门名称: unknown key", id="unknown-key"),
    pytest.param({"绩效指标": [{"一级指标": "产出指标", "二级指标": "数量指标", "备注": "x"}]},
                 "绩效指标[0].备注: unknown key", id="unknown-column"),
    pytest.param({"部门（单位）职责": 42}, "部门（单位）职责: expected text, got int 42", id="wrong-type"),
    pytest.param({"绩效指标": {"一级指标": "产出指标"}}, "绩效指标: expected a list of rows",
                 id="table-not-list"),
    pytest.param({"绩效指标": [{"指标值类型": "大约"}]},
                 "绩效指标[0].指标值类型: '大约' is not in the list 'ops'", id="outside-list"),
    pytest.param({"绩效指标": [GOOD["绩效指标"][0], {"一级指标": "效益指标", "二级指标": "数量指标"}]},
                 "绩效指标[1].二级指标: '数量指标' does not belong to 一级指标 '效益指标'",
                 id="level2-not-under-level1"),
    pytest.param({"绩效指标": [{"二级指标": "数量指标"}]}, "绩效指标[0].二级指标: 一级指标 None is needed",
                 id="level2-without-level1"),
    pytest.param({"部门（单位）职责": "x" * 2001},
                 "部门（单位）职责: text of 2001 characters exceeds the limit of 2000", id="too-long"),
    pytest.param({"部门（单位）职责": "a\ud800b"},
                 "部门（单位）职责: character U+D800 at position 1 cannot be stored", id="lone-surrogate"),
    pytest.param(["not", "an", "object"], "$: expected a JSON object, got list", id="not-an-object"),
]


@pytest.mark.parametrize(("data", "message"), BAD_DATA)
def test_generate__data_that_does_not_fit__exit_2_json_path_and_no_file(tmp_path: Path, data: object,
                                                                        message: str) -> None:
    data_file = tmp_path / "data" / "d.json"
    data_file.parent.mkdir()
    write_json(data_file, data)
    r = single(tmp_path, "--data", data_file)
    assert r.exit_code == 2, r.output
    assert r.stderr.startswith("error: the data does not fit the template:\n")
    assert f"  {message}" in r.stderr, r.stderr
    assert r.stdout == ""
    assert files(tmp_path) == ["data"]


def test_generate__several_problems__all_reported_at_once(tmp_path: Path) -> None:
    data = {"x": 1, "绩效指标": [{"指标值类型": "大约"}, {"一级指标": "其他"}]}
    r = single(tmp_path, "--data", write_json(tmp_path / "d.json", data))
    assert r.exit_code == 2
    problems = [line.strip().split(":")[0] for line in r.stderr.splitlines()[1:]]
    assert problems == ["x", "绩效指标[0].指标值类型", "绩效指标[1].一级指标"]


def test_generate__unit_answer_rules__not_run_on_the_prefill(tmp_path: Path) -> None:
    """A missing 一级 is the unit's to fill: the bureau may issue a form with only some indicators."""
    r = single(tmp_path, "--data", write_json(tmp_path / "d.json", {"绩效指标": GOOD["绩效指标"][:1]}))
    assert r.exit_code == 0, r.stderr


def test_generate__data_breaking_a_rule__exit_2_no_file_unless_allowed(tmp_path: Path) -> None:
    rows = [dict(r) for r in GOOD["绩效指标"]]
    rows[0].update(指标值类型="≥", 指标值="很多", 计量单位="%")  # quantitative without a number
    r = single(tmp_path, "--data", write_json(tmp_path / "d.json", {"绩效指标": rows}))
    assert r.exit_code == 2
    assert "E-NOT-NUMBER" in r.stderr and "很多" in r.stderr
    assert not (tmp_path / "out.xlsx").exists()
    r = single(tmp_path, "--data", tmp_path / "d.json", "--allow-findings")
    assert r.exit_code == 0, r.output
    assert (tmp_path / "out.xlsx").exists()


def test_generate__data_file_not_json__exit_2_names_the_file(tmp_path: Path) -> None:
    bad = tmp_path / "d.json"
    bad.write_text("{\"a\": ", encoding="utf-8")
    r = single(tmp_path, "--data", bad)
    assert r.exit_code == 2
    assert f"{bad}: not valid JSON" in r.stderr
    assert not (tmp_path / "out.xlsx").exists()


def test_generate__data_file_missing__exit_2(tmp_path: Path) -> None:
    r = single(tmp_path, "--data", tmp_path / "nope.json")
    assert r.exit_code == 2
    assert "cannot read" in r.stderr


def test_generate__bad_data__existing_output_left_untouched(tmp_path: Path) -> None:
    (tmp_path / "out.xlsx").write_bytes(b"previous")
    r = single(tmp_path, "--data", write_json(tmp_path / "d.json", {"部门名称": "x"}))
    assert r.exit_code == 2
    assert (tmp_path / "out.xlsx").read_bytes() == b"previous"


def test_generate__unknown_template_id__exit_2(tmp_path: Path) -> None:
    r = run("generate", "no-such-form", "--year", "2025", "-o", tmp_path / "x.xlsx")
    assert r.exit_code == 2
    assert "no-such-form: unknown template id (known: " in r.stderr
    assert files(tmp_path) == []


def test_generate__missing_out__exit_2(tmp_path: Path) -> None:
    r = run("generate", "dept-overall", "--year", "2025", "--unit-code", "1", "--unit-name", "x")
    assert r.exit_code == 2
    assert "give -o OUT.xlsx" in r.stderr


def test_generate__out_not_xlsx__exit_2(tmp_path: Path) -> None:
    r = single(tmp_path, out="out.xls")
    assert r.exit_code == 2
    assert "must be a .xlsx file" in r.stderr
    assert files(tmp_path) == []


def test_generate__missing_year__usage_error_exit_2(tmp_path: Path) -> None:
    r = run("generate", "dept-overall", "-o", tmp_path / "x.xlsx")
    assert r.exit_code == 2
    assert "--year" in r.stderr


def test_generate__out_is_a_directory__exit_2_and_no_temp_file(tmp_path: Path) -> None:
    (tmp_path / "out.xlsx").mkdir()
    r = single(tmp_path)
    assert r.exit_code == 2, r.output
    assert f"cannot write {tmp_path / 'out.xlsx'}" in r.stderr
    assert files(tmp_path) == ["out.xlsx"]


# --- generate: a whole round -------------------------------------------------------------------------------

def test_generate_roster__200_units__200_workbooks_and_a_manifest(tmp_path: Path) -> None:
    units = [(f"43{i:04d}", f"第{i}单位") for i in range(200)]
    roster = write_roster(tmp_path / "units.csv", units)
    out = tmp_path / "out"
    started = time.perf_counter()
    r = run("generate", "dept-overall", "--year", "2025", "--roster", roster, "--out-dir", out)
    elapsed = time.perf_counter() - started
    assert r.exit_code == 0, r.output
    assert r.stdout.startswith("generating")  # the progress bar (only its label when not on a terminal)
    assert "wrote 200 workbooks" in r.stdout
    names = files(out)
    assert len(names) == 201 and "manifest.csv" in names
    assert not [n for n in names if n.startswith(".") or n.endswith(".tmp")]  # atomic: no temp files left
    rows = manifest(out)
    assert len(rows) == 200
    assert list(rows[0]) == ["单位编码", "单位名称", "年度", "文件", "模板", "版本", "文件SHA-256", "下发内容指纹（SHA-256）",
                             "错误", "填报链接"]
    assert [(r["单位编码"], r["单位名称"]) for r in rows] == units
    assert rows[0]["文件"] == "430000_第0单位_dept-overall.xlsx"
    assert all(r["年度"] == "2025" and r["模板"] == "dept-overall" and r["版本"] == "1.0" and r["错误"] == "" for r in rows)
    assert all(len(r[FINGERPRINT]) == 64 for r in rows)
    assert len({r[FINGERPRINT] for r in rows}) == 200  # the unit name is issued content
    assert all(r["文件SHA-256"] == hashlib.sha256((out / r["文件"]).read_bytes()).hexdigest() for r in rows)
    assert set(names) - {"manifest.csv"} == {r["文件"] for r in rows}
    wb = openpyxl.load_workbook(out / rows[7]["文件"])
    ident = decode([[c.value for c in row] for row in wb[META_SHEET].iter_rows()])
    assert ident is not None and (ident.unit_code, ident.unit_name) == ("430007", "第7单位")
    assert ident.fingerprint == rows[7][FINGERPRINT]
    assert elapsed < 60, f"200 workbooks took {elapsed:.1f}s"


def test_generate_roster__data_dir__per_unit_json_used_when_present(tmp_path: Path) -> None:
    roster = write_roster(tmp_path / "units.csv", [("001", "甲单位"), ("002", "乙单位")])
    data_dir = tmp_path / "data"
    data_dir.mkdir()
    write_json(data_dir / "002.json", {"部门（单位）职责": "乙单位的职责"})
    out = tmp_path / "out"
    r = run("generate", "dept-overall", "--year", "2025", "--roster", roster, "--data-dir", data_dir,
            "--out-dir", out)
    assert r.exit_code == 0, r.output
    assert sheet_of(out / "001_甲单位_dept-overall.xlsx")["B6"].value is None
    assert sheet_of(out / "002_乙单位_dept-overall.xlsx")["B6"].value == "乙单位的职责"


def test_generate_roster__data_spelt_otherwise__per_unit_warnings_as_single_generate_prints(tmp_path: Path) -> None:
    roster = write_roster(tmp_path / "units.csv", [("001", "甲单位"), ("002", "乙单位")])
    data_dir = tmp_path / "data"
    data_dir.mkdir()
    rows = [{"一级指标": "满意度指标", "二级指标": "服务对象满意度", "三级指标": "群众满意度", "指标值类型": "≥",
             "指标值": "90", "计量单位": "%"}]
    write_json(data_dir / "002.json", {"绩效指标": rows})
    r = run("generate", "dept-overall", "--year", "2025", "--roster", roster, "--data-dir", data_dir,
            "--out-dir", tmp_path / "out", "--jobs", "1")
    assert r.exit_code == 0, r.output
    assert "002 乙单位: W-NAME-FORGIVEN [整体绩效目标申报表!B" in r.stderr
    assert "「服务对象满意度」已按标准名称识别为「服务对象满意度指标」" in r.stderr
    assert "001 甲单位:" not in r.stderr


def test_generate_roster__one_unit_with_bad_data__reported_others_written_exit_1(tmp_path: Path) -> None:
    roster = write_roster(tmp_path / "units.csv", [("001", "甲单位"), ("002", "乙单位"), ("003", "丙单位")])
    data_dir = tmp_path / "data"
    data_dir.mkdir()
    write_json(data_dir / "002.json", {"绩效指标": [{"一级指标": "效益指标", "二级指标": "数量指标"}]})
    out = tmp_path / "out"
    r = run("generate", "dept-overall", "--year", "2025", "--roster", roster, "--data-dir", data_dir,
            "--out-dir", out)
    assert r.exit_code == 1, r.output
    assert "002 乙单位: 绩效指标[0].二级指标: '数量指标' does not belong to 一级指标 '效益指标'" in r.stderr
    assert "wrote 2 workbooks" in r.stdout and "1 failed" in r.stdout
    assert files(out) == ["001_甲单位_dept-overall.xlsx", "003_丙单位_dept-overall.xlsx", "manifest.csv"]
    rows = {r["单位编码"]: r for r in manifest(out)}
    assert rows["002"]["文件"] == "" and rows["002"][FINGERPRINT] == rows["002"]["文件SHA-256"] == ""
    assert "绩效指标[0].二级指标" in rows["002"]["错误"]
    assert rows["001"]["错误"] == "" and len(rows["003"][FINGERPRINT]) == 64


def test_generate_roster__duplicate_code__exit_2_and_nothing_written(tmp_path: Path) -> None:
    roster = write_roster(tmp_path / "units.csv", [("001", "甲单位"), ("002", "乙单位"), ("001", "丙单位")])
    out = tmp_path / "out"
    r = run("generate", "dept-overall", "--year", "2025", "--roster", roster, "--out-dir", out)
    assert r.exit_code == 2
    assert f"{roster}:4: 单位编码 001 repeats line 2" in r.stderr
    assert files(out) == []


def test_generate_roster__missing_column__exit_2_names_the_columns(tmp_path: Path) -> None:
    roster = write_roster(tmp_path / "units.csv", [("001", "甲单位")], header="编码,单位名称")
    r = run("generate", "dept-overall", "--year", "2025", "--roster", roster, "--out-dir", tmp_path / "out")
    assert r.exit_code == 2
    assert "the roster needs the columns 单位编码,单位名称 (found: 编码,单位名称)" in r.stderr
    assert files(tmp_path / "out") == []


def test_generate_roster__empty_cells_or_no_units__exit_2(tmp_path: Path) -> None:
    roster = write_roster(tmp_path / "units.csv", [("001", "")])
    r = run("generate", "dept-overall", "--year", "2025", "--roster", roster, "--out-dir", tmp_path / "out")
    assert r.exit_code == 2 and "must not be empty" in r.stderr
    write_roster(roster, [])
    r = run("generate", "dept-overall", "--year", "2025", "--roster", roster, "--out-dir", tmp_path / "out")
    assert r.exit_code == 2 and "the roster lists no units" in r.stderr


def test_generate_roster__gb18030_with_spaces_in_the_header__read(tmp_path: Path) -> None:
    roster = tmp_path / "units.csv"
    roster.write_bytes("单位编码 , 单位名称\r\n001,甲单位\r\n".encode("gb18030"))
    out = tmp_path / "out"
    r = run("generate", "dept-overall", "--year", "2025", "--roster", roster, "--out-dir", out)
    assert r.exit_code == 0, r.output
    assert files(out) == ["001_甲单位_dept-overall.xlsx", "manifest.csv"]


def test_generate_roster__roster_missing__exit_2(tmp_path: Path) -> None:
    r = run("generate", "dept-overall", "--year", "2025", "--roster", tmp_path / "nope.csv",
            "--out-dir", tmp_path)
    assert r.exit_code == 2
    assert "nope.csv: cannot read" in r.stderr


def test_generate_roster__without_out_dir__exit_2(tmp_path: Path) -> None:
    roster = write_roster(tmp_path / "units.csv", [("001", "甲单位")])
    r = run("generate", "dept-overall", "--year", "2025", "--roster", roster)
    assert r.exit_code == 2
    assert "--roster needs --out-dir" in r.stderr


def test_generate_roster__unsafe_name__sanitised_file_name(tmp_path: Path) -> None:
    roster = write_roster(tmp_path / "units.csv", [("001", "甲/乙:单位*")])
    out = tmp_path / "out"
    r = run("generate", "dept-overall", "--year", "2025", "--roster", roster, "--out-dir", out)
    assert r.exit_code == 0, r.output
    assert files(out) == ["001_甲_乙_单位__dept-overall.xlsx", "manifest.csv"]
    assert sheet_of(out / "001_甲_乙_单位__dept-overall.xlsx")["B5"].value == "甲/乙:单位*"


@pytest.mark.parametrize(("spelt", "warning"), [
    ("服务对象满意度", "W-NAME-FORGIVEN"),  # a spelling the shipped framework carries as an alias
    ("群众满意度", "W-NAME-FORGIVEN"),
    ("服务对象满意度指标 ", "W-NORMALISED"),
])
def test_generate__real_spelling_of_a_level2__written_as_the_list_value_with_checks_warning(
        tmp_path: Path, spelt: str, warning: str) -> None:
    from xltemplates.reader.check import check_file

    rows = [dict(r) for r in GOOD["绩效指标"]]
    rows[2]["二级指标"] = spelt
    r = single(tmp_path, "--data", write_json(tmp_path / "d.json", {**GOOD, "绩效指标": rows}))
    assert r.exit_code == 0, r.output
    assert f"{warning} [整体绩效目标申报表!B12] 「二级指标」中的「{spelt}」" in r.stderr
    report = check_file(tmp_path / "out.xlsx")
    assert report.data is not None and report.data["绩效指标"][2]["二级指标"] == "服务对象满意度指标"
