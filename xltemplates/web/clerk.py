"""Findings as a township clerk reads them: plain Chinese, one cell reference each, errors first.

The registry's messages are written for both sides and some quote what only the bureau can act on: a
template id, a key id, an environment variable, a Python exception's text, the hidden identity sheet. On a
clerk's page those findings read as one plain line saying what to do (a failed signature is
「此表无法核验，请联系财政局」); the bureau's pages keep the full message and the code. The code stays
on the clerk's page only as an attribute (``data-code``), for the bureau's staff on the phone.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from typing import Any

from ..findings.codes import lookup

SIGNATURE = "此表无法核验，请联系财政局。"
#: The clerk's words for findings whose registry message quotes machine text (ids, keys, exceptions).
CLERK_TEXT: dict[str, str] = {
    **dict.fromkeys(("E-IDENTITY-FORGED", "E-IDENTITY-UNSIGNED", "E-IDENTITY-KEY-UNKNOWN", "E-IDENTITY-TEMPLATE",
                     "E-FINGERPRINT"), SIGNATURE),
    "W-IDENTITY-UNVERIFIED": "本站暂时无法核验表格的标识信息，财政局将另行核对；您无需处理。",
    "W-NO-METADATA": "表格的标识信息缺失或损坏，已按表头识别表格类型。建议使用财政局下发的原表填报。",
    "E-WRONG-TEMPLATE": "表格类型不符：这不是本次下发的表格。请下载本单位的表格填报后再报送。",
    "E-UNKNOWN-TEMPLATE": "无法识别表格类型：这不是本次下发的表格。请下载本单位的表格填报后再报送。",
    "E-FILE-MISSING": "文件无法打开。请重新选择文件后上传。",
    "E-FILE-NOT-WORKBOOK": "这不是 Excel 工作簿（.xlsx）。请上传下发的 .xlsx 表格。",
    "E-FILE-XLS": "这是旧版 .xls 格式。请在 Excel/WPS 中「另存为」Excel 工作簿（.xlsx）后再上传。",
    "E-FILE-ODS": "这是 OpenDocument（.ods）格式。请「另存为」Excel 工作簿（.xlsx）后再上传。",
    "E-FILE-CORRUPT": "文件已损坏或不完整。请在 Excel/WPS 中重新保存后上传。",
    "E-FILE-XML-UNSAFE": "文件内容含有不安全的结构，不予读取。请使用下发的表格填报。",
    "E-READ-FAILED": "检查未完成（本站读取该文件时出错）。请重新上传；仍不成功请联系财政局。",
    "E-TEMPLATE-NOT-INSTALLED": "本站暂时无法检查此表。请联系财政局；您无需修改表格。",
}
_WHERE = re.compile(r"^\[[^\]]*\]\s*")
#: Text only a machine writes: a word of 4+ Latin letters or underscores (an id, a variable, an exception), hex ids.
_MACHINE = re.compile(r"[A-Za-z_]{4,}|[0-9a-f]{8,}")


class _Blank(dict[str, object]):
    def __missing__(self, key: str) -> str:
        return ""


def _safe(v: object) -> str:
    """A value quoted in a file-, identity- or reader-level message, or "" when it is machine text."""
    text = "" if v is None else str(v)
    return "" if _MACHINE.search(text) else text
_CELL = re.compile(r"^([A-Z]{1,3})(\d+)$")


def clerk_message(f: Mapping[str, Any]) -> str:
    """The finding's message for the clerk: the clerk's words where the registry's quote machine text, and
    without the ``[sheet!cell]`` prefix (the page shows the place once, beside it)."""
    if f["code"] in CLERK_TEXT:
        return CLERK_TEXT[f["code"]]
    entry = lookup(f["code"])
    if entry.kind != "content":  # what it quotes is not the clerk's own text: keep only what reads plainly
        return entry.template.format_map(_Blank(expected=_safe(f.get("expected")), found=_safe(f.get("found"))))
    return _WHERE.sub("", str(f["message"]), count=1)


def clerk_findings(findings: Iterable[Mapping[str, Any]]) -> list[dict[str, Any]]:
    """The findings a clerk is shown (bureau-only codes left out), errors first, then by sheet and cell,
    each with its message, its one place (sheet, cell; none on the hidden identity sheet) and its code."""
    sheets: dict[str, int] = {}
    out = []
    for f in findings:
        if not lookup(f["code"]).clerk:
            continue
        sheet, cell = f.get("sheet") or "", f.get("cell") or ""
        if sheet.startswith("_"):  # the hidden identity sheet: nothing there for the clerk to find
            sheet, cell = "", ""
        sheets.setdefault(sheet, len(sheets) + 1 if sheet else 0)
        out.append({"code": f["code"], "severity": f["severity"], "sheet": sheet, "cell": cell,
                    "message": clerk_message(f), "anchor": f"{sheet}!{cell}" if sheet and cell else ""})
    return sorted(out, key=lambda x: (x["severity"] != "error", sheets[x["sheet"]], _cell_key(x["cell"])))


def _cell_key(cell: str) -> tuple[int, int, str]:
    m = _CELL.match(cell)
    return (int(m.group(2)), len(m.group(1)), m.group(1)) if m else (0, 0, cell)
