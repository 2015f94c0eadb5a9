"""`xltemplates export --db round.sqlite -o summary.xlsx [--csv DIR]`: the round's data in one workbook."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from .common import fail, reported
from .terminal import shown


def export(
    db: Annotated[str, typer.Option(help="Round database: a SQLite file path, or a URL.")],
    out: Annotated[Path | None, typer.Option("-o", "--out", help="Summary workbook (.xlsx) to write.")] = None,
    csv_dir: Annotated[Path | None, typer.Option("--csv", help="Also (or instead) write one CSV per table here.")] = None,
) -> None:
    """Export the units, each template's fields and tables (indicators parsed), projects and findings."""
    if out is None and csv_dir is None:
        raise fail("error: give -o summary.xlsx and/or --csv DIR")
    if out is not None and out.suffix.lower() != ".xlsx":
        raise fail(f"error: the summary must be a .xlsx file, got {shown(out)}")
    from ..round.db import round_db
    from ..round.export_csv import write_csv_dir
    from ..round.export_tables import round_tables
    from ..round.export_xlsx import write_xlsx

    with reported():
        with round_db(db, create=False) as engine, engine.connect() as conn:
            tables = round_tables(conn)
        if out is not None:
            write_xlsx(tables, out)
            typer.echo(f"wrote {shown(out)} ({len(tables)} sheets)")
        if csv_dir is not None:
            files = write_csv_dir(tables, csv_dir)
            typer.echo(f"wrote {len(files)} CSV files to {shown(csv_dir)}")
