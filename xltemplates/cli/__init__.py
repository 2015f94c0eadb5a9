"""The `xltemplates` command line: one module per command, no business logic here.

Start-up matters (a clerk-facing `check` of one file should cost little more than Python itself): the
command modules import only typer and the standard library at the top, and what a command needs inside
its function, so `check` never loads SQLAlchemy nor xlsxwriter, and `--help` loads neither.
"""

from __future__ import annotations

import sys
from typing import Annotated, TextIO

import typer

# serve_cmd imports the web desk (an optional extra) inside the command, only when it runs.
from . import (
    check_cmd,
    collect_cmd,
    export_cmd,
    generate_cmd,
    infer_cmd,
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


def _configure_logging(verbose: bool) -> None:
    """--verbose: DEBUG records (the traceback of an E-READ-FAILED) to stderr. Without it nothing is set up,
    so `logging` is not even imported, unless a caller already did (then it goes back to WARNING)."""
    if not verbose and "logging" not in sys.modules:
        return
    import logging

    class StderrHandler(logging.StreamHandler):  # type: ignore[type-arg]
        """Log records to whatever sys.stderr is when they are emitted (a test runner swaps it per run)."""

        @property
        def stream(self) -> TextIO:
            return sys.stderr

        @stream.setter
        def stream(self, _value: object) -> None:
            pass

    handler = StderrHandler()
    handler.setFormatter(logging.Formatter("%(levelname)s %(name)s: %(message)s"))
    logging.basicConfig(level=logging.DEBUG if verbose else logging.WARNING, handlers=[handler], force=True)


def _version(value: bool) -> None:
    if value:
        from .. import __version__

        typer.echo(f"xltemplates {__version__}")
        raise typer.Exit()


@app.callback()
def main_options(
    verbose: Annotated[bool, typer.Option(
        "--verbose", "-v", help="Log what happens, with the traceback of any file our reader failed on (E-READ-FAILED).")
    ] = False,
    version: Annotated[bool | None, typer.Option(
        "--version", callback=_version, is_eager=True, help="Print the version and exit.")] = None,
) -> None:
    """Options for every command: xltemplates [--verbose] COMMAND ..."""
    _configure_logging(verbose)


app.add_typer(templates_cmd.app, name="templates")
app.command("infer")(infer_cmd.infer)
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
