"""Hostile inputs for the trust tests, built in the test: re-zipped packages and runs under a memory limit.

Not a test module. ``rezip`` rewrites a package member by member; ``issued`` is a clean workbook of ours
to start from; ``run_cli`` runs ``xltemplates`` in a child process whose address space is capped with
``resource.setrlimit(RLIMIT_AS)``, so a file that makes the checker balloon fails the run (MemoryError or
a kill) instead of swapping the test machine.
"""

from __future__ import annotations

import io
import resource
import subprocess
import sys
import zipfile
from collections.abc import Callable

from returned import DEPT, context

from xltemplates.writer.generate import generate_bytes

MiB = 1024 * 1024
MEMORY_LIMIT = 768 * MiB
"""Address space for one CLI run: Python with our imports reserves ~250 MiB; a check needs a few dozen."""

Edit = Callable[[str, bytes], bytes | None]


def rezip(data: bytes, edit: Edit, compression: int = zipfile.ZIP_DEFLATED) -> bytes:
    """`data` with each member's body replaced by edit(name, body); None drops the member."""
    buf = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as src, zipfile.ZipFile(buf, "w", compression) as dst:
        for info in src.infolist():
            body = edit(info.filename, src.read(info))
            if body is not None:
                dst.writestr(info.filename, body)
    return buf.getvalue()


def replace_in(part: str, old: bytes, new: bytes) -> Edit:
    """An edit replacing `old` by `new` in one member, which must contain it."""
    def edit(name: str, body: bytes) -> bytes:
        if name != part:
            return body
        assert old in body, f"{old!r} not in {part}"
        return body.replace(old, new)
    return edit


def issued(template_id: str = DEPT) -> bytes:
    """A clean workbook as the bureau sends it (xlsxwriter: shared strings, one sheet part per sheet)."""
    return generate_bytes(template_id, context(), None, allow_findings=True).content


def _limit_memory() -> None:
    resource.setrlimit(resource.RLIMIT_AS, (MEMORY_LIMIT, MEMORY_LIMIT))


def run_cli(*args: str, timeout: float = 120) -> subprocess.CompletedProcess[str]:
    """`xltemplates *args` in a child process with MEMORY_LIMIT of address space."""
    cmd = [sys.executable, "-c", "from xltemplates.cli import main; main()", *args]
    return subprocess.run(cmd, capture_output=True, text=True, timeout=timeout, preexec_fn=_limit_memory,
                          check=False)
