"""Fuzz: mutated issued workbooks give exit 1 or 2 and registered findings from `check`, never a traceback.

Two kinds of mutation of a workbook we issued (every issued blank form already has errors, so exit 1 is
the floor): bytes of the file itself overwritten, cut or repeated (the zip layer), and edits inside one
XML part before re-zipping it (the parser layer: cut or repeated ranges, markup, entities, escapes,
references to cells and strings that do not exist).

CI runs a few dozen examples. The longer run is one command:

    XLT_FUZZ_EXAMPLES=3000 .venv/bin/python -m pytest -q -p no:cacheprovider tests/test_reader_fuzz.py
"""

from __future__ import annotations

import io
import json
import os
import zipfile
from functools import cache
from pathlib import Path

from hostile import rezip
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from returned import DEPT, PROJECT, context
from typer.testing import CliRunner

from xltemplates.cli import app
from xltemplates.findings.codes import CODES
from xltemplates.writer.generate import generate_bytes

EXAMPLES = int(os.environ.get("XLT_FUZZ_EXAMPLES", "30"))
TOKENS = [
    b"<", b">", b"&", b"&amp;", b"&lol;", b'"', b"'", b"\x00", b"\xff\xfe", b"]]>", b"<![CDATA[x]]>",
    b"<!DOCTYPE x [<!ENTITY e SYSTEM 'file:///etc/passwd'>]>", b'<c r="A1" t="s"><v>99999</v></c>',
    b'<c r="XFD1048576"><v>1</v></c>', b'<row r="0">', b'<row r="1048577">', b"<v>1e999</v>", b"_x0000_",
    b"_xD800_", b'r="A0"', b't="d"', b"<f>SUM(A1:A9)</f>", b"<mergeCell ref=\"A1:XFD1048576\"/>",
    b"[" * 64, b"\xe9\x95\xbf" * 400,
]


@cache
def issued(template_id: str) -> bytes:
    """The blank form as issued: its empty required cells are errors, so every mutation keeps exit >= 1."""
    return generate_bytes(template_id, context(), None, allow_findings=True).content


@cache
def xml_parts(template_id: str) -> list[str]:
    with zipfile.ZipFile(io.BytesIO(issued(template_id))) as zf:
        return sorted(n for n in zf.namelist() if n.endswith((".xml", ".rels")))


Edit = tuple[float, int, str, int]  # where (0-1), span, kind, token index (or fill byte)
FORMS = st.sampled_from([DEPT, PROJECT])
BYTE_EDITS = st.lists(st.tuples(st.floats(0, 1), st.integers(0, 64), st.sampled_from(["overwrite", "cut", "repeat"]),
                                st.integers(0, 255)), min_size=1, max_size=4)
XML_EDITS = st.lists(st.tuples(st.floats(0, 1), st.integers(0, 200), st.sampled_from(["cut", "repeat", "insert"]),
                               st.integers(0, len(TOKENS) - 1)), min_size=1, max_size=4)


def apply(body: bytes, edits: list[Edit]) -> bytes:
    """The edits, drawn small (Hypothesis shows them when a case fails), applied to `body`."""
    out = bytearray(body)
    for where, span, kind, arg in edits:
        at = int(where * len(out))
        if kind == "overwrite":
            out[at : at + span] = bytes([arg]) * len(out[at : at + span])
        elif kind == "cut":
            del out[at : at + span]
        elif kind == "repeat":
            out[at:at] = out[at : at + span] * (2 + arg % 20)
        else:
            out[at:at] = TOKENS[arg]
    return bytes(out)


def mutated(form: str, part: int | None, edits: list[Edit]) -> bytes:
    """The issued form with `edits` applied to its bytes (part None) or to its `part`-th XML part."""
    if part is None:
        return apply(issued(form), edits)
    name = xml_parts(form)[part % len(xml_parts(form))]
    return rezip(issued(form), lambda n, body: apply(body, edits) if n == name else body)


def check_json(tmp: Path, data: bytes) -> tuple[int, list[str], BaseException | None]:
    path, out = tmp / "mutated.xlsx", tmp / "r.json"
    path.write_bytes(data)
    out.unlink(missing_ok=True)
    result = CliRunner().invoke(app, ["check", str(path), "--json", str(out)])
    codes = [f["code"] for r in json.loads(out.read_text(encoding="utf-8"))["results"] for f in r["findings"]] \
        if out.exists() else []
    return result.exit_code, codes, result.exception if not isinstance(result.exception, SystemExit) else None


@settings(max_examples=EXAMPLES, suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
@given(form=FORMS, target=st.one_of(st.tuples(st.none(), BYTE_EDITS), st.tuples(st.integers(0, 20), XML_EDITS)))
def test_check__mutated_issued_workbook__exit_1_or_2_with_registered_codes_never_a_traceback(
        tmp_path: Path, form: str, target: tuple[int | None, list[Edit]]) -> None:
    exit_code, codes, crashed = check_json(tmp_path, mutated(form, *target))
    assert crashed is None, repr(crashed)
    assert exit_code in (1, 2)
    assert codes and all(c in CODES for c in codes)
    assert "E-READ-FAILED" not in codes  # a reader bug, caught: coded, but still a bug
