"""Finding templates by id, or a template file given by path.

Ids are looked up in the directories of ``XLTEMPLATES_PATH`` (os.pathsep-separated; a bureau's own forms)
and then in the shipped ``templates/``. A file found by id must declare that id (``id:`` = file name).
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from ..errors import TemplateError
from .load import load_template
from .model import Template

TEMPLATE_DIR = Path(__file__).resolve().parent.parent / "templates"
ENV_PATH = "XLTEMPLATES_PATH"


def template_dirs() -> list[Path]:
    extra = [Path(p) for p in os.environ.get(ENV_PATH, "").split(os.pathsep) if p]
    return [*extra, TEMPLATE_DIR]


def is_path(ref: str) -> bool:
    return ref.endswith((".yaml", ".yml")) or "/" in ref or os.sep in ref


def template_path(ref: str) -> Path:
    """`ref` is a template id (dept-overall) or a path to a .yaml file."""
    if is_path(ref):
        return Path(ref)
    for d in template_dirs():
        path = d / f"{ref}.yaml"
        if path.is_file():
            return path
    raise TemplateError(ref, "", f"unknown template id (known: {', '.join(shipped_ids())})")


def shipped_ids() -> list[str]:
    """Every template id that can be used by name (the bureau's own first, then the shipped ones)."""
    return sorted({p.stem for d in template_dirs() if d.is_dir() for p in d.glob("*.yaml")})


def get_template(ref: str, context: Mapping[str, Any] | None = None) -> Template:
    path = template_path(ref)
    t = load_template(path, context)
    if not is_path(ref) and t.id != ref:
        raise TemplateError(str(path), "id", f"the file is found as '{ref}' but declares id '{t.id}'")
    return t
