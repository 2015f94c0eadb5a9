"""Indicator frameworks as data (frameworks/*.yaml): the 一级 -> 二级 cascade, which 一级 are required, the
spellings real forms use (aliases), and where rows carried over from another framework go (moves).

Frameworks are looked up like templates: in each ``XLTEMPLATES_PATH`` directory's ``frameworks/``, then in the
shipped ``templates/frameworks/`` (spec/paths.py).
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from pathlib import Path

import yaml

from ..errors import TemplateError
from .paths import framework_dirs


@dataclass(frozen=True, slots=True)
class Framework:
    id: str
    title: str
    levels: dict[str, tuple[str, ...]]  # 一级 -> its 二级
    required: tuple[str, ...]
    aliases: dict[str, str]  # a 二级 as real forms spell it -> this framework's 二级
    moves: dict[tuple[str, str], tuple[str, str]]  # another framework's (一级, 二级) -> this one's

    def place(self, level1: str, level2: str) -> tuple[str, str] | None:
        """Where a row of another framework goes in this one: its declared move, else the one 一级 that holds its
        二级; None when it already fits, or nothing says where."""
        if level2 in self.levels.get(level1, ()):
            return None
        if (level1, level2) in self.moves:
            return self.moves[(level1, level2)]
        holders = [l1 for l1, l2s in self.levels.items() if level2 in l2s]
        return (holders[0], level2) if len(holders) == 1 else None


def framework_ids() -> list[str]:
    return sorted({p.stem for d in framework_dirs() if d.is_dir() for p in d.glob("*.yaml")})


def framework_path(name: str) -> Path:
    """The file of framework `name`; only a name listed by framework_ids() is looked up (a name may come from a
    returned workbook's identity, and must never become a path of its own)."""
    for d in framework_dirs() if name in framework_ids() else []:
        path = d / f"{name}.yaml"
        if path.is_file():
            return path
    raise TemplateError(f"frameworks/{name}.yaml", "", f"unknown framework '{name}' (known: {', '.join(framework_ids())})")


def load_framework(name: str) -> Framework:
    path = framework_path(name)
    return _load(str(path), path.stat().st_mtime, name)


@cache
def _load(path: str, mtime: float, name: str) -> Framework:
    raw = yaml.safe_load(Path(path).read_text(encoding="utf-8"))
    try:
        levels = {str(k): tuple(str(x) for x in v) for k, v in raw["levels"].items()}
        required = tuple(str(x) for x in raw.get("required", list(levels)))
        aliases = {str(k): str(v) for k, v in (raw.get("aliases") or {}).items()}
        moves = {_pair(path, k): _pair(path, v) for k, v in (raw.get("moves") or {}).items()}
    except (KeyError, AttributeError, TypeError) as exc:
        raise TemplateError(path, "levels", f"malformed framework ({exc})") from exc
    for r in required:
        if r not in levels:
            raise TemplateError(path, "required", f"'{r}' is not a 一级 of this framework")
    for alias, l2 in aliases.items():
        if not any(l2 in v for v in levels.values()):
            raise TemplateError(path, f"aliases.{alias}", f"'{l2}' is not a 二级 of this framework")
    for (a, b), (l1, l2) in moves.items():
        if l2 not in levels.get(l1, ()):
            raise TemplateError(path, f"moves.{a}/{b}", f"'{l1}/{l2}' is not a 一级/二级 of this framework")
    return Framework(str(raw.get("id", name)), str(raw.get("title", name)), levels, required, aliases, moves)


def _pair(path: str, text: object) -> tuple[str, str]:
    level1, sep, level2 = str(text).partition("/")
    if not sep or not level1 or not level2:
        raise TemplateError(path, "moves", f"expected 一级/二级, got {text!r}")
    return level1, level2
