"""LibreOffice as the real client in tests: headless conversion, and clerk-style edits through UNO.

Not a test module. ``convert`` re-saves a workbook as xlsx/xls/ods the way a clerk's "Save as" would;
``edit`` opens one, applies ops (see tests/uno_edit.py) and saves it; ``invalid_cells`` lists the cells
LibreOffice's own data validation rejects. Every soffice gets its own profile dir (and, for UNO, its own
pipe) and works on a private copy of the source, so tests can run in parallel; each runs in its own
process group, so nothing outlives a call, not even on a timeout. A missing soffice is an error, never a
skip: .ci/run installs it.

Ops are JSON-serialisable dicts, applied in order (rows are 1-based, as Excel shows them)::

    {"op": "set", "sheet": S, "cell": "E12", "value": "x"}      # string; "number": 1.5 for a number,
                                                                 # "formula": "=1+1" for a formula
    {"op": "clear", "sheet": S, "cell": "E12"}                   # contents only, like the Delete key
    {"op": "insert_rows", "sheet": S, "row": 12, "count": 1}     # "insert above row 12"
    {"op": "delete_rows", "sheet": S, "row": 12, "count": 1}
    {"op": "merge" | "unmerge", "sheet": S, "range": "A10:A14"}
    {"op": "copy_row", "sheet": S, "from": 12, "to": 13}         # content + format of the whole row
    {"op": "unprotect" | "protect", "sheet": S}
    {"op": "find_invalid", "sheet": S}                           # see invalid_cells()
    {"op": "heights", "sheet": S, "rows": [12, 13]}             # see row_heights()

Protection never stops an op. Structural ops (rows, merges, copy_row) and find_invalid run with the
sheet unprotected and re-protected afterwards (LibreOffice keeps the protection options), unless an
``unprotect`` op came first; then the sheet stays unprotected. ``"keep_protection": true`` on a
structural op runs it on the protected sheet as is, which LibreOffice handles differently: a row
inserted inside a merged range drops that merge instead of growing it.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import tempfile
from pathlib import Path
from typing import Any

FILTERS = {"xlsx": "Calc MS Excel 2007 XML", "xls": "MS Excel 97", "ods": "calc8", "pdf": "calc_pdf_Export"}
SYSTEM_PYTHON = "/usr/bin/python3"
UNO_SCRIPT = Path(__file__).with_name("uno_edit.py")
CONVERT_TIMEOUT = 120.0
EDIT_TIMEOUT = 120.0
INSTALL_HINT = "apt-get install -y libreoffice-calc-nogui python3-uno (or run .ci/run)"


class LibreOfficeError(RuntimeError):
    """soffice is missing, failed, timed out or produced no output."""


def soffice() -> str:
    """The soffice executable, or a LibreOfficeError saying how to install it."""
    if "libreoffice" in os.environ.get("XLT_TEST_LEFT_OUT", "").split(","):  # set by conftest.py
        raise LibreOfficeError("this run leaves LibreOffice out (-m 'not libreoffice'): mark the test that needs it "
                               "@pytest.mark.libreoffice")
    path = shutil.which("soffice") or shutil.which("libreoffice")
    if path is None:
        raise LibreOfficeError(f"soffice not found on PATH; install LibreOffice: {INSTALL_HINT}")
    return path


def version() -> str:
    out = subprocess.run([soffice(), "--version"], capture_output=True, text=True, timeout=60, check=False)
    return out.stdout.strip()


def _filter(fmt: str) -> str:
    if fmt not in FILTERS:
        raise ValueError(f"fmt must be in {tuple(FILTERS)} (got {fmt!r})")
    return FILTERS[fmt]


def _run_group(cmd: list[str], timeout: float, what: str) -> subprocess.CompletedProcess[str]:
    """Run `cmd` in its own process group; kill the whole group on timeout and after it exits."""
    proc = subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            text=True, start_new_session=True)
    try:
        out, err = proc.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        _killpg(proc.pid)
        out, err = proc.communicate()
        raise LibreOfficeError(f"{what} timed out after {timeout:g} s\nstdout: {out}\nstderr: {err}") \
            from None
    finally:
        _killpg(proc.pid)  # oosplash can exit before soffice.bin: take the stragglers too
    return subprocess.CompletedProcess(cmd, proc.returncode, out, err)


def _killpg(pgid: int) -> None:
    try:
        os.killpg(pgid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        pass


def convert(src: Path, fmt: str, outdir: Path, timeout: float = CONVERT_TIMEOUT) -> Path:
    """Re-save `src` as `fmt` (xlsx, xls or ods; pdf prints it) into `outdir`, not src's own directory.

    soffice exits 0 even when it cannot load or save, so success is judged by the output file alone.
    """
    src, outdir = Path(src).resolve(), Path(outdir).resolve()
    target_filter = _filter(fmt)
    if outdir == src.parent:
        raise ValueError(f"outdir must differ from the source's directory (it would overwrite {src.name})")
    if not src.is_file():
        raise FileNotFoundError(f"no workbook to convert at {src}")
    outdir.mkdir(parents=True, exist_ok=True)
    out = outdir / f"{src.stem}.{fmt}"
    out.unlink(missing_ok=True)
    scratch = Path(tempfile.mkdtemp(prefix="lo-profile-"))
    profile, copy = scratch / "profile", scratch / "src" / src.name
    copy.parent.mkdir()
    shutil.copyfile(src, copy)  # a private copy: a file another soffice has open is locked
    cmd = [soffice(), "--headless", "--norestore", "--nolockcheck",
           f"-env:UserInstallation={profile.as_uri()}", "--convert-to", f"{fmt}:{target_filter}",
           "--outdir", str(outdir), str(copy)]
    try:
        res = _run_group(cmd, timeout, f"converting {src.name} to {fmt}")
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    if not out.is_file() or out.stat().st_size == 0:
        raise LibreOfficeError(f"soffice did not write {out} (exit code {res.returncode})\n"
                               f"stdout: {res.stdout}\nstderr: {res.stderr}")
    return out


def edit(src: Path, dst: Path, ops: list[dict[str, Any]], fmt: str = "xlsx",
         timeout: float = EDIT_TIMEOUT) -> Path:
    """Open `src` in LibreOffice, apply `ops` (see the module docstring) and save as `dst` in `fmt`."""
    _run_uno(Path(src), Path(dst), ops, fmt, timeout)
    return Path(dst).resolve()


def invalid_cells(src: Path, sheet: str, ops: list[dict[str, Any]] | None = None,
                  timeout: float = EDIT_TIMEOUT) -> list[str]:
    """Cells of `sheet` whose value LibreOffice's own data validation rejects, after applying `ops`.

    Calc's Tools > Detective > Mark Invalid Data, in row-major order ("B13", "D24"): the proof that a
    dropdown works in a real client, not only that its formula text survived.
    """
    with tempfile.TemporaryDirectory(prefix="xlt-invalid-") as tmp:
        results = _run_uno(Path(src), Path(tmp) / "checked.xlsx",
                           [*(ops or []), {"op": "find_invalid", "sheet": sheet}], "xlsx", timeout)
    found: list[str] = results["invalid"][sheet]
    return found


def row_heights(src: Path, sheet: str, rows: list[int], timeout: float = EDIT_TIMEOUT) -> dict[int, tuple[int, int, bool]]:
    """For each 1-based row of `sheet` as LibreOffice opens `src`: (its height, LibreOffice's optimal height for
    what the row holds, both in 1/100 mm; whether the row is flagged to fit its content). A row whose height is
    below its optimal height shows (and prints) its text cut off."""
    with tempfile.TemporaryDirectory(prefix="xlt-heights-") as tmp:
        results = _run_uno(Path(src), Path(tmp) / "measured.xlsx", [{"op": "heights", "sheet": sheet, "rows": rows}],
                           "xlsx", timeout)
    return {int(k): (int(v[0]), int(v[1]), bool(v[2])) for k, v in results["heights"][sheet].items()}


#: What soffice says when it dies under it (seen on a loaded 2-core CI machine): the edit is started again.
SOFFICE_DIED = ("DisposedException", "URP bridge", "Connection refused", "NoConnectException")
UNO_ATTEMPTS = 3


def _run_uno(src: Path, dst: Path, ops: list[dict[str, Any]], fmt: str, timeout: float) -> dict[str, Any]:
    """Run tests/uno_edit.py under the system python; return what its ops found. An office that dies under the
    edit (not the edit failing) is started again, up to UNO_ATTEMPTS times in all."""
    for attempt in range(1, UNO_ATTEMPTS + 1):
        try:
            return _run_uno_once(src, dst, ops, fmt, timeout)
        except LibreOfficeError as exc:
            if attempt == UNO_ATTEMPTS or not any(sign in str(exc) for sign in SOFFICE_DIED):
                raise
    raise AssertionError("unreachable")


def _run_uno_once(src: Path, dst: Path, ops: list[dict[str, Any]], fmt: str, timeout: float) -> dict[str, Any]:
    src, dst = src.resolve(), dst.resolve()
    if not src.is_file():
        raise FileNotFoundError(f"no workbook to edit at {src}")
    if not Path(SYSTEM_PYTHON).is_file():
        raise LibreOfficeError(f"{SYSTEM_PYTHON} not found; UNO needs the system python: {INSTALL_HINT}")
    job_dir = Path(tempfile.mkdtemp(prefix="xlt-uno-"))
    pidfile, result = job_dir / "soffice.pgid", job_dir / "result.json"
    job = {"src": str(src), "dst": str(dst), "filter": _filter(fmt), "ops": ops, "soffice": soffice(),
           "timeout": timeout, "pidfile": str(pidfile), "result": str(result)}
    (job_dir / "job.json").write_text(json.dumps(job, ensure_ascii=False), encoding="utf-8")
    dst.parent.mkdir(parents=True, exist_ok=True)
    dst.unlink(missing_ok=True)
    try:
        res = _run_group([SYSTEM_PYTHON, str(UNO_SCRIPT), str(job_dir / "job.json")], timeout + 30,
                         f"editing {src.name}")
        if res.returncode != 0:
            detail = res.stderr.strip()
            if "No module named 'uno'" in detail:
                detail += f"\n(install python3-uno: {INSTALL_HINT})"
            raise LibreOfficeError(f"UNO edit of {src.name} failed (exit code {res.returncode}): {detail}")
        if not dst.is_file() or dst.stat().st_size == 0 or not result.is_file():
            raise LibreOfficeError(f"UNO edit of {src.name} wrote no {dst}: {res.stderr.strip()}")
        found: dict[str, Any] = json.loads(result.read_text(encoding="utf-8"))
        return found
    finally:
        if pidfile.is_file():  # soffice runs in a group of its own: make sure it is gone
            _killpg(int(pidfile.read_text()))
        shutil.rmtree(job_dir, ignore_errors=True)
