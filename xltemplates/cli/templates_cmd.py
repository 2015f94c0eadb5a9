"""`xltemplates templates [show ID [--json]]`: what forms are shipped and what data they take."""

from __future__ import annotations

import json
from typing import Annotated

import typer

from .common import reported

app = typer.Typer(help="List the shipped templates, or show one template's fields.", invoke_without_command=True)

_CTX = {"year": 2025, "unit_code": "", "unit_name": ""}


@app.callback()
def list_templates(ctx: typer.Context) -> None:
    """List the shipped templates (id, version, title)."""
    if ctx.invoked_subcommand is not None:
        return
    from ..catalogue.registry import get_template, shipped_ids

    with reported():
        for tid in shipped_ids():
            t = get_template(tid, _CTX)
            typer.echo(f"{t.id}\t{t.version}\t{t.title}")


@app.command("show")
def show(
    template: Annotated[str, typer.Argument(help="Template id (see `xltemplates templates`) or a .yaml path.")],
    as_json: Annotated[bool, typer.Option("--json", help="Print the data's JSON Schema instead.")] = False,
) -> None:
    """Print a template's fields: what `generate --data` accepts and `check` returns."""
    from ..catalogue.registry import get_template
    from ..schema import json_schema
    from ..shape import scopes

    with reported():
        t = get_template(template, _CTX)
        if as_json:
            typer.echo(json.dumps(json_schema(t), ensure_ascii=False, indent=2))
            return
        typer.echo(f"{t.id} {t.version}  {t.title}")
        if t.description:
            typer.echo(f"  {t.description}")
        for sc in scopes(t):
            indent = "  "
            if sc.key is not None:
                typer.echo(f"  {sc.key}: list, one sheet per item")
                indent = "    "
            for f in sc.fields:
                flags = [f.role.value, f.type.value] + (["required"] if f.required else []) + _decimals(f.decimals)
                if f.list:
                    flags.append("list " + "/".join(t.lists[f.list].values))
                typer.echo(f"{indent}{f.field}  ({', '.join(flags)})")
            for tb in sc.tables:
                typer.echo(f"{indent}{tb.name}: table (blank rows {tb.blank_rows}, presets {len(tb.presets)})")
                for c in tb.columns:
                    flags = [c.role.value, c.type.value] + _decimals(c.decimals) + ([f"under {c.group}"] if c.group else [])
                    if c.list:
                        vals = t.lists[c.list].values
                        flags.append(f"list {c.list}" + (f" by {c.cascade}" if c.cascade else f": {'/'.join(vals)}"))
                    typer.echo(f"{indent}  {c.key}  ({', '.join(flags)})")


def _decimals(places: int | None) -> list[str]:
    return [] if places is None else [f"{places} decimals"]
