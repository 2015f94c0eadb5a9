"""A new form costs a template file, not code: a small form written here goes through generate and check.

The template below is not shipped; it lives in a bureau's own directory named by XLTEMPLATES_PATH.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from xltemplates.cli import app
from xltemplates.reader.check import check_file, check_file_and_evidence

VILLAGE_FORM = """
id: village-fund
version: "0.1"
title: 村级资金绩效目标表
framework: cn-2021
lists:
  basis:
    values: [计划标准, 行业标准, 历史标准, 其他]
sheets:
  - name: 村级资金
    widths: [14, 16, 24, 14, 16]
    blocks:
      - grid:
          - cells:
              - {role: title, text: "{{ year }}年村级资金绩效目标表", span: 0}
          - cells:
              - {role: header, text: 村名}
              - {role: prefilled, field: 村名, default: "{{ unit_name }}", span: 0}
          - cells:
              - {role: header, text: 资金总额}
              - {role: prefilled, field: 资金总额, type: money}
              - {role: header, text: 其中：上级补助}
              - {role: entry, field: 上级补助, type: money, span: 2}
          - cells:
              - {role: header, text: 本级配套}
              - {role: entry, field: 本级配套, type: money, span: 0}
      - table:
          name: 指标
          blank_rows: 5
          columns:
            - {key: 一级指标, role: required, list: level1, merge: true}
            - {key: 二级指标, role: required, list: level2, cascade: 一级指标, merge: true}
            - {key: 三级指标, role: required}
            - {key: 指标值, role: required, value: indicator}
            - {key: 依据, role: optional, list: basis}
rules:
  - {rule: indicator, table: 指标}
  - {rule: sum, total: 资金总额, parts: [上级补助, 本级配套], unit: 万元}
  - {rule: cost_within_budget, table: 指标, budget: 资金总额, where: {一级指标: 成本指标}}
"""

DATA = {
    "村名": "王官营村",
    "资金总额": 12.5,
    "上级补助": 10.0,
    "本级配套": 2.5,
    "指标": [
        {"一级指标": "产出指标", "二级指标": "数量指标", "三级指标": "硬化道路", "指标值": "≥2公里", "依据": "计划标准"},
        {"一级指标": "成本指标", "二级指标": "经济成本指标", "三级指标": "每公里造价", "指标值": "≤6万元", "依据": None},
        {"一级指标": "满意度指标", "二级指标": "服务对象满意度指标", "三级指标": "村民满意度", "指标值": "≥90%",
         "依据": "历史标准"},
    ],
}


@pytest.fixture
def bureau_dir(forms_dir: Path) -> Path:
    (forms_dir / "village-fund.yaml").write_text(VILLAGE_FORM, encoding="utf-8")
    return forms_dir


def _generate(tmp_path: Path, data: dict[str, object], *extra: str) -> tuple[int, Path, str]:
    (tmp_path / "d.json").write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    out = tmp_path / "v.xlsx"
    r = CliRunner().invoke(app, ["generate", "village-fund", "--year", "2026", "--unit-code", "V01", "--unit-name",
                                 "王官营村", "--data", str(tmp_path / "d.json"), "-o", str(out), *extra])
    return r.exit_code, out, r.stderr


def test_custom_form__listed_and_shown__from_the_bureau_directory(bureau_dir: Path) -> None:
    r = CliRunner().invoke(app, ["templates"])
    assert "village-fund\t0.1\t村级资金绩效目标表" in r.stdout
    r = CliRunner().invoke(app, ["templates", "show", "village-fund", "--json"])
    schema = json.loads(r.stdout)
    assert set(schema["properties"]) == {"村名", "资金总额", "上级补助", "本级配套", "指标"}


def test_custom_form__generate_then_check__round_trips_the_data(bureau_dir: Path, tmp_path: Path) -> None:
    code, out, err = _generate(tmp_path, DATA)
    assert code == 0, err
    report = check_file(out)
    assert report.template == "village-fund" and report.year == 2026 and report.unit_code == "V01"
    assert report.findings == ()
    assert report.data == DATA
    assert report.parsed is not None
    assert report.parsed["指标"][1] == {"kind": "quantitative", "op": "≤", "number": "6", "unit": "万元", "date": None,
                                       "problem": None}


def test_custom_form__data_breaking_its_sum_rule__refused_naming_the_cell(bureau_dir: Path, tmp_path: Path) -> None:
    code, out, err = _generate(tmp_path, {**DATA, "本级配套": 3.0})
    assert code == 2 and not out.exists()
    assert "E-SUM [村级资金!B3] 资金总额（12.50万元）应等于 上级补助（10.00万元） + 本级配套（3.00万元）" in err


def test_custom_form__cost_over_its_budget__reported_by_check(bureau_dir: Path, tmp_path: Path) -> None:
    rows = [dict(r) for r in DATA["指标"]]  # type: ignore[union-attr]
    rows[1]["指标值"] = "≤13万元"
    code, out, _ = _generate(tmp_path, {**DATA, "指标": rows}, "--allow-findings")
    assert code == 0
    report = check_file(out)
    assert [(f.sheet, f.cell, f.code) for f in report.findings] == [("村级资金", "D7", "E-COST-OVER-BUDGET")]


def test_custom_form__check_with_template_path__compares_by_declared_id(bureau_dir: Path, tmp_path: Path) -> None:
    code, out, _ = _generate(tmp_path, DATA)
    assert code == 0
    r = CliRunner().invoke(app, ["check", str(out), "--template", str(bureau_dir / "village-fund.yaml")])
    assert r.exit_code == 0, r.stdout
    r = CliRunner().invoke(app, ["check", str(out), "--template", "dept-overall"])
    assert r.exit_code == 1 and "E-WRONG-TEMPLATE" in r.stdout


BUREAU_FRAMEWORK = """
id: county-2025
title: 县级指标体系
levels:
  产出指标: [数量指标, 质量指标, 时效指标]
  效益指标: [社会效益指标]
  满意度指标: [服务对象满意度指标]
  成本指标: [经济成本指标]
