"""Edit a workbook the way a clerk would, through LibreOffice's UNO API: run by tests/libreoffice.py.

This file runs under the SYSTEM python (/usr/bin/python3), the only interpreter that can ``import uno``;
it must not import anything from the project or its venv. Usage::

    /usr/bin/python3 tests/uno_edit.py JOB.json

JOB.json holds ``{"src", "dst", "filter", "ops", "soffice", "timeout", "pidfile", "result"}``. The script
starts its own soffice (own profile dir, own pipe name, own process group), opens a copy of ``src``,
applies ``ops`` in order, stores ``dst`` with ``filter``, writes what the ops found to ``result`` (JSON:
``{"invalid": {sheet: ["B13", ...]}, "heights": {sheet: {"12": [h, optimal, flag]}}}``) and shuts soffice
down. The process group id goes to ``pidfile``
first, so the caller can kill soffice even if this script itself is killed. Errors go to stderr as one
line starting with ``uno_edit:`` and the exit code is 2.

``{"op": "find_invalid", "sheet": S}`` runs Calc's Tools > Detective > Mark Invalid Data: the cells whose
value its data validation rejects, as LibreOffice itself evaluates the rule (inline lists, named ranges,
the INDIRECT cascade). The red circles it draws are removed again before saving.

``{"op": "unhide", "sheet": S}`` / ``{"op": "hide", "sheet": S}``: the tab's 取消隐藏 / 隐藏.

Protection: ``set``/``clear`` write straight through (protection does not stop a macro). Structural ops
(rows, merges, copy_row) and ``find_invalid`` (the detective is off on protected sheets) run with the
sheet unprotected and protect it again afterwards (LibreOffice keeps the "allow insert/delete rows"
options across unprotect/protect), unless an explicit ``unprotect`` op already removed the protection
from that sheet. On a protected sheet LibreOffice would still run the structural ops, but a row inserted
inside a merged range then drops the merge instead of growing it, which is not what a clerk who
unprotects the sheet sees; ``"keep_protection": true`` on an op asks for that behaviour.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

import uno  # only in the system python (python3-uno)
from com.sun.star.beans import PropertyValue
from com.sun.star.connection import NoConnectException
from com.sun.star.table import CellAddress

CONTENT_FLAGS = 1 | 2 | 4 | 16  # CellFlags VALUE | DATETIME | STRING | FORMULA: what the Delete key clears
UNPROTECTED = {"insert_rows", "delete_rows", "merge", "unmerge", "copy_row", "find_invalid", "heights"}


class EditError(Exception):
    """An op that cannot be applied (unknown op, sheet or cell)."""


def _props(**kw: object) -> tuple[PropertyValue, ...]:
    out = []
    for k, v in kw.items():
        p = PropertyValue()
        p.Name, p.Value = k, v
        out.append(p)
    return tuple(out)


def _start(soffice: str, profile: Path, pipe: str, pidfile: Path | None) -> subprocess.Popen[bytes]:
    proc = subprocess.Popen(
        [soffice, "--headless", "--invisible", "--nologo", "--norestore", "--nodefault", "--nolockcheck",
         "--nofirststartwizard", f"-env:UserInstallation={profile.as_uri()}",
         f"--accept=pipe,name={pipe};urp;StarOffice.ComponentContext"],
        stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        start_new_session=True,  # its own process group: oosplash + soffice.bin die together
    )
    if pidfile is not None:
        pidfile.write_text(str(proc.pid))
    return proc


def _connect(proc: subprocess.Popen[bytes], pipe: str, deadline: float) -> object:
    local = uno.getComponentContext()
    resolver = local.ServiceManager.createInstanceWithContext("com.sun.star.bridge.UnoUrlResolver", local)
    url = f"uno:pipe,name={pipe};urp;StarOffice.ComponentContext"
    delay = 0.1
    while True:
        try:
            return resolver.resolve(url)
        except NoConnectException:
            if proc.poll() is not None:
                code = proc.returncode
                raise EditError(f"soffice exited with code {code} before accepting connections") from None
            if time.monotonic() > deadline:
                raise EditError("soffice did not accept a connection in time") from None
            time.sleep(delay)
            delay = min(delay * 1.5, 0.5)


def _sheet(doc: object, name: str) -> object:
    sheets = doc.Sheets
    if not sheets.hasByName(name):
        raise EditError(f"no sheet {name!r} (have {list(sheets.ElementNames)!r})")
    return sheets.getByName(name)


def _row_index(op: dict[str, object], key: str) -> int:
    n = op.get(key)
    if not isinstance(n, int) or n < 1:
        raise EditError(f"{op['op']}: {key!r} must be a 1-based row number (got {n!r})")
    return n - 1


class _Session:
    """The open document and what the ops have done to it so far."""

    def __init__(self, doc: object, dispatcher: object) -> None:
        self.doc, self.dispatcher = doc, dispatcher
        self.unprotected: set[str] = set()  # sheets an explicit unprotect op opened
        self.invalid: dict[str, list[str]] = {}
        self.heights: dict[str, dict[str, list[object]]] = {}


def _apply(session: _Session, op: dict[str, object]) -> None:
    kind = op.get("op")
    name = str(op.get("sheet"))
    sheet = _sheet(session.doc, name)
    unprotected = session.unprotected
    if kind == "unprotect":
        sheet.unprotect("")
        unprotected.add(name)
        return
    if kind == "protect":
        sheet.protect("")
        unprotected.discard(name)
        return
    if kind in ("unhide", "hide"):  # the clerk's 右键工作表标签 → 取消隐藏 (or 隐藏)
        sheet.IsVisible = kind == "unhide"
        return
    wrap = (kind in UNPROTECTED and not op.get("keep_protection") and name not in unprotected
            and sheet.isProtected())
    if wrap:
        sheet.unprotect("")
    try:
        if kind == "find_invalid":
            session.invalid[name] = _find_invalid(session, sheet)
        elif kind == "heights":
            session.heights[name] = _heights(sheet, op)
        else:
            _edit(sheet, kind, op)
    finally:
        if wrap:
            sheet.protect("")


def _edit(sheet: object, kind: object, op: dict[str, object]) -> None:
    s = sheet  # the UNO sheet object; attribute access is dynamic
    if kind == "set":
        cell = s.getCellRangeByName(str(op["cell"]))
        if "number" in op:
            cell.setValue(float(op["number"]))
        elif "formula" in op:
            cell.setFormula(str(op["formula"]))
        elif "value" in op:
            cell.setString(str(op["value"]))
        else:
            raise EditError("set needs 'value', 'number' or 'formula'")
    elif kind == "clear":
        s.getCellRangeByName(str(op["cell"])).clearContents(CONTENT_FLAGS)
    elif kind == "insert_rows":
        s.getRows().insertByIndex(_row_index(op, "row"), int(op.get("count", 1)))
    elif kind == "delete_rows":
        s.getRows().removeByIndex(_row_index(op, "row"), int(op.get("count", 1)))
    elif kind in ("merge", "unmerge"):
        s.getCellRangeByName(str(op["range"])).merge(kind == "merge")
    elif kind == "copy_row":
        src = s.getRows().getByIndex(_row_index(op, "from")).getRangeAddress()
        dst = CellAddress()
        dst.Sheet, dst.Column, dst.Row = src.Sheet, 0, _row_index(op, "to")
        s.copyRange(dst, src)
    else:
        raise EditError(f"unknown op {kind!r}")


def _find_invalid(session: _Session, sheet: object) -> list[str]:
    controller = session.doc.getCurrentController()
    controller.setActiveSheet(sheet)
    page = sheet.DrawPage
    before = page.Count
    session.dispatcher.executeDispatch(controller.getFrame(), ".uno:ShowInvalid", "", 0, ())
    found: list[tuple[int, int, str]] = []
    while page.Count > before:  # the circles just drawn, each anchored to an invalid cell: read, then remove
        shape = page.getByIndex(page.Count - 1)
        addr = shape.Anchor.getCellAddress()
        found.append((addr.Row, addr.Column, shape.Anchor.AbsoluteName.rsplit(".", 1)[-1].replace("$", "")))
        page.remove(shape)
    return [ref for _, _, ref in sorted(found)]


def _heights(sheet: object, op: dict[str, object]) -> dict[str, list[object]]:
    """Per 1-based row: [height as loaded (1/100 mm), LibreOffice's optimal height for its content, whether
    the row was flagged optimal (no manual height)]. The optimal height is measured by switching the row to
    optimal and reading it back, then the row is put back as it was."""
    out: dict[str, list[object]] = {}
    rows = sheet.getRows()
    for n in op.get("rows") or []:
        row = rows.getByIndex(int(n) - 1)
        height, flagged = row.Height, row.OptimalHeight
        row.OptimalHeight = True
        optimal = row.Height
        if not flagged:
            row.Height = height
        out[str(n)] = [height, optimal, flagged]
    return out


def _kill_group(proc: subprocess.Popen[bytes]) -> None:
    try:
        os.killpg(proc.pid, signal.SIGKILL)
    except ProcessLookupError:
        pass
    try:
        proc.wait(timeout=10)
    except subprocess.TimeoutExpired:
        pass


def _on_alarm(signum: int, frame: object) -> None:
    raise EditError("timed out")


def run(job: dict[str, object]) -> None:
    timeout = float(job.get("timeout", 60))
    deadline = time.monotonic() + timeout
    scratch = Path(tempfile.mkdtemp(prefix="lo-profile-"))
    profile = scratch / "profile"
    pipe = f"xlt_uno_{os.getpid()}_{uuid.uuid4().hex}"
    pidfile = Path(str(job["pidfile"])) if job.get("pidfile") else None
    proc = _start(str(job.get("soffice", "soffice")), profile, pipe, pidfile)
    signal.signal(signal.SIGALRM, _on_alarm)
    signal.alarm(max(1, int(timeout)))
    desktop = None
    try:
        ctx = _connect(proc, pipe, deadline)
        smgr = ctx.ServiceManager
        desktop = smgr.createInstanceWithContext("com.sun.star.frame.Desktop", ctx)
        # Work on a private copy: LibreOffice locks what it opens, and parallel edits of one file would
        # then fail to load it ("type detection failed").
        src = Path(str(job["src"])).resolve()
        copy = scratch / "src" / src.name
        copy.parent.mkdir()
        shutil.copyfile(src, copy)
        doc = desktop.loadComponentFromURL(copy.as_uri(), "_blank", 0, _props(Hidden=True))
        if doc is None:
            raise EditError(f"LibreOffice could not open {src}")
        try:
            session = _Session(doc, smgr.createInstanceWithContext("com.sun.star.frame.DispatchHelper", ctx))
            for i, op in enumerate(job.get("ops") or []):
                try:
                    _apply(session, op)
                except EditError as exc:
                    raise EditError(f"op {i} {json.dumps(op, ensure_ascii=False)}: {exc}") from None
            dst = Path(str(job["dst"])).resolve()
            doc.storeToURL(dst.as_uri(), _props(FilterName=str(job["filter"]), Overwrite=True))
            if job.get("result"):
                Path(str(job["result"])).write_text(json.dumps({"invalid": session.invalid, "heights": session.heights},
                                                               ensure_ascii=False),
                                                    encoding="utf-8")
        finally:
            try:
                doc.close(True)
            except Exception:  # closing must not hide the error that got us here
                pass
    finally:
        signal.alarm(0)
        if desktop is not None:
            try:
                desktop.terminate()
                proc.wait(timeout=10)
            except Exception:  # the bridge drops while soffice exits (expected), or it hangs: killed below
                pass
        _kill_group(proc)  # soffice.bin may outlive oosplash; the group holds both
        shutil.rmtree(scratch, ignore_errors=True)


def main(argv: list[str]) -> int:
    if len(argv) != 2:
        print("uno_edit: usage: uno_edit.py JOB.json", file=sys.stderr)
        return 2
    try:
        run(json.loads(Path(argv[1]).read_text(encoding="utf-8")))
    except Exception as exc:  # report every failure as one line for the caller's error message
        print(f"uno_edit: {type(exc).__name__}: {exc}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
