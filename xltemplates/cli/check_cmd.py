"""`xltemplates check FILE...`: the verdict on returned workbooks, in Chinese for the clerk, JSON for machines."""

from __future__ import annotations

import json
from itertools import groupby
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from .common import reported
from .terminal import shown

if TYPE_CHECKING:
    from ..findings.report import Report
    from ..reader.evidence import Evidence

EXIT_ERRORS, EXIT_UNREADABLE = 1, 2


def exit_code(report: Report) -> int:
    j = report.judgement
    return EXIT_UNREADABLE if j.unreadable else 0 if j.valid else EXIT_ERRORS


def render(report: Report, evidence: Evidence | None = None) -> str:
    """Human output: a verdict line, then the findings a clerk acts on, grouped by sheet in the workbook's order and
    down each sheet cell by cell, errors first on each sheet; one line each, whatever the file holds (terminal.shown)."""
    from ..findings.order import in_workbook_order, sheet_order

    verdict = report.judgement.text
    who = " ".join(x for x in (report.unit_code, report.unit_name) if x)
    form = f"{report.template} {report.version} {report.year or ''}".strip() if report.template else ""
    lines = [shown(report.file) + f": {verdict}" + (f"  [{shown(form)}]" if form else "") + (f"  {shown(who)}" if who else "")]
    ordered = in_workbook_order(report.for_clerk, sheet_order(evidence) if evidence is not None else [])
    for sheet, grouped in groupby(ordered, key=lambda f: f.sheet or ""):
        group = sorted(grouped, key=lambda f: f.severity != "error")  # stable: cell order kept within each
        if sheet:
            lines.append(f"  工作表「{shown(sheet)}」")
        for f in group:
            mark = "错误" if f.severity == "error" else "提示"
            lines.append(f"    {mark} {f.code} {shown(f.message)}")
    return "\n".join(lines)


def check(
    files: Annotated[list[Path], typer.Argument(help="Returned workbooks (.xlsx, .xls, .ods).")],
    json_out: Annotated[Path | None, typer.Option("--json", help="Also write the results as JSON to this file.")] = None,
    template: Annotated[str | None, typer.Option(help="Expect this template id.")] = None,
    year: Annotated[int | None, typer.Option(help="Expect this fiscal year.")] = None,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="Print only the verdict lines.")] = False,
    annotate_out: Annotated[Path | None, typer.Option(
        "--annotate", help="Write an annotated copy (errors marked, a findings sheet first); one FILE only.")] = None,
    convert: Annotated[bool, typer.Option(
        "--convert", help="An .xls/.ods unreadable directly: convert it to .xlsx with LibreOffice first.")] = False,
) -> None:
    """Check returned workbooks: exit 0 clean (warnings allowed), 1 errors found, 2 a file could not be read."""
    if annotate_out is not None and len(files) != 1:
        typer.echo("error: --annotate takes exactly one FILE", err=True)
        raise typer.Exit(EXIT_UNREADABLE)
    from ..fsutil import write_atomic
    from ..reader.check import check_file_and_evidence
    from ..reader.evidence import Evidence
    from ..reader.identify import Expect
    from ..trust.keys import refuse_in_returns

    reports = []
    evidence = Evidence()  # the last file's, for --annotate (one file only)
    with reported():  # a broken key file, one lying among the returns, an unwritable output: said plainly, exit 2
        expect = Expect(template=template, year=year)
        for folder in dict.fromkeys(f.parent for f in files):
            refuse_in_returns(folder, nested=False)
        for f in files:
            r, evidence = check_file_and_evidence(f, expect, convert)
            reports.append(r)
            typer.echo(render(r).splitlines()[0] if quiet else render(r, evidence))
        if annotate_out is not None:
            if reports[0].data is None:
                typer.echo(f"error: {shown(files[0])} could not be identified; no annotated copy written", err=True)
            else:
                from ..writer.annotate import annotate

                write_atomic(annotate_out, annotate(reports[0], evidence, expect.keyring))
                typer.echo(f"annotated copy: {shown(annotate_out)}")
        if json_out is not None:
            payload = {"results": [r.to_json() for r in reports]}
            write_atomic(json_out, json.dumps(payload, ensure_ascii=False, indent=2).encode("utf-8"))
    worst = max((exit_code(r) for r in reports), default=0)
    if worst:
        raise typer.Exit(worst)
