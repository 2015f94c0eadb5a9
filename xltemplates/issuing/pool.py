"""The round's workbooks generated in worker processes, results back in roster order.

Workers are started the package's one way (processes.py: 'forkserver' where the platform has it, else
'spawn', never the platform's default): the fork server has imported the writer, so each worker starts
without paying the imports again. A worker writes its workbook itself (atomically) and sends back only the
small result; a parent killed outright takes its workers with it: each exits when it next reads its
(closed) task pipe.
"""

from __future__ import annotations

import os
import signal
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from ..errors import XltError
from ..processes import context
from ..trust.keys import Keyring
from ..unit_files import Unit, load_json
from ..writer.generate import RoundResult, issue_unit


@dataclass(frozen=True, slots=True)
class RoundSpec:
    """What every workbook of the round shares (sent once to each worker)."""

    template: str  # an id, or an absolute .yaml path
    year: int
    extra: Mapping[str, Any]
    allow_findings: bool
    spares: int
    stamp: datetime  # every workbook's generated_at
    keyring: Keyring
    out_dir: Path
    env: Mapping[str, str]  # the parent's XLTEMPLATES_* settings (a forkserver started earlier lacks them)


@dataclass(frozen=True, slots=True)
class Task:
    unit: Unit
    data: Path | None  # the unit's prefill file, absolute


def make(spec: RoundSpec, task: Task) -> RoundResult:
    """One unit's workbook on disk (a problem with its data or the file is the result's error)."""
    try:
        data = load_json(task.data) if task.data is not None else None
    except XltError as exc:
        return RoundResult(task.unit, None, None, str(exc))
    return issue_unit(spec.template, spec.year, task.unit, data, spec.out_dir, spec.extra, spec.allow_findings,
                      spec.keyring, spec.spares, now=spec.stamp)


def run(spec: RoundSpec, tasks: list[Task], jobs: int) -> Iterator[RoundResult]:
    """Each task's result, in the order of `tasks`; in this process when one job (or one task) suffices."""
    jobs = min(jobs, len(tasks))
    if jobs <= 1:
        for task in tasks:
            yield make(spec, task)
        return
    ctx = context()
    chunk = max(1, min(16, len(tasks) // (jobs * 8)))  # few wake-ups per file, yet every worker kept busy
    with ctx.Pool(jobs, initializer=_init, initargs=(spec,)) as pool:
        yield from pool.imap(_work, tasks, chunksize=chunk)


_SPEC: RoundSpec | None = None


def _init(spec: RoundSpec) -> None:
    global _SPEC
    _SPEC = spec
    # Ctrl-C reaches the whole process group: the parent stops the pool (and says how to go on), the
    # workers do not each print a KeyboardInterrupt traceback
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    for name in [n for n in os.environ if n.startswith(ENV_PREFIX) and n not in spec.env]:
        del os.environ[name]
    os.environ.update(spec.env)


ENV_PREFIX = "XLTEMPLATES"


def settings() -> dict[str, str]:
    """The XLTEMPLATES_* environment (search path of the bureau's forms, key file) for the workers."""
    return {k: v for k, v in os.environ.items() if k.startswith(ENV_PREFIX)}


def _work(task: Task) -> RoundResult:
    assert _SPEC is not None, "worker not initialised"
    return make(_SPEC, task)
