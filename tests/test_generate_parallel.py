"""`generate --roster` on a process pool: the same round whatever the jobs, finished (not redone) after a kill,
and as one zip."""

from __future__ import annotations

import csv
import io
import json
import os
import signal
import subprocess
import sys
import time
import zipfile
from pathlib import Path

import pytest
from typer.testing import CliRunner, Result

from xltemplates.cli import app
from xltemplates.issuing.journal import JOURNAL, SOURCE_DATE_EPOCH
from xltemplates.issuing.round import plan
from xltemplates.unit_files import Unit

EPOCH = "1764547200"  # 2025-12-01 00:00 UTC


def run(*args: str | Path) -> Result:
    return CliRunner().invoke(app, [str(a) for a in args])


def roster(tmp_path: Path, n: int) -> Path:
    path = tmp_path / "units.csv"
    path.write_text("单位编码,单位名称\n" + "".join(f"43{i:04d},第{i}单位\n" for i in range(n)), encoding="utf-8")
    return path


def prefill(tmp_path: Path, n: int) -> Path:
    d = tmp_path / "data"
    d.mkdir(exist_ok=True)
    for i in range(0, n, 3):  # every third unit prefilled
        (d / f"43{i:04d}.json").write_text(json.dumps({"部门（单位）职责": f"第{i}单位的职责"}), encoding="utf-8")
    return d


def contents(folder: Path) -> dict[str, bytes]:
    """Every file of the folder (hidden ones included) by name."""
    return {p.name: p.read_bytes() for p in sorted(folder.iterdir())}


def generate(units: Path, data: Path, *extra: str | Path) -> list[str | Path]:
    return ["generate", "dept-overall", "--year", "2025", "--roster", units, "--data-dir", data, *extra]


