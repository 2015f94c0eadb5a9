"""The Jinja2 environment the desk's pages are rendered with: one per process, the server's and each check
worker's (the worker draws the verdict's sheets itself, so the server only places the finished HTML).

Autoescaping is on for every template: workbook text is always escaped, whoever renders it.
"""

from __future__ import annotations

from functools import cache

import jinja2

from .views import local_time


@cache
def page_env() -> jinja2.Environment:
    env = jinja2.Environment(loader=jinja2.PackageLoader("xltemplates.web", "templates"),
                             autoescape=True, undefined=jinja2.StrictUndefined)
    env.filters["when"] = local_time
    return env
