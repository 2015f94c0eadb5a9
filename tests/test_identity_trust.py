"""Trust in a returned workbook's identity sheet (issue 12): it names a template only by id, looked up in the
bureau's registry, and templates render in a sandbox. A return cannot make `check` or `collect` load a file it
names, run code, read a device or wait on a FIFO: each attempt is a coded finding.
"""

from __future__ import annotations

import os
import resource
import subprocess
import sys
from pathlib import Path

import pytest
import sqlalchemy as sa
from returned import DEPT, assert_findings, dept_data, returned, signed_again
from typer.testing import CliRunner

from xltemplates.catalogue.registry import get_template, search_path_text
from xltemplates.cli import app
from xltemplates.errors import TemplateError
from xltemplates.reader.check import check_bytes, check_file
from xltemplates.reader.identify import Expect
from xltemplates.round.collect import Collection, CollectOptions
from xltemplates.round.db import open_db
from xltemplates.round.sources import Inbox
from xltemplates.round.tables import findings, submissions
from xltemplates.trust.identity import META_SHEET

#: A template whose title runs a shell command when rendered by a plain (unsandboxed) Jinja2 environment.
EVIL = """id: evil
version: '1'
title: "{{{{ cycler.__init__.__globals__.os.system('touch {sentinel}') }}}}"
sheets:
  - name: S
    widths: [10]
    blocks:
      - grid:
          - cells: [{{role: title, text: "{{{{ cycler.__init__.__globals__.os.system('touch {sentinel}') }}}}"}}]
"""


def evil_yaml(folder: Path, sentinel: Path, name: str = "evil.yaml") -> Path:
    path = folder / name
    path.write_text(EVIL.format(sentinel=sentinel), encoding="utf-8")
    return path


def naming(template_value: str) -> bytes:
    """Our dept-overall workbook whose identity sheet names `template_value` as its template."""
    return returned(DEPT, dept_data(), {f"{META_SHEET}!B2": template_value})


def codes(report: object) -> list[str]:
    return [f.code for f in report.findings]  # type: ignore[attr-defined]


# ---- a return names a template file: never loaded ------------------------------------------------------------

def test_identity_template__yaml_saved_beside_the_return__nothing_runs_and_coded_finding(tmp_path: Path) -> None:
    sentinel = tmp_path / "pwned"
    yaml_path = evil_yaml(tmp_path, sentinel)
    (tmp_path / "return.xlsx").write_bytes(naming(str(yaml_path)))
    report = check_file(tmp_path / "return.xlsx")
    assert_findings(report, [(META_SHEET, "B11", "E-IDENTITY-FORGED"), (META_SHEET, "B2", "E-IDENTITY-TEMPLATE")])
    assert report.findings[1].found == str(yaml_path)
    assert not sentinel.exists()


@pytest.mark.parametrize("value", ["evil.yaml", "../evil", "a b", "evil.yml", "dept-overall/../evil"])
def test_identity_template__anything_but_a_plain_id__identity_template_finding(tmp_path: Path, value: str,
                                                                                monkeypatch: pytest.MonkeyPatch) -> None:
    sentinel = tmp_path / "pwned"
    evil_yaml(tmp_path, sentinel)
    monkeypatch.chdir(tmp_path)  # a relative name would resolve beside the return
    assert codes(check_bytes(naming(value), "r.xlsx")) == ["E-IDENTITY-FORGED", "E-IDENTITY-TEMPLATE"]
    assert codes(check_bytes(signed_again(naming(value)), "r.xlsx")) == ["E-IDENTITY-TEMPLATE"]
    assert not sentinel.exists()


def test_collect__return_names_a_yaml_in_the_returns_folder__nothing_runs_and_the_finding_is_stored(
        tmp_path: Path) -> None:
    returns = tmp_path / "returns"
    returns.mkdir()
    sentinel = tmp_path / "pwned"
    yaml_path = evil_yaml(returns, sentinel, "附件.yaml")
    (returns / "001.xlsx").write_bytes(naming(str(yaml_path)))
    engine = open_db(f"sqlite:///{tmp_path / 'round.sqlite'}")
    try:
        summary = Collection(engine, CollectOptions(jobs=1)).run(Inbox(returns))
        with engine.connect() as conn:
            stored = conn.execute(sa.select(submissions.c.file_name, findings.c.code)
                                  .join(findings, findings.c.submission_id == submissions.c.id)).all()
    finally:
        engine.dispose()
    assert summary.verdicts == {"rejected": 1, "unreadable": 1}  # the .yaml itself is no workbook
    assert ("001.xlsx", "E-IDENTITY-TEMPLATE") in [tuple(r) for r in stored]
    assert not sentinel.exists()


# ---- devices, FIFOs and binaries: refused before anything reads them -------------------------------------------

