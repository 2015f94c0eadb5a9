"""The `xltemplates` command line: one module per command, no business logic here."""

from __future__ import annotations

import typer

from . import generate_cmd, key_cmd, templates_cmd

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

try:
    from . import check_cmd
except ImportError:  # pragma: no cover - the reader is optional while it is being built
    check_cmd = None  # type: ignore[assignment]
else:
    app.command("check")(check_cmd.check)

from . import collect_cmd, export_cmd, rollover_cmd, status_cmd  # noqa: E402 - the collection round (issue 6)

app.command("collect")(collect_cmd.collect_cmd)
app.command("status")(status_cmd.status)
app.command("export")(export_cmd.export)
app.command("rollover")(rollover_cmd.rollover_cmd)

from . import serve_cmd  # noqa: E402 - imports the web desk (an optional extra) only when run

app.command("serve")(serve_cmd.serve)


def main() -> None:
    app()
