"""`xltemplates serve --db round.sqlite`: the web desk (townships hand in, the bureau watches the round)."""

from __future__ import annotations

import sys
from typing import Annotated, Any

import typer

from ..limits import MAX_UPLOAD_BYTES, MiB
from .common import fail, reported

MIN_PASSWORD = 10


def _password(name: str) -> str:
    """Prompted twice on a terminal; else the first line of stdin (for scripts: printf 'pw\\n' | ...)."""
    if sys.stdin.isatty():
        password: str = typer.prompt(f"password for {name}", hide_input=True, confirmation_prompt=True)
    else:
        password = sys.stdin.readline().rstrip("\r\n")
    if len(password) < MIN_PASSWORD:
        raise fail(f"error: the password must have at least {MIN_PASSWORD} characters")
    return password


def _link_base(engine: Any) -> str | None:
    from ..round.desk_settings import link_base

    with engine.connect() as conn:
        return link_base(conn)


def serve(
    db: Annotated[str, typer.Option(help="Round database: a SQLite file path, or a URL (postgresql+psycopg://...).")],
    host: Annotated[str, typer.Option(help="Address to listen on (default: this machine only; see docs/web-desk.md).")]
    = "127.0.0.1",
    port: Annotated[int, typer.Option(min=1, max=65535, help="Port to listen on.")] = 8000,
    add_user: Annotated[str | None, typer.Option(
        "--add-user", metavar="NAME",
        help="Create a bureau user (or give it a new password) and exit; the password is prompted, or read from stdin.")]
    = None,
    jobs: Annotated[int | None, typer.Option(min=1, help="Worker processes checking uploads (default: all cores).")] = None,
    max_upload_mb: Annotated[int, typer.Option(min=1, max=100, help="Largest upload accepted, in MB.")]
    = MAX_UPLOAD_BYTES // MiB,
    behind_proxy: Annotated[bool, typer.Option(
        "--behind-proxy", help="Trust X-Forwarded-Proto/For from a reverse proxy on this machine (https cookies).")]
    = False,
    max_connections: Annotated[int, typer.Option(
        min=10, help="Open connections at most (more are closed at once; see docs/web-desk.md).")] = 1000,
) -> None:
    """Serve the web desk: each unit's page (by its link) and the bureau's pages (login).

    Example: xltemplates serve --db round-2025.sqlite
    """
    try:
        import uvicorn

        from ..web import DeskConfig, create_app
        from ..web.server import server_config
        from ..web.users import add_user as store_user
        from ..web.users import valid_name
    except ImportError as exc:  # the optional extra is not installed
        raise fail(f"error: the web desk needs its extra: pip install 'xltemplates[web]' ({exc.name} is missing)") from None
    import sqlalchemy as sa

    from ..round.db import open_db, round_db
    from ..trust.keys import load_keyring

    if add_user is not None:
        if not valid_name(add_user):
            raise fail("error: a user name is 1-64 printable characters without surrounding spaces")
        password = _password(add_user)
        with reported():
            with round_db(db) as engine:
                new = store_user(engine, add_user, password)
        typer.echo(f"{'added' if new else 'updated the password of'} user {add_user}")
        return
    # everything the desk needs is checked before it listens: a bad key file or database stops it here with
    # one line, as check and collect do, instead of a desk that answers every upload with an error page
    with reported():
        keyring = load_keyring()
        engine = open_db(db, create=False)
    config = DeskConfig(max_upload=max_upload_mb * MiB, **({"jobs": jobs} if jobs else {}))
    try:
        app = create_app(engine, config)  # reads (or makes) the desk's signing key in the database
    except BaseException as exc:
        engine.dispose()
        if isinstance(exc, sa.exc.DBAPIError):
            raise fail(f"error: cannot use the round database {db}: {exc.orig}") from None
        raise
    try:
        app.state.desk.pool.start()
        typer.echo(f"web desk on http://{host}:{port}/ (bureau: /login; units: the links in manifest.csv and "
                   "填报链接发送清单.xlsx)", err=True)
        typer.echo(f"units' links start with {_link_base(engine) or '(not recorded: generate --link-base)'}/u/",
                   err=True)
        if keyring is None:
            typer.echo("warning: no identity key (XLTEMPLATES_KEY or the default key file): no upload can be "
                       "verified, so every 正式报送 is refused; start serve where the bureau's key is", err=True)
        uvicorn.Server(server_config(app, host, port, behind_proxy, max_connections)).run()
    finally:
        app.state.desk.close()
        engine.dispose()
