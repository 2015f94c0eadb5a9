"""`xltemplates infer`: write a template file from a province's official form."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from .common import fail, reported
from .terminal import shown


def infer(
    official: Annotated[Path, typer.Argument(help="The official form (.xlsx) as the province publishes it.")],
    out: Annotated[Path, typer.Option("-o", "--out", help="The template file to write (.yaml).")],
    template_id: Annotated[str | None, typer.Option("--id", help="The template id (default: from the file name).")]
    = None,
) -> None:
    """Infer a template from an official form: header rows by colour, grey issued cells, merges, dropdowns, the
    indicator table, instruction lines and print setup. What it guessed and what it could not (rules) are
    comments at the top of the file.

    Example: xltemplates infer 湖南整体绩效目标申报表.xlsx -o dept.yaml --id hunan-dept
    """
    from ..infer import infer as run

    if out.suffix.lower() not in (".yaml", ".yml"):
        raise fail(f"error: the output must be a .yaml file, got {shown(out)}")
    with reported():
        result = run(official, template_id)
        out.write_text(result.text, encoding="utf-8")
    typer.echo(f"wrote {shown(out)} ({result.template['id']}: {len(result.guessed)} guesses, "
               f"{len(result.missing)} things to add by hand; see the comments at its top)")
