"""`xltemplates rollover --db round-2025.sqlite --year 2026 --out-dir DIR`: next year's workbooks."""

from __future__ import annotations

import sys
from contextlib import ExitStack
from pathlib import Path
from typing import Annotated

import typer

from .common import DEFAULT_LINK_BASE, reported
from .terminal import shown


def rollover_cmd(
    db: Annotated[str, typer.Option(help="This year's round database: a SQLite file path, or a URL.")],
    year: Annotated[int, typer.Option(help="The new fiscal year.", min=2000, max=2100)],
    out_dir: Annotated[Path, typer.Option(help="Where next year's workbooks and manifest.csv go.")],
    roster: Annotated[Path | None, typer.Option(help="Next year's units, CSV 单位编码,单位名称 (default: this year's).")] = None,
    budget_dir: Annotated[Path | None, typer.Option(help="New budget figures, DIR/<单位编码>.json; else left blank.")] = None,
    template: Annotated[str | None, typer.Option(help="Template for units without a submission (default: the round's).")] = None,
    framework: Annotated[str | None, typer.Option(
        help="Next year's indicator framework instead of the template's (e.g. cn-2021); carried rows are moved.")] = None,
    new_db: Annotated[str | None, typer.Option(
        help="Next year's round database: stores the roster and gives each unit a web-desk link.")] = None,
    link_base: Annotated[str, typer.Option(help="With --new-db: where `xltemplates serve` is reached.")]
    = DEFAULT_LINK_BASE,
) -> None:
    """Generate next year's workbooks: unit info and last year's indicators carried, budgets only when given."""
    from ..round.db import round_db
    from ..round.rollover import rollover
    from ..unit_files import read_roster

    with reported():
        units = read_roster(roster) if roster is not None else None
        with round_db(db, create=False) as engine, ExitStack() as more:
            new_round = more.enter_context(round_db(new_db)) if new_db is not None else None
            summary = rollover(engine, year, out_dir, units, budget_dir, template, framework, new_round, link_base)
    for r in summary.failed:
        typer.echo(shown(f"{r.result.unit.code} {r.result.unit.name}: {r.result.error}"), err=True)
    for r in summary.units:
        for note in r.notes:
            typer.echo(shown(f"{r.result.unit.code} {r.result.unit.name}: {note}"), err=True)
    done = len(summary.units) - len(summary.failed)
    typer.echo(f"wrote {done} workbooks and {shown(out_dir / 'manifest.csv')}; {len(summary.failed)} failed", file=sys.stdout)
    if summary.failed:
        raise typer.Exit(1)
