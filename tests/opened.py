"""What a test helper opens for the length of one test (a desk's client and its lifespan, an engine): entered
here, and closed by conftest.py when the test ends, however it ends. Not a test module."""

from __future__ import annotations

from contextlib import AbstractContextManager, ExitStack
from typing import TypeVar

T = TypeVar("T")

_open = ExitStack()


def for_this_test(cm: AbstractContextManager[T]) -> T:
    """`cm` entered now and exited at the end of the running test."""
    return _open.enter_context(cm)


def close_all() -> None:
    _open.close()