def test_generate_roster__jobs_2__same_files_and_manifest_as_jobs_1(tmp_path: Path,
                                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(SOURCE_DATE_EPOCH, EPOCH)
    units, data = roster(tmp_path, 24), prefill(tmp_path, 24)
    one, two = tmp_path / "one", tmp_path / "two"
    r1 = run(*generate(units, data, "--out-dir", one, "--jobs", "1"))
    r2 = run(*generate(units, data, "--out-dir", two, "--jobs", "2"))
    assert r1.exit_code == 0 and r2.exit_code == 0, r1.output + r2.output
    got = contents(two)
    assert len(got) == 25 and "manifest.csv" in got and JOURNAL not in got
    assert got == contents(one)
    rows = list(csv.DictReader(io.StringIO(got["manifest.csv"].decode("utf-8-sig"))))
    assert [r["单位编码"] for r in rows] == [f"43{i:04d}" for i in range(24)]  # roster order, whatever finished first


def recorded(folder: Path) -> int:
    """Workbooks the journal of an unfinished round lists as written."""
    try:
        return max(0, (folder / JOURNAL).read_text(encoding="utf-8").count("\n") - 1)
    except FileNotFoundError:
        return 0


def test_generate_roster__killed_midway__rerun_gives_the_uninterrupted_round(tmp_path: Path) -> None:
    n = 160
    units, data = roster(tmp_path, n), prefill(tmp_path, n)
    env = {**os.environ, SOURCE_DATE_EPOCH: EPOCH}
    cmd = [sys.executable, "-c", "from xltemplates.cli import main; main()",
           *map(str, generate(units, data, "--jobs", "2", "--out-dir"))]
    whole, killed = tmp_path / "whole", tmp_path / "killed"
    subprocess.run([*cmd, str(whole)], check=True, capture_output=True, env=env)

    proc = subprocess.Popen([*cmd, str(killed)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env,
                            start_new_session=True)
    deadline = time.monotonic() + 120
    while recorded(killed) < 20 and time.monotonic() < deadline and proc.poll() is None:
        time.sleep(0.01)
    os.killpg(proc.pid, signal.SIGKILL)  # the command and its workers, mid-write or not
    proc.wait()
    written = len(list(killed.glob("*.xlsx")))
    assert 20 <= written < n and (killed / JOURNAL).exists() and not (killed / "manifest.csv").exists()

    # the re-run has no SOURCE_DATE_EPOCH: the round's timestamp comes from the journal
    rerun = subprocess.run([*cmd, str(killed)], capture_output=True, text=True,
                           env={k: v for k, v in env.items() if k != SOURCE_DATE_EPOCH})
    assert rerun.returncode == 0, rerun.stderr
    reused = int(rerun.stderr.split("continuing an interrupted round: ")[1].split()[0])
    assert 20 <= reused <= written
    assert contents(killed) == contents(whole)  # byte for byte, manifest included; no journal, no temp file left


def test_generate_roster__zip_without_out_dir__one_zip_holding_the_round(tmp_path: Path,
                                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(SOURCE_DATE_EPOCH, EPOCH)
    units, data = roster(tmp_path, 6), prefill(tmp_path, 6)
    folder, only = tmp_path / "folder", tmp_path / "only.zip"
    r = run(*generate(units, data, "--out-dir", folder, "--zip", tmp_path / "both.zip", "--jobs", "2"))
    assert r.exit_code == 0, r.output
    r = run(*generate(units, data, "--zip", only))
    assert r.exit_code == 0, r.output
    assert sorted(p.name for p in tmp_path.iterdir()) == ["both.zip", "data", "folder", "only.zip", "units.csv"]
    assert only.read_bytes() == (tmp_path / "both.zip").read_bytes()  # the same round, the same zip
    with zipfile.ZipFile(only) as zf:
        assert {n: zf.read(n) for n in zf.namelist()} == contents(folder)
        assert zf.namelist()[-1] == "manifest.csv"
        assert all(i.date_time == (2025, 12, 1, 0, 0, 0) for i in zf.infolist())


def test_generate_roster__zip_not_named_zip__exit_2(tmp_path: Path) -> None:
    r = run("generate", "dept-overall", "--year", "2025", "--roster", roster(tmp_path, 1), "--zip", tmp_path / "x.xlsx")
    assert r.exit_code == 2 and "--zip must name a .zip file" in r.stderr


def test_plan__unfinished_round_with_one_prefill_changed__only_that_unit_made_again(tmp_path: Path) -> None:
    units = [Unit(f"43{i:04d}", f"第{i}单位") for i in range(5)]
    data = prefill(tmp_path, 5)
    first = plan("dept-overall", 2025, units, tmp_path / "out", data)
    first.run(1)
    # as a killed run leaves it: no manifest, the journal kept
    (data / "430003.json").write_text(json.dumps({"部门（单位）职责": "改过的职责"}), encoding="utf-8")
    again = plan("dept-overall", 2025, units, tmp_path / "out", data)
    assert again.reused == 4 and again.journal.stamp == first.journal.stamp
    changed = []
    again.run(1, lambda r: changed.append(r.unit.code))
    assert changed[-1] == "430003"  # the reused ones are reported first, then what was made
    other = plan("dept-overall", 2026, units, tmp_path / "out", data)  # another year: nothing of it reused
    assert other.reused == 0


def test_plan__journal_naming_a_file_outside_the_folder__not_trusted(tmp_path: Path) -> None:
    units = [Unit("430000", "第0单位")]
    first = plan("dept-overall", 2025, units, tmp_path / "out", None)
    first.run(1)
    journal = tmp_path / "out" / JOURNAL
    lines = [line for line in journal.read_text(encoding="utf-8").splitlines() if line]
    entry = json.loads(lines[1])
    outside = tmp_path / "elsewhere.xlsx"
    outside.write_bytes((tmp_path / "out" / entry["file"]).read_bytes())
    journal.write_text(lines[0] + "\n" + json.dumps({**entry, "file": "../elsewhere.xlsx"}) + "\n", encoding="utf-8")
    assert plan("dept-overall", 2025, units, tmp_path / "out", None).reused == 0
