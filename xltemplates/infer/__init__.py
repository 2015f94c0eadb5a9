"""`xltemplates infer`: a template file from a province's official form (an .xlsx made by someone else).

It reads the form's look (source.py), tells what each cell is by the colour convention (roles.py), finds the
indicator table and lays everything else out as grid rows (build.py), and writes YAML whose comments say what
it guessed and what it could not (rules, above all). The result loads, generates a look-alike workbook and
reads it back; a bureau then reviews it and adds its rules.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from .build import Notes, infer_sheet, styles
from .source import read_official


@dataclass(frozen=True, slots=True)
class Inferred:
    template: dict[str, Any]  # the template file's mapping
    text: str  # the YAML written, comments first
    guessed: tuple[str, ...]
    missing: tuple[str, ...]


def _id_from(path: Path) -> str:
    stem = "".join(ch if ch.isascii() and (ch.isalnum() or ch in "-_") else "-" for ch in path.stem).strip("-_")
    return (stem or "inferred")[:60].lower()


def infer(path: str | Path, template_id: str | None = None) -> Inferred:
    """The template inferred from the official workbook at `path` (ReadError when it cannot be read)."""
    src = Path(path)
    sheets = [s for s in read_official(src) if s.state == "visible"]
    notes = Notes()
    body = [infer_sheet(s, notes) for s in sheets]
    title = _title(body) or src.stem
    raw: dict[str, Any] = {"id": template_id or _id_from(src), "version": "1.0", "title": title,
                           "description": f"由 {src.name} 推断（xltemplates infer），请核对后使用"}
    framework = notes.framework
    if framework:
        raw["framework"] = framework
    lists = {name: {"values": list(values)} for values, name in notes.lists.items()
             if not (framework and name in ("level1", "level2"))}
    used = _used_lists(body)
    lists = {k: v for k, v in lists.items() if k in used}
    if lists:
        raw["lists"] = lists
    look = styles(notes)
    if look:
        raw["styles"] = look
    raw["sheets"] = body
    notes.missing.append("rules: none inferred (sums, totals, cumulative plans, date order …): add them under rules:")
    text = _comments(src, notes) + yaml.dump(raw, Dumper=_Dumper, allow_unicode=True, sort_keys=False, width=120)
    return Inferred(raw, text, tuple(notes.guessed), tuple(notes.missing))


class _Dumper(yaml.SafeDumper):
    """Short lists of plain values (widths, a list's values, preset_locked) on one line, as templates are written."""


def _seq(dumper: yaml.SafeDumper, data: list[Any]) -> yaml.Node:
    flow = all(not isinstance(v, (dict, list)) for v in data) and len(data) <= 12
    return dumper.represent_sequence("tag:yaml.org,2002:seq", data, flow_style=flow)


_Dumper.add_representer(list, _seq)


def _used_lists(body: list[dict[str, Any]]) -> set[str]:
    out: set[str] = set()

    def walk(node: object) -> None:
        if isinstance(node, dict):
            if isinstance(node.get("list"), str):
                out.add(node["list"])
            for v in node.values():
                walk(v)
        elif isinstance(node, list):
            for v in node:
                walk(v)
    walk(body)
    return out


def _title(body: list[dict[str, Any]]) -> str | None:
    for sheet in body:
        for block in sheet["blocks"]:
            for row in block.get("grid", []):
                for cell in row["cells"]:
                    if cell.get("role") == "title":
                        text = str(cell["text"]).replace("{{ year }}年度", "").replace("{{ year }}年", "")
                        return text.replace("{{ year }}", "").strip("（）() ") or None
    return None


def _comments(src: Path, notes: Notes) -> str:
    lines = [f"# Inferred by `xltemplates infer` from {src.name}. Review it before a round:",
             "#   xltemplates templates show THIS.yaml; xltemplates generate THIS.yaml ... ; compare with the original.",
             "#", "# Guessed:"]
    lines += [f"#   - {g}" for g in notes.guessed] or ["#   (nothing beyond the colour convention)"]
    lines += ["#", "# Could not infer:"]
    lines += [f"#   - {m}" for m in notes.missing]
    return "\n".join(lines) + "\n\n"


__all__ = ["Inferred", "infer"]
