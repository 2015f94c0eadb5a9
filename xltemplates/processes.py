"""How the package starts worker processes, in one place (the check pool and the generate pool).

'forkserver' where the platform has it, else 'spawn'; named on every Python, never the platform's default:
fork copies a threaded parent's half-held locks and open database handles (how pools hang), and 3.14 moves
Linux from fork to forkserver by itself. The fork server is a clean, single-threaded process started once
(fork + exec) that imports PRELOAD before it forks any worker, so each worker starts with the reader and
writer already imported instead of paying those imports again, as a spawned worker does.

A worker forked by the server inherits the server's environment, not its owner's current one: a pool that
depends on the environment passes it along with its work (checking/wire.py, issuing/pool.py).
"""

from __future__ import annotations

import multiprocessing
from multiprocessing.context import ForkServerContext, SpawnContext

#: imported once by the fork server (names only: importing them here would load both stacks in every owner)
PRELOAD = ["xltemplates.checking.job", "xltemplates.checking.wire", "xltemplates.issuing.pool"]


def context() -> ForkServerContext | SpawnContext:
    """The start method every worker process of the package is started with."""
    if "forkserver" in multiprocessing.get_all_start_methods():
        ctx = multiprocessing.get_context("forkserver")
        ctx.set_forkserver_preload(PRELOAD)  # effective for the server this process starts first; the same list each time
        return ctx
    return multiprocessing.get_context("spawn")
