"""`generate --roster`: the round planned against its journal, generated on the pool, then finished once.

Finishing happens once, after every unit: manifest.csv (atomically), the round database (the caller's
`links`), the zip, and only then the journal goes. A run killed at any point before that leaves the
workbooks already written and the journal; the next run with the same inputs generates only the rest.
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..catalogue.registry import get_template, is_path
from ..form.model import Template
from ..form.paths import template_dirs
from ..trust.keys import Keyring, require_keyring
from ..unit_files import Unit
from ..writer.generate import RoundResult, make_context, write_manifest
from . import pool
from .bundle import write_zip
from .journal import Journal, round_key, unit_key

MANIFEST = "manifest.csv"


@dataclass(slots=True)
class RoundIssue:
    """One run of `generate --roster` over `units` into `folder`."""

    template: Template
    spec: pool.RoundSpec
    journal: Journal
    units: list[Unit]
    keys: list[str]
    data: list[Path | None]
    results: list[RoundResult | None] = field(default_factory=list)

    @property
    def reused(self) -> int:
        """Workbooks an interrupted run had already written (not generated again)."""
        return sum(1 for k in self.keys if k in self.journal.done)

    def run(self, jobs: int, on_result: Callable[[RoundResult], None] | None = None) -> list[RoundResult]:
        """Every unit's result in roster order: reused from the journal, else generated on `jobs` processes."""
        self.results = [self.journal.done[k].result(u) if k in self.journal.done else None
                        for u, k in zip(self.units, self.keys, strict=True)]
        todo = [i for i, r in enumerate(self.results) if r is None]
        for r in self.results:
            if r is not None and on_result:
                on_result(r)
        tasks = [pool.Task(self.units[i], self.data[i]) for i in todo]
        with self.journal.recording() as record:
            for i, r in zip(todo, pool.run(self.spec, tasks, jobs), strict=True):
                record(self.keys[i], r)
                self.results[i] = r
                if on_result:
                    on_result(r)
        return self.done()

    def done(self) -> list[RoundResult]:
        out = [r for r in self.results if r is not None]
        if len(out) != len(self.units):
            raise RuntimeError("the round has not run yet")
        return out

    def finish(self, links: Mapping[str, str] | None, zip_to: Path | None = None, keep_folder: bool = True) -> None:
        """manifest.csv, then the zip (when asked), then the journal goes; without `keep_folder` the folder's
        workbooks and manifest go too once the zip holds them (and the folder, if nothing else is in it)."""
        results = self.done()
        folder = self.spec.out_dir
        write_manifest(folder / MANIFEST, self.template, self.spec.year, results, links)
        names = [r.file for r in results if r.file is not None] + [MANIFEST]
        if zip_to is not None:
            write_zip(zip_to, folder, names, self.spec.stamp)
        self.journal.finish()
        if zip_to is not None and not keep_folder:
            for name in names:
                (folder / name).unlink(missing_ok=True)
            if not any(folder.iterdir()):  # anything else someone put there stays, and so does the folder
                folder.rmdir()


def plan(template_ref: str, year: int, units: list[Unit], folder: Path, data_dir: Path | None = None,
         extra: Mapping[str, Any] | None = None, allow_findings: bool = False, spares: int = 0,
         keyring: Keyring | None = None) -> RoundIssue:
    """The round against what `folder` already holds (see journal.py). Raises KeyFileError without a key,
    TemplateError for an unknown template, WriteError when the folder cannot be written."""
    ring = keyring if keyring is not None else require_keyring()
    ctx_extra = dict(extra or {})
    t = get_template(template_ref, make_context(year, None, None, ctx_extra))
    ref = str(Path(template_ref).resolve()) if is_path(template_ref) else template_ref
    source = _digest(Path(ref) if is_path(ref) else next(
        (d / f"{ref}.yaml" for d in template_dirs() if (d / f"{ref}.yaml").is_file()), None))
    rkey = round_key(template=t.id, version=t.version, source=source, year=year, extra=ctx_extra,
                     allow_findings=allow_findings, spares=spares, key=ring.keys[-1].kid)
    data: list[Path | None] = []
    keys: list[str] = []
    for u in units:
        p = (data_dir / f"{u.code}.json").resolve() if data_dir is not None else None
        raw = _bytes(p) if p is not None and p.is_file() else None
        data.append(p if raw is not None else None)
        keys.append(unit_key(rkey, u, raw))
    out = folder.resolve()
    journal = Journal.open(out, set(keys))
    spec = pool.RoundSpec(ref, year, ctx_extra, allow_findings, spares, journal.stamp, ring, out, pool.settings())
    return RoundIssue(t, spec, journal, list(units), keys, data)


def _digest(path: Path | None) -> str | None:
    """The template file's SHA-256: an edited form is a different round even if its version was not raised."""
    try:
        return hashlib.sha256(path.read_bytes()).hexdigest() if path is not None else None
    except OSError:
        return None


def _bytes(path: Path) -> bytes | None:
    try:
        return path.read_bytes()
    except OSError:
        return b"unreadable"  # the worker reports it (load_json names the file); never reused


def default_jobs() -> int:
    return max(1, len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1)
