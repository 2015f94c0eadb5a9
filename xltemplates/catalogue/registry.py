"""Finding templates: by id in the registry, or a template file the bureau names on the command line.

Ids are looked up in the directories of ``XLTEMPLATES_PATH`` (os.pathsep-separated; a bureau's own forms)
and then in the shipped ``templates/``. A file found by id must declare that id (``id:`` = file name). Earlier
versions of a template are kept as ``<id>/<version>.yaml`` beside it, so returns issued before a correction are
read with the version they were issued with.

Two doors, for two kinds of caller: `get_template` takes what the bureau typed (an id, or a path to a
.yaml file); `registered_template` takes a value that came out of a returned workbook or the round
database, and accepts only a plain id found in the registry: a returned file never names a file to load.
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from ..errors import TemplateError
from ..form.model import Template
from ..form.paths import ENV_PATH as ENV_PATH  # re-exported: the registry is where callers look for the search path
from ..form.paths import TEMPLATE_DIR as TEMPLATE_DIR
from ..form.paths import template_dirs
from .load import load_template

#: What a template id may look like: letters, digits, '-' and '_' (no path separator, no dot, no space).
TEMPLATE_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9_-]{0,63}")


class UnknownTemplateId(TemplateError):
    """A plain template id that no directory of the search path holds."""

    def __init__(self, template_id: str) -> None:
        self.template_id = template_id
        super().__init__(template_id, "", f"unknown template id (known: {', '.join(shipped_ids())}; "
                                          f"searched: {search_path_text()})")


def search_path_text() -> str:
    """The directories searched for template ids, for messages."""
    return os.pathsep.join(str(d) for d in template_dirs())


def is_template_id(value: object) -> bool:
    return isinstance(value, str) and TEMPLATE_ID.fullmatch(value) is not None


def is_path(ref: str) -> bool:
    return ref.endswith((".yaml", ".yml")) or "/" in ref or os.sep in ref


def _registered_path(template_id: str) -> Path:
    for d in template_dirs():
        path = d / f"{template_id}.yaml"
        if path.is_file():
            return path
    raise UnknownTemplateId(template_id)


def shipped_ids() -> list[str]:
    """Every template id that can be used by name (the bureau's own first, then the shipped ones)."""
    return sorted({p.stem for d in template_dirs() if d.is_dir() for p in d.glob("*.yaml")})


def get_template(ref: str, context: Mapping[str, Any] | None = None) -> Template:
    """The template the bureau names: an id, or a path to a template file (command line only)."""
    if not is_path(ref):
        return registered_template(ref, context)
    return load_template(Path(ref), context)


def registered_template(template_id: str, context: Mapping[str, Any] | None = None,
                        version: str | None = None) -> Template:
    """The registry's template with this id; raises TemplateError for anything but a plain id and
    UnknownTemplateId when no directory of the search path holds it.

    `version` (a returned workbook's): when the current file has another version, the earlier one the
    registry keeps as ``<id>/<version>.yaml`` beside ``<id>.yaml`` (a template corrected mid-round keeps the
    version its outstanding returns were issued with); the current template when none is kept (the caller
    compares versions and refuses)."""
    if not is_template_id(template_id):
        raise TemplateError(repr(template_id)[:80], "", "not a template id (letters, digits, '-' and '_' only)")
    path = _registered_path(template_id)
    t = load_template(path, context)
    if t.id != template_id:
        raise TemplateError(str(path), "id", f"the file is found as '{template_id}' but declares id '{t.id}'")
    if version is None or version == t.version or not is_version(version):
        return t
    earlier = _earlier_path(template_id, version)
    if earlier is None:
        return t
    old = load_template(earlier, context)
    if old.id != template_id or old.version != version:
        raise TemplateError(str(earlier), "version", f"the file is kept as version '{version}' of '{template_id}' "
                                                     f"but declares '{old.id}' version '{old.version}'")
    return old


#: What a version kept in the registry may look like (it names a file: no separator, no leading dot).
VERSION = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,31}")


def is_version(value: object) -> bool:
    return isinstance(value, str) and VERSION.fullmatch(value) is not None and ".." not in value


def _earlier_path(template_id: str, version: str) -> Path | None:
    for d in template_dirs():
        path = d / template_id / f"{version}.yaml"
        if path.is_file():
            return path
    return None


def kept_versions(template_id: str) -> list[str]:
    """The earlier versions of a template the registry keeps (``<id>/<version>.yaml``), for messages."""
    return sorted({p.stem for d in template_dirs() if (d / template_id).is_dir() for p in (d / template_id).glob("*.yaml")})
