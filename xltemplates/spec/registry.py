"""Finding shipped templates by id (templates/<id>.yaml), or a template file given by path."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from ..errors import TemplateError
from .load import load_template
from .model import Template

TEMPLATE_DIR = Path(__file__).resolve().parent.parent / "templates"


def template_path(ref: str) -> Path:
    """`ref` is a shipped template id (dept-overall) or a path to a .yaml file."""
    if ref.endswith((".yaml", ".yml")) or "/" in ref:
        return Path(ref)
    path = TEMPLATE_DIR / f"{ref}.yaml"
    if not path.is_file():
        raise TemplateError(ref, "", f"unknown template id (shipped: {', '.join(shipped_ids())})")
    return path


def shipped_ids() -> list[str]:
    return sorted(p.stem for p in TEMPLATE_DIR.glob("*.yaml"))


def get_template(ref: str, context: Mapping[str, Any] | None = None) -> Template:
    return load_template(template_path(ref), context)
