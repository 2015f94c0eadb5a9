"""Indicator frameworks as data (templates/frameworks/*.yaml): the 一级 -> 二级 cascade and which 一级 are required."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from pathlib import Path

import yaml

from ..errors import TemplateError

FRAMEWORK_DIR = Path(__file__).resolve().parent.parent / "templates" / "frameworks"


@dataclass(frozen=True, slots=True)
class Framework:
    id: str
    title: str
    levels: dict[str, tuple[str, ...]]  # 一级 -> its 二级
    required: tuple[str, ...]
    aliases: dict[str, str]


def framework_ids() -> list[str]:
    return sorted(p.stem for p in FRAMEWORK_DIR.glob("*.yaml"))


@cache
def load_framework(name: str) -> Framework:
    path = FRAMEWORK_DIR / f"{name}.yaml"
    if name not in framework_ids():
        raise TemplateError(str(path), "", f"unknown framework '{name}' (known: {', '.join(framework_ids())})")
    raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    try:
        levels = {str(k): tuple(str(x) for x in v) for k, v in raw["levels"].items()}
        required = tuple(str(x) for x in raw.get("required", list(levels)))
        aliases = {str(k): str(v) for k, v in (raw.get("aliases") or {}).items()}
    except (KeyError, AttributeError, TypeError) as exc:
        raise TemplateError(str(path), "levels", f"malformed framework ({exc})") from exc
    for r in required:
        if r not in levels:
            raise TemplateError(str(path), "required", f"'{r}' is not a 一级 of this framework")
    return Framework(str(raw.get("id", name)), str(raw.get("title", name)), levels, required, aliases)
