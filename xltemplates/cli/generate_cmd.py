"""`xltemplates generate`: one workbook, or one per unit of a roster with a manifest."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from .common import DEFAULT_LINK_BASE, fail, parse_sets, reported
from .terminal import shown

if TYPE_CHECKING:
    from ..unit_files import Unit


def _issue_links(db: str, roster: list[Unit], issued: list[Unit], template: str, year: int, base: str) -> dict[str, str]:
    """The roster into the round database, a web-desk link for each unit whose workbook was written."""
    from ..round.db import round_db
    from ..round.desk_settings import save_link_base
    from ..round.links import issue_links, link_url
    from ..round.store import save_roster

    with round_db(db) as engine:
        save_roster(engine, roster)
        if base != DEFAULT_LINK_BASE:  # the desk's new links and `serve` say where units reach it
            save_link_base(engine, base)
        return {code: link_url(base, token) for code, token in issue_links(engine, issued, template, year).items()}


def _store_issued(db: str, workbooks: list[tuple[str, str, bytes]]) -> None:
    from ..round.db import round_db
    from ..round.desk_settings import store_issued

    with round_db(db) as engine:
        store_issued(engine, workbooks)


def generate(
    template: Annotated[str, typer.Argument(help="Template id (see `xltemplates templates`) or a .yaml path.")],
    year: Annotated[int, typer.Option(help="Fiscal year the form is for.", min=2000, max=2100)],
    unit_code: Annotated[str | None, typer.Option(help="Unit code (one workbook).")] = None,
    unit_name: Annotated[str | None, typer.Option(help="Unit name (one workbook).")] = None,
    data: Annotated[Path | None, typer.Option(help="Prefill JSON, keyed by the form's labels.")] = None,
    out: Annotated[Path | None, typer.Option("-o", "--out", help="Output .xlsx (one workbook).")] = None,
    roster: Annotated[Path | None, typer.Option(help="CSV with 单位编码,单位名称: one workbook per unit.")] = None,
    data_dir: Annotated[Path | None, typer.Option(help="With --roster: per-unit prefill DIR/<单位编码>.json.")] = None,
    out_dir: Annotated[Path | None, typer.Option(help="With --roster: where the workbooks and manifest.csv go.")] = None,
    allow_findings: Annotated[bool, typer.Option(help="Generate even when the data breaks the template's rules.")] = False,
    set_: Annotated[list[str] | None, typer.Option("--set", help="Extra template context, key=value.")] = None,
    framework: Annotated[str | None, typer.Option(
        help="Indicator framework for this round instead of the template's (e.g. cn-2021); check follows it.")] = None,
    db: Annotated[str | None, typer.Option(
        help="With --roster: the round database; stores the roster and gives each unit a web-desk link.")] = None,
    link_base: Annotated[str | None, typer.Option(
        help=f"With --db: where `xltemplates serve` is reached (links in manifest.csv; default {DEFAULT_LINK_BASE}).")]
    = None,
    spare_projects: Annotated[int, typer.Option(
        help="Add N empty project sheets (the form's repeated sheet) after the issued ones, for projects the "
             "unit adds without copying a sheet; check ignores them while untouched.", min=0, max=50)] = 0,
    jobs: Annotated[int | None, typer.Option(
        help="With --roster: worker processes (default: all cores). A run killed midway is finished by running "
             "it again.", min=1)] = None,
    zip_out: Annotated[Path | None, typer.Option("--zip", help=(
        "With --roster: also write the round (workbooks + manifest.csv) as one zip; without --out-dir, only "
        "the zip."))] = None,
) -> None:
    """Generate a declaration workbook (or one per unit of a roster)."""
    from ..catalogue.load import FRAMEWORK_KEY
    from ..issuing.round import default_jobs, plan
    from ..unit_files import load_json, read_roster
    from ..writer.generate import RoundResult, generate_file, make_context

    if db is not None and link_base is None:
        typer.echo(f"warning: no --link-base: the units' links point at {DEFAULT_LINK_BASE}, which only this "
                   "machine can open; give --link-base https://<where the bureau serves the desk>", err=True)
    extra = parse_sets(set_)
    if framework is not None:
        extra[FRAMEWORK_KEY] = framework
    with reported():
        if roster is None:
            if out is None:
                raise fail("error: give -o OUT.xlsx (or --roster units.csv --out-dir DIR)")
            if out.suffix.lower() != ".xlsx":
                raise fail(f"error: the output must be a .xlsx file, got {shown(out)}")
            payload = load_json(data) if data else None
            g = generate_file(template, make_context(year, unit_code, unit_name, extra), payload, out, allow_findings,
                              spare_projects)
            typer.echo(f"wrote {shown(out)} ({g.template.id} {g.template.version}, fingerprint {g.fingerprint[:12]})")
            for f in g.findings:  # what check will say of the issued values too (an alias taken as its list value)
                typer.echo(f"  {f.code} {shown(f.message)}", err=True)
            return
        if out_dir is None and zip_out is None:
            raise fail("error: --roster needs --out-dir DIR (or --zip OUT.zip)")
        if zip_out is not None and zip_out.suffix.lower() != ".zip":
            raise fail(f"error: --zip must name a .zip file, got {shown(zip_out)}")
        folder = out_dir if out_dir is not None else zip_out.with_name(zip_out.name + ".parts")  # type: ignore[union-attr]
        units = read_roster(roster)
        issue = plan(template, year, units, folder, data_dir, extra, allow_findings, spare_projects)
        if issue.reused:
            typer.echo(f"continuing an interrupted round: {issue.reused} workbooks already written", err=True)
        failed = 0
        with typer.progressbar(length=len(units), label="generating", file=None) as bar:
            def progress(r: RoundResult) -> None:
                nonlocal failed
                if r.error:
                    failed += 1
                    typer.echo("\n" + shown(f"{r.unit.code} {r.unit.name}: {r.error}"), err=True)
                for w in r.warnings:  # what single-unit generate prints: the same per unit
                    typer.echo("\n" + shown(f"{r.unit.code} {r.unit.name}: {w}"), err=True)
                bar.update(1)
            try:
                results = issue.run(jobs if jobs is not None else default_jobs(), progress)
            except KeyboardInterrupt:
                raise fail("\ninterrupted: the workbooks written so far are kept; run the same command again to "
                           "finish the round", 130) from None
        t = issue.template
        links = _issue_links(db, units, [r.unit for r in results if not r.error], t.id, year,
                             link_base or DEFAULT_LINK_BASE) if db else None
        if db:  # the unit's page offers its workbook again (read before finish: --zip alone removes the folder)
            _store_issued(db, [(r.unit.code, r.file, (folder / r.file).read_bytes()) for r in results
                               if r.file and not r.error])
        issue.finish(links, zip_out, keep_folder=out_dir is not None)
        where = shown(folder / "manifest.csv") if out_dir is not None else shown(zip_out)
        typer.echo(f"wrote {len(units) - failed} workbooks and {where}; {failed} failed")
        if links:  # the links are shown only now (the database keeps their hashes): a send list to hand out
            from ..round.send_list import send_rows, write_send_list
            sent = write_send_list(out_dir if out_dir is not None else folder.parent, send_rows(units, links))
            typer.echo("send list (a link and QR code per unit): " + ", ".join(shown(p) for p in sent))
        if failed:
            raise typer.Exit(1)
