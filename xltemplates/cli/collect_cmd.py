"""`xltemplates collect DIR|ZIP --db round.sqlite`: check every returned file and store it in the round DB."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from ..findings.judgement import VERDICT_LABEL
from .common import reported
from .terminal import shown

if TYPE_CHECKING:
    from ..round.collect import CollectSummary


def _some(names: list[str], n: int = 10) -> str:
    return "、".join(shown(x) for x in names[:n]) + ("……" if len(names) > n else "")


def summary_text(s: CollectSummary) -> str:
    verdicts = "，".join(f"{VERDICT_LABEL[v]} {s.verdicts[v]}" for v in VERDICT_LABEL if s.verdicts[v])
    lines = [f"{s.files} 个文件：新导入 {s.stored}" + (f"（{verdicts}）" if verdicts else "")
             + f"，已导入过 {s.duplicates}" + (f"，处理失败 {len(s.failed)}" if s.failed else "")]
    if s.unidentified:
        lines.append(f"无法确定所属单位的文件 {len(s.unidentified)} 个：" + _some(s.unidentified))
    if s.annotated:
        lines.append(f"批注版 {len(s.annotated)} 份：" + _some(s.annotated))
    for name, why in s.failed:
        lines.append(f"处理失败（已记为无法读取，下次运行会重试）：{shown(name)}: {shown(why)}")
    return "\n".join(lines)


def collect_cmd(
    source: Annotated[Path, typer.Argument(help="Directory of returned workbooks (searched recursively) or a .zip.")],
    db: Annotated[str, typer.Option(help="Round database: a SQLite file path, or a URL (postgresql://...).")],
    roster: Annotated[Path | None, typer.Option(help="CSV with 单位编码,单位名称; replaces the stored roster.")] = None,
    template: Annotated[str | None, typer.Option(help="Expect this template id.")] = None,
    year: Annotated[int | None, typer.Option(help="Expect this fiscal year.")] = None,
    jobs: Annotated[int | None, typer.Option(min=1, help="Worker processes (default: all cores; 1 = serial).")] = None,
    annotate_dir: Annotated[Path | None, typer.Option(help="Write an annotated copy for every rejected unit here.")] = None,
    convert: Annotated[bool, typer.Option(
        "--convert", help="Read .xls/.ods returns by converting them to .xlsx with LibreOffice (soffice) first.")] = False,
) -> None:
    """Check every returned file and store it: one transaction per file; a file already stored is skipped."""
    from ..reader.identify import Expect
    from ..round.collect import Collection, CollectOptions
    from ..round.db import round_db
    from ..round.sources import Inbox
    from ..unit_files import read_roster

    with reported():
        units = read_roster(roster) if roster is not None else None
        inbox = Inbox(source)
        with round_db(db) as engine, typer.progressbar(length=len(inbox), label="collecting", file=sys.stderr) as bar:
            options = CollectOptions(Expect(template=template, year=year), jobs, annotate_dir, convert)
            summary = Collection(engine, options).run(inbox, units, on_file=lambda _name, _outcome: bar.update(1))
    typer.echo(summary_text(summary))
    if summary.failed:
        raise typer.Exit(1)
