"""Shared CLI plumbing: turning our exceptions into messages and exit codes."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import typer

from ..errors import DataError, FindingsError, XltError
from .terminal import shown

EXIT_USAGE = 2
DEFAULT_LINK_BASE = "http://127.0.0.1:8000"
"""Where `xltemplates serve` listens by default: the base of the web-desk links in manifest.csv."""


def fail(message: str, code: int = EXIT_USAGE) -> typer.Exit:
    typer.echo(message, err=True)
    return typer.Exit(code)


@contextmanager
def reported() -> Iterator[None]:
    """Print an XltError as one readable block on stderr and exit 2 (no traceback); what it quotes from a
    file is shown, never obeyed (terminal.shown)."""
    try:
        yield
    except DataError as exc:
        typer.echo("error: the data does not fit the template:", err=True)
        for path, msg in exc.problems:
            typer.echo(f"  {shown(path)}: {shown(msg)}", err=True)
        raise typer.Exit(EXIT_USAGE) from None
    except FindingsError as exc:
        typer.echo("error: the data breaks the template's rules (use --allow-findings to generate anyway):", err=True)
        for f in exc.findings:
            typer.echo(f"  {f.code} {shown(f.message)}", err=True)
        raise typer.Exit(EXIT_USAGE) from None
    except XltError as exc:
        typer.echo(f"error: {shown(exc)}", err=True)
        raise typer.Exit(EXIT_USAGE) from None


def parse_sets(items: list[str] | None) -> dict[str, str]:
    """--set key=value pairs for the template context."""
    out: dict[str, str] = {}
    for item in items or []:
        key, sep, value = item.partition("=")
        if not sep or not key.strip().isidentifier():
            raise fail(f"error: --set expects key=value with an identifier key, got {item!r}")
        out[key.strip()] = value
    return out
