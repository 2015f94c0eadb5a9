"""xltemplates: budget-performance declaration rounds in Excel (see README.md).

Kept empty of imports on purpose: `import xltemplates` (and so every command's start-up) costs nothing beyond
what the command itself uses. ``__version__`` is read from the installed package's metadata when asked for.
"""

from __future__ import annotations

__all__ = ["__version__"]


def __getattr__(name: str) -> str:
    if name == "__version__":
        from importlib.metadata import PackageNotFoundError, version

        try:
            return version("xltemplates")
        except PackageNotFoundError:  # pragma: no cover - a source tree that was never installed
            return "0+unknown"
    raise AttributeError(f"module 'xltemplates' has no attribute {name!r}")
