"""The `xltemplates` command line: one module per command, no business logic here."""

from __future__ import annotations

import typer

# serve_cmd imports the web desk (an optional extra) inside the command, only when it runs.
from . import (
    check_cmd,
    collect_cmd,
    export_cmd,
    generate_cmd,
    key_cmd,
    rollover_cmd,
    serve_cmd,
    status_cmd,
    templates_cmd,
)

app = typer.Typer(
    name="xltemplates",
    help="Generate protected declaration workbooks (预算绩效目标申报表) and check the ones that come back.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
app.add_typer(templates_cmd.app, name="templates")
app.command("generate")(generate_cmd.generate)
app.add_typer(key_cmd.app, name="key")
app.command("check")(check_cmd.check)
app.command("collect")(collect_cmd.collect_cmd)
app.command("status")(status_cmd.status)
app.command("export")(export_cmd.export)
app.command("rollover")(rollover_cmd.rollover_cmd)
app.command("serve")(serve_cmd.serve)


def main() -> None:
    app()
