"""What a township clerk reads: for every finding code in the registry, no clerk page shows a code, a template
id, a key id, an environment variable, the hidden identity sheet or a Python exception's text; each finding
names its place once; errors come first, then sheet and cell order; a failed signature is one plain line."""

from __future__ import annotations

import html
import re
import time
from datetime import UTC, datetime
from pathlib import Path

import pytest
from web_kit import ME, make_desk

from xltemplates.checking.job import Checked
from xltemplates.findings.codes import CODES
from xltemplates.findings.report import Finding, Report, make_finding
from xltemplates.reader.identify import Expect
from xltemplates.round.db import write_connection
from xltemplates.round.links import token_sha256
from xltemplates.round.store import Record, store
from xltemplates.web.clerk import SIGNATURE, clerk_findings
from xltemplates.web.results import Result

#: What the reader puts in a finding that only the bureau can act on.
MACHINE = ("File is not a zip file", "XLTEMPLATES_KEY", "edf57f6d", "dept-overall", "_xltemplates", "Traceback")
MACHINE_TEXT = " ".join(MACHINE)
SHEET = "整体绩效目标申报表"
#: English words a clerk's page may show: names of the programs and formats the clerk uses.
ALLOWED = {"Excel", "WPS", "xlsx", "OpenDocument", "VBA", "ods", "xls", "LibreOffice"}


def _finding(code: str, i: int) -> dict[str, object]:
    machine = CODES[code].kind != "content"  # content findings quote the clerk's own cells, nothing else
    value = MACHINE_TEXT if machine else "某值"
    sheet, cell = ("_xltemplates", "B11") if CODES[code].kind == "identity" else (SHEET, f"D{100 - i}")
    params = {k: value for k in ("label", "reason", "hint", "allowed", "parts", "table", "rows", "column", "name",
                                 "other", "spare", "part", "prev_label", "total_label", "parent", "op", "limit")}
    return make_finding(code, sheet, cell, expected=value, found=value, **params).to_json()


FINDINGS = [_finding(c, i) for i, c in enumerate(CODES)]


def _visible(page: str) -> str:
    """The page's text as the clerk reads it: no tags, no attributes."""
    body = page.split("<main>", 1)[1]
    return html.unescape(re.sub(r"<[^>]+>", " ", body))


def _assert_plain(text: str) -> None:
    assert not re.search(r"\b[EW]-[A-Z]", text), re.search(r".{30}\b[EW]-[A-Z].{30}", text)
    for m in MACHINE:
        assert m not in text, m
    words = set(re.findall(r"[A-Za-z]{4,}", text)) - ALLOWED
    assert not words, words
    assert not re.search(r"\[[^\]]*![A-Z]+\d+\]", text)  # the place is shown once, beside the message


def test_clerk_findings__every_code__plain_words_one_place_errors_first_in_cell_order() -> None:
    shown = clerk_findings(FINDINGS)
    assert {f["code"] for f in shown} == {c for c, e in CODES.items() if e.clerk}
    severities = [f["severity"] for f in shown]
    assert severities == sorted(severities, key=lambda s: s != "error")
    placed = [int(f["cell"][1:]) for f in shown if f["severity"] == "error" and f["sheet"] == SHEET]
    assert placed == sorted(placed)
    for f in shown:
        _assert_plain(f["message"] + f["sheet"] + f["cell"])
    signature = [f for f in shown if CODES[f["code"]].kind == "identity" and f["code"].startswith("E-IDENTITY")]
    assert signature and all(f["message"] == SIGNATURE and f["cell"] == "" for f in signature)


@pytest.mark.parametrize("where", ["result", "return-visit"])
def test_clerk_pages__every_code__no_codes_ids_or_exception_text(tmp_path: Path, where: str) -> None:
    desk = make_desk(tmp_path)
    if where == "result":
        app_desk = desk.client.app.state.desk  # type: ignore[attr-defined]
        check = Checked(Report("a.xlsx", findings=[Finding(**f) for f in FINDINGS]))  # type: ignore[arg-type]
        ref = app_desk.results.add(Result(token_sha256(desk.token), "a.xlsx", b"x", "0" * 64, Expect(keyring=None),
                                          check, None, None, time.monotonic()))
        page = desk.client.get(f"/u/{desk.token}/r/{ref}").text
    else:
        with write_connection(desk.engine) as conn:
            store(conn, Record("a.xlsx", "0" * 64, time.time(), datetime.now(UTC), ME.code, ME.name, "identity",
                               "dept-overall", "1", 2025, None, [Finding(**f) for f in FINDINGS]))  # type: ignore[arg-type]
        page = desk.client.get(f"/u/{desk.token}").text
    assert page.count('class="finding ') == sum(1 for e in CODES.values() if e.clerk)
    _assert_plain(_visible(page))
    assert SIGNATURE in page