def _check_in_child(path: Path, *args: str) -> subprocess.CompletedProcess[str]:
    """`xltemplates check` in a child process under a 1 GiB address-space limit and a timeout: a regression
    fails the test (MemoryError, TimeoutExpired) instead of hanging or exhausting the machine."""
    def limit() -> None:
        resource.setrlimit(resource.RLIMIT_AS, (1 << 30, 1 << 30))

    code = "from xltemplates.cli import main; main()"
    return subprocess.run([sys.executable, "-c", code, "check", str(path), *args], capture_output=True,
                          text=True, timeout=120, preexec_fn=limit, env=os.environ.copy())


@pytest.mark.parametrize("kind", ["dev-zero", "fifo"])
def test_identity_template__device_or_fifo_path__coded_finding_no_hang(tmp_path: Path, kind: str) -> None:
    target = Path("/dev/zero")
    if kind == "fifo":
        target = tmp_path / "pipe.yaml"
        os.mkfifo(target)
    (tmp_path / "r.xlsx").write_bytes(naming(str(target)))
    run = _check_in_child(tmp_path / "r.xlsx")
    assert run.returncode == 1, run.stderr
    assert "E-IDENTITY-TEMPLATE" in run.stdout and "Traceback" not in run.stderr


@pytest.mark.parametrize("kind", ["dev-zero", "fifo", "symlink-to-dev-zero", "binary"])
def test_template_given_on_the_command_line__not_a_regular_text_file__exit_2_no_hang(tmp_path: Path,
                                                                                       kind: str) -> None:
    target = tmp_path / "form.yaml"
    if kind == "dev-zero":
        target = Path("/dev/zero")
    elif kind == "fifo":
        os.mkfifo(target)
    elif kind == "symlink-to-dev-zero":
        target.symlink_to("/dev/zero")
    else:
        target.write_bytes(b"\xff\xfe\x00PK\x03\x04" * 100)
    (tmp_path / "r.xlsx").write_bytes(returned(DEPT, dept_data()))
    run = _check_in_child(tmp_path / "r.xlsx", "--template", str(target))
    assert run.returncode in (1, 2), run.stderr
    assert "Traceback" not in run.stderr
    with pytest.raises(TemplateError, match="not a regular file" if kind != "binary" else "not UTF-8"):
        get_template(str(target))


def test_registry__fifo_named_like_a_template__not_an_id_the_registry_knows(tmp_path: Path,
                                                                           monkeypatch: pytest.MonkeyPatch) -> None:
    os.mkfifo(tmp_path / "piped.yaml")
    monkeypatch.setenv("XLTEMPLATES_PATH", str(tmp_path))
    with pytest.raises(TemplateError, match="unknown template id"):
        get_template("piped")


# ---- the sandbox: a template's expressions reach data, not Python ----------------------------------------------

def test_sandbox__registered_template_with_a_shell_payload__template_error_and_nothing_runs(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    sentinel = tmp_path / "pwned"
    evil_yaml(tmp_path, sentinel)
    monkeypatch.setenv("XLTEMPLATES_PATH", str(tmp_path))
    with pytest.raises(TemplateError, match="template expression failed: access to attribute .* is unsafe"):
        get_template("evil", {"year": 2025})
    assert not sentinel.exists()


# ---- a template id the registry does not hold ------------------------------------------------------------------

def test_identity_template__id_not_on_the_search_path__says_so_naming_id_and_path(tmp_path: Path) -> None:
    """A genuine workbook (signed) of a bureau form this machine does not have: the bureau's setup, said so."""
    report = check_bytes(signed_again(naming("village-fund")), "r.xlsx")
    assert_findings(report, [(None, None, "E-TEMPLATE-NOT-INSTALLED")])
    f = report.findings[0]
    assert (f.found, f.expected) == ("village-fund", search_path_text())
    assert "village-fund" in f.message and search_path_text() in f.message
    assert report.unit_code == "001"  # who sent it still matters to the round


def test_check_cli__template_id_not_installed__exit_2_with_the_finding(tmp_path: Path) -> None:
    """Not the clerk's doing: the file could not be checked here (exit 2), and collect checks it again."""
    (tmp_path / "r.xlsx").write_bytes(signed_again(naming("village-fund")))
    r = CliRunner().invoke(app, ["check", str(tmp_path / "r.xlsx")])
    assert r.exit_code == 2
    assert "E-TEMPLATE-NOT-INSTALLED" in r.stdout and "village-fund" in r.stdout


def test_check__with_template_path_from_the_bureau__still_reads(tmp_path: Path) -> None:
    """The bureau may name a template file on the command line; that door stays open."""
    from xltemplates.catalogue.registry import TEMPLATE_DIR

    report = check_bytes(returned(DEPT, dept_data()), "r.xlsx", Expect(template=str(TEMPLATE_DIR / f"{DEPT}.yaml")))
    assert_findings(report, [])