aliases:
  群众满意度指标: 服务对象满意度指标
"""


def test_custom_framework__in_the_bureau_directory__found_by_templates_and_by_generate_framework(
        bureau_dir: Path, tmp_path: Path) -> None:
    (bureau_dir / "frameworks").mkdir()
    (bureau_dir / "frameworks" / "county-2025.yaml").write_text(BUREAU_FRAMEWORK, encoding="utf-8")
    rows = [dict(r) for r in DATA["指标"]]  # type: ignore[union-attr]
    rows[2]["二级指标"] = "群众满意度指标"  # the county's own spelling: written as the standard 二级, with a warning
    code, out, err = _generate(tmp_path, {**DATA, "指标": rows}, "--framework", "county-2025")
    assert code == 0, err
    assert "W-NAME-FORGIVEN [村级资金!B8] 「二级指标」中的「群众满意度指标」已按标准名称识别为「服务对象满意度指标」" in err
    report, evidence = check_file_and_evidence(out)
    assert evidence.context["framework"] == "county-2025"
    assert report.findings == ()
    assert report.data == DATA


def test_generate_framework__unknown__names_the_known_ones(bureau_dir: Path, tmp_path: Path) -> None:
    code, out, err = _generate(tmp_path, DATA, "--framework", "cn-2099")
    assert code == 2 and not out.exists()
    assert "unknown framework 'cn-2099' (known: cn-2021, cn-legacy)" in err


def test_generate_framework__other_framework__its_hierarchy_checked_by_generate_and_check(
        bureau_dir: Path, tmp_path: Path) -> None:
    """Under cn-legacy 成本指标 is a 二级 of 产出指标: the 2021-style row no longer fits."""
    code, _, err = _generate(tmp_path, DATA, "--framework", "cn-legacy")
    assert code == 2
    assert "指标[1].一级指标: '成本指标' is not in the list 'level1'" in err


def test_check__identity_names_a_framework_path__rejected_without_reading_it(bureau_dir: Path, tmp_path: Path) -> None:
    """The identity sheet is a claim: a framework it names is looked up only among the known ids."""
    import openpyxl

    from xltemplates.trust.identity import META_SHEET

    code, out, _ = _generate(tmp_path, DATA, "--framework", "cn-2021")
    assert code == 0
    wb = openpyxl.load_workbook(out)
    row = next(r for r in wb[META_SHEET].iter_rows() if r[0].value == "context")
    row[1].value = json.dumps({"framework": "../../village-fund"})
    wb.save(out)
    report = check_file(out)
    assert report.data is None
    assert report.findings and {f.severity for f in report.findings} == {"error"}
