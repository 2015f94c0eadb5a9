"""Where template and framework files are looked up: the bureau's own directories first, then the shipped ones.

``XLTEMPLATES_PATH`` (os.pathsep-separated) names the bureau's directories; each holds ``<id>.yaml`` templates and
a ``frameworks/`` directory of ``<id>.yaml`` indicator frameworks, like the shipped ``templates/``.
"""

from __future__ import annotations

import os
from pathlib import Path

TEMPLATE_DIR = Path(__file__).resolve().parent.parent / "templates"
ENV_PATH = "XLTEMPLATES_PATH"


def template_dirs() -> list[Path]:
    extra = [Path(p) for p in os.environ.get(ENV_PATH, "").split(os.pathsep) if p]
    return [*extra, TEMPLATE_DIR]


def framework_dirs() -> list[Path]:
    return [d / "frameworks" for d in template_dirs()]
