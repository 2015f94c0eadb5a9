"""`xltemplates key init|rotate|show`: the bureau's identity key, which signs every workbook it issues."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from ..trust.keys import ENV_KEY_FILE, Keyring, default_key_file, init_key, require_keyring, rotate_key
from .common import reported

app = typer.Typer(help="The bureau's identity key: create it once, back it up, rotate it (docs/identity-key.md).",
                  no_args_is_help=True)

KeyFile = Annotated[Path | None, typer.Option(
    "--key-file", help=f"The key file (default: ${ENV_KEY_FILE}, else identity.key in the user's config directory).")]


def _describe(ring: Keyring) -> str:
    lines = [f"key file: {ring.path}"]
    for i, k in enumerate(ring.keys):
        role = "signs and verifies" if i == len(ring.keys) - 1 else "verifies"
        lines.append(f"  {k.kid}  created {k.created}  ({role})")
    return "\n".join(lines)


@app.command("init")
def init(key_file: KeyFile = None) -> None:
    """Create the key (once per bureau); refuses to overwrite one. Then back the file up.

    Example: xltemplates key init --key-file /secure/xltemplates.key
    """
    with reported():
        ring = init_key(key_file)
    typer.echo(_describe(ring))
    typer.echo("Back this file up now (it cannot be recreated; without it, returns cannot be verified). "
               "Keep it out of the returns folder and the round database.")


@app.command("rotate")
def rotate(key_file: KeyFile = None) -> None:
    """Add a new key that signs from now on; older keys stay and keep verifying workbooks already out."""
    with reported():
        ring = rotate_key(key_file)
    typer.echo(_describe(ring))
    typer.echo("Back the file up again: it now holds the new key.")


@app.command("show")
def show(key_file: KeyFile = None) -> None:
    """Where the key file is and which keys it holds (ids and dates, never the secrets)."""
    with reported():
        ring = require_keyring(key_file if key_file is not None else default_key_file())
    typer.echo(_describe(ring))
