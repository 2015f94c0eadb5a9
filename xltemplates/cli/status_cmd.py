"""`xltemplates status --db round.sqlite`: who has returned, whose return was rejected, totals."""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from ..excel import display_width
from ..findings.judgement import STATE_LABEL, STATES
from ..round.text import pad
from .common import reported
from .terminal import shown

if TYPE_CHECKING:
    from ..round.status import RoundStatus, UnitStatus


def _table(rows: list[UnitStatus]) -> list[str]:
    cells = [(shown(u.code), shown(u.name), u.text, shown(u.file or "")) for u in rows]
    w_code = max([display_width("单位编码"), *(display_width(c[0]) for c in cells)])
    w_name = max([display_width("单位名称"), *(display_width(c[1]) for c in cells)])
    w_text = max([display_width("状态"), *(display_width(c[2]) for c in cells)])
    lines = [f"{pad('单位编码', w_code)}  {pad('单位名称', w_name)}  {pad('状态', w_text)}  文件"]
    for code, name, text, file in cells:
        lines.append(f"{pad(code, w_code)}  {pad(name, w_name)}  {pad(text, w_text)}  {file}".rstrip())
    return lines


def render(st: RoundStatus) -> str:
    t = st.totals
    lines = _table(st.units)
    lines.append("")
    lines.append(f"合计 {t['units']} 个单位：" + "，".join(f"{STATE_LABEL[s]} {t[s]}" for s in STATES))
    if st.unlisted:
        lines.append(f"名单外单位 {len(st.unlisted)} 个：")
        lines.extend("  " + x for x in _table(st.unlisted)[1:])
    waiting = [(u, w) for u in (*st.units, *st.unlisted) for w in u.waiting]
    if waiting:
        lines.append(f"未计为单位报送的文件 {len(waiting)} 个（身份未核实，待财政局确认）：")
        lines.extend(f"  {u.code} {u.name}  {w['file']}\n    {w['code']} {w['message']}" for u, w in waiting)
    if st.unidentified:
        lines.append(f"无法确定所属单位的文件 {len(st.unidentified)} 个：")
        lines.extend(f"  {shown(u['file'])}  {u['text']}" for u in st.unidentified)
    return "\n".join(lines)


def status(
    db: Annotated[str, typer.Option(help="Round database: a SQLite file path, or a URL.")],
    roster: Annotated[Path | None, typer.Option(help="CSV with 单位编码,单位名称 (default: the stored roster).")] = None,
    json_out: Annotated[bool, typer.Option("--json", help="Machine-readable output on stdout.")] = False,
) -> None:
    """Per unit: not returned / rejected (n errors) / accepted with warnings / accepted, and totals."""
    from ..round.db import round_db
    from ..round.status import round_status
    from ..unit_files import read_roster

    with reported():
        units = read_roster(roster) if roster is not None else None
        with round_db(db, create=False) as engine, engine.connect() as conn:
            st = round_status(conn, units)
    if json_out:
        typer.echo(json.dumps(st.to_json(), ensure_ascii=False, indent=2))
    else:
        typer.echo(render(st))
