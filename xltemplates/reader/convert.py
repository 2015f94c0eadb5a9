"""Opt-in: an old .xls or an .ods return converted to .xlsx by a headless LibreOffice (the one module running soffice).

Townships send what WPS or an old Excel saves by default. ``check --convert`` / ``collect --convert`` hand
such a file to ``soffice --headless --convert-to xlsx`` and read the result with the normal reader, guards
first; without the flag nothing here runs. Which files qualify is decided by reader/guards.py from the
bytes (never an encrypted one); this module only runs the converter, and keeps it contained:

- the bytes go into a fresh temp dir under a fixed ASCII name (the user's file and its name never reach
  the command line), with the input filter named, so soffice cannot guess "plain text" for a damaged file;
- every call gets its own LibreOffice profile (``-env:UserInstallation``), so parallel collect workers
  and a clerk's running LibreOffice never share one;
- soffice runs in its own process group, killed as a whole on timeout and after it exits (oosplash can
  return before soffice.bin has gone);
- soffice exits 0 even when it could not load or save, so success is judged by the output file alone.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import tempfile
from pathlib import Path
from typing import Literal

from ..errors import XltError
from ..limits import MAX_FILE_BYTES, MiB

SOFFICE_ENV = "XLTEMPLATES_SOFFICE"
"""Path (or command name) of soffice, when it is not on PATH as soffice/libreoffice."""
TIMEOUT = 60.0
"""Seconds per file. A form converts in about one second, the first start of a fresh profile included."""
IN_FILTERS = {"xls": "MS Excel 97", "ods": "calc8"}
OUT_FILTER = "Calc MS Excel 2007 XML"

Format = Literal["xls", "ods"]


class ConversionError(XltError):
    """LibreOffice is missing, failed or timed out; the message is a short Chinese reason for the finding."""


def soffice() -> str:
    """The soffice to run: $XLTEMPLATES_SOFFICE if set, else soffice or libreoffice on PATH."""
    configured = os.environ.get(SOFFICE_ENV)
    if configured:
        found = shutil.which(configured)
        if found is None:
            raise ConversionError(f"未找到 LibreOffice：{SOFFICE_ENV}={configured} 不存在或不可执行")
        return found
    found = shutil.which("soffice") or shutil.which("libreoffice")
    if found is None:
        raise ConversionError(f"未找到 LibreOffice 程序 soffice，请安装 LibreOffice 或设置 {SOFFICE_ENV}")
    return found


def to_xlsx(content: bytes, fmt: Format, timeout: float = TIMEOUT) -> bytes:
    """The .xlsx LibreOffice saves from `content` (an .xls or .ods); ConversionError when there is none."""
    if fmt not in IN_FILTERS:
        raise ValueError(f"fmt must be in {tuple(IN_FILTERS)} (got {fmt!r})")
    if len(content) > MAX_FILE_BYTES:  # the reader's own ceiling: a larger file is not worth a LibreOffice run
        raise ConversionError(f"文件过大：{len(content) / MiB:.0f} MiB，上限 {MAX_FILE_BYTES // MiB} MiB")
    exe = soffice()
    with tempfile.TemporaryDirectory(prefix="xlt-convert-") as tmp:
        work = Path(tmp)
        src, out_dir = work / "in" / f"returned.{fmt}", work / "out"
        src.parent.mkdir()
        src.write_bytes(content)
        cmd = [exe, "--headless", "--invisible", "--nologo", "--norestore", "--nolockcheck", "--nodefault",
               f"-env:UserInstallation={(work / 'profile').as_uri()}", f"--infilter={IN_FILTERS[fmt]}",
               "--convert-to", f"xlsx:{OUT_FILTER}", "--outdir", str(out_dir), str(src)]
        returncode, stderr = _run(cmd, timeout)
        out = out_dir / "returned.xlsx"
        if not out.is_file() or out.stat().st_size == 0:
            raise ConversionError(f"LibreOffice 未能转换该文件：{_detail(stderr, returncode)}")
        return out.read_bytes()


def _run(cmd: list[str], timeout: float) -> tuple[int, str]:
    """Run `cmd` in a process group of its own; (exit code, stderr). The group is killed whatever happens."""
    try:
        proc = subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                                start_new_session=True)
    except OSError as exc:
        raise ConversionError(f"无法启动 LibreOffice：{exc.strerror or exc}") from None
    try:
        _, err = proc.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        _kill_group(proc.pid)
        proc.communicate()
        raise ConversionError(f"LibreOffice 转换超时：超过 {timeout:g} 秒") from None
    finally:
        _kill_group(proc.pid)
    return proc.returncode, err.decode("utf-8", "replace")


def _kill_group(pgid: int) -> None:
    try:
        os.killpg(pgid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        pass  # already gone


def _detail(stderr: str, returncode: int) -> str:
    """soffice's own complaint ("Error: source file could not be loaded"), else its exit code."""
    lines = [ln.strip() for ln in stderr.splitlines() if ln.strip() and "javaldx" not in ln]
    errors = [ln for ln in lines if ln.lower().startswith("error")]
    text = (errors or lines or [f"退出码 {returncode}，未生成 .xlsx 文件"])[-1]
    return text[:200]
