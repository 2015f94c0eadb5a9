"""The check workers (checking/workers.py): calls, failures, a worker that dies or hangs, shutdown."""

from __future__ import annotations

import asyncio
import os
import time
from collections.abc import Iterator

import pytest

from xltemplates.checking.workers import WorkerDied, WorkerFailed, WorkerPool, WorkerTimedOut


def pid() -> int:
    return os.getpid()


def slow_pid(seconds: float) -> int:
    time.sleep(seconds)
    return os.getpid()


def fail(text: str) -> None:
    raise ValueError(text)


class Unpicklable(Exception):
    def __init__(self, a: str, b: str) -> None:  # an exception is unpickled from its args: (a,) is one short
        super().__init__(a)


def fail_unpicklable() -> None:
    raise Unpicklable("x", "y")


def die() -> None:
    os._exit(3)


async def settled(pool: WorkerPool) -> None:
    """Wait until the replacements the pool started in the background have joined it."""
    for _ in range(300):
        if len(pool.pids()) == pool.jobs:
            return
        await asyncio.sleep(0.1)
    raise AssertionError("the pool did not get back to its size")


@pytest.fixture
def pool() -> Iterator[WorkerPool]:
    p = WorkerPool(2, hard_seconds=3)
    p.start()
    yield p
    p.close()


def test_calls__results_and_exceptions_come_back_spread_over_the_workers(pool: WorkerPool) -> None:
    async def main() -> list[int]:
        with pytest.raises(ValueError, match="坏文件"):
            await pool.run(fail, "坏文件")
        with pytest.raises(WorkerFailed, match="unreadable reply"):  # the worker itself is fine and stays
            await pool.run(fail_unpicklable)
        return await asyncio.gather(*(pool.run(slow_pid, 0.3) for _ in range(4)))

    pids = asyncio.run(main())
    assert len(set(pids)) == 2 and os.getpid() not in pids
    assert pool.pids() == sorted(set(pids))  # no worker was replaced


def test_worker_dies__that_call_fails_the_next_ones_get_a_new_worker(pool: WorkerPool) -> None:
    async def main() -> tuple[set[int], set[int]]:
        before = set(await asyncio.gather(pool.run(slow_pid, 0.3), pool.run(slow_pid, 0.3)))
        with pytest.raises(WorkerDied, match="died"):
            await pool.run(die)
        await settled(pool)
        after = set(await asyncio.gather(pool.run(slow_pid, 0.3), pool.run(slow_pid, 0.3)))
        return before, after

    before, after = asyncio.run(main())
    assert len(before) == len(after) == 2 and len(before & after) == 1  # one replaced, the other still serving


def test_worker_hangs__killed_after_hard_seconds_and_replaced(pool: WorkerPool) -> None:
    async def main() -> tuple[float, int]:
        t0 = time.monotonic()
        with pytest.raises(WorkerTimedOut, match="no reply after 3 s"):
            await pool.run(slow_pid, 60)
        waited = time.monotonic() - t0
        await settled(pool)
        return waited, await pool.run(pid)

    waited, new = asyncio.run(main())
    assert 3 <= waited < 20 and new > 0


def test_request_cancelled__the_call_completes_and_its_worker_returns_to_the_pool() -> None:
    pool = WorkerPool(1, hard_seconds=10)

    async def main() -> tuple[int, int]:
        first = asyncio.ensure_future(pool.run(slow_pid, 0.5))
        await asyncio.sleep(0.2)
        first.cancel()  # the clerk closed the page while the file was being checked
        with pytest.raises(asyncio.CancelledError):
            await first
        return await pool.run(pid), await pool.run(pid)

    try:
        a, b = asyncio.run(main())
        assert a == b  # the one worker came back, nothing was killed
    finally:
        pool.close()


def test_close__idle_workers_exit_by_themselves_when_the_server_hangs_up() -> None:
    pool = WorkerPool(2)
    pool.start()
    pids = pool.pids()
    assert len(pids) == 2 and all(_alive(p) for p in pids)
    pool.close()
    assert not any(_alive(p) for p in pids)  # joined within close(): they saw the socket close


def test_jobs_0__calls_run_in_a_thread_of_this_process() -> None:
    pool = WorkerPool(0)
    try:
        assert asyncio.run(pool.run(pid)) == os.getpid()
    finally:
        pool.close()


def echo(x: int, seconds: float) -> tuple[int, int]:
    time.sleep(seconds)
    return x, os.getpid()


def test_pipelined_calls__each_gets_its_own_reply_in_any_mix_of_workers() -> None:
    pool = WorkerPool(2, hard_seconds=10)
    pool.start()

    async def main() -> list[tuple[int, int]]:
        return await asyncio.gather(*(pool.run(echo, i, 0.05 * (i % 3)) for i in range(12)))

    try:
        out = asyncio.run(main())
    finally:
        pool.close()
    assert [x for x, _ in out] == list(range(12)) and len({p for _, p in out}) == 2


def test_hung_worker__the_call_queued_behind_it_is_sent_again_and_succeeds() -> None:
    """Only the call that hung fails: the one pipelined behind it on that worker never ran, and runs elsewhere."""
    pool = WorkerPool(1, hard_seconds=2)
    pool.start()

    async def main() -> tuple[list[object], int]:
        hung = asyncio.ensure_future(pool.run(slow_pid, 60))
        await asyncio.sleep(0.1)
        behind = asyncio.ensure_future(pool.run(pid))  # sent to the same worker, behind the hung call
        await asyncio.sleep(0.1)
        later = asyncio.ensure_future(pool.run(pid))  # waits for a place: the replacement takes it
        done = await asyncio.gather(hung, behind, return_exceptions=True)
        return done, await later

    try:
        (hung, behind), new = asyncio.run(main())
    finally:
        pool.close()
    assert isinstance(hung, WorkerTimedOut) and behind == new and new > 0


def test_worker_dies__the_call_queued_behind_it_is_sent_again_and_succeeds() -> None:
    pool = WorkerPool(1, hard_seconds=10)
    pool.start()

    async def main() -> list[object]:
        dying = asyncio.ensure_future(pool.run(slow_die, 0.3))
        await asyncio.sleep(0.1)
        return await asyncio.gather(dying, pool.run(pid), return_exceptions=True)

    try:
        first = pool.pids()
        dying, behind = asyncio.run(main())
    finally:
        pool.close()
    assert isinstance(dying, WorkerDied) and isinstance(behind, int) and [behind] != first


def slow_die(seconds: float) -> None:
    time.sleep(seconds)
    os._exit(3)


SERVER = """
import sys, time
sys.path[:0] = {paths!r}
from xltemplates.checking.workers import WorkerPool
pool = WorkerPool(2)
pool.start()
print(" ".join(str(p) for p in pool.pids()), flush=True)
time.sleep(120)
"""


def test_server_killed__its_workers_exit_by_themselves() -> None:
    import signal
    import subprocess
    import sys

    code = SERVER.format(paths=sys.path)
    with subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.PIPE, text=True) as server:
        try:
            assert server.stdout is not None
            pids = [int(p) for p in server.stdout.readline().split()]
            assert len(pids) == 2 and all(_alive(p) for p in pids)
            server.send_signal(signal.SIGKILL)  # no chance to close anything: only the socket's end tells them
            server.wait(10)
            deadline = time.monotonic() + 20
            while any(_alive(p) for p in pids) and time.monotonic() < deadline:
                time.sleep(0.1)
            assert not any(_alive(p) for p in pids)
        finally:
            server.kill()


def _alive(pid: int) -> bool:
    """Whether the process runs (a zombie waiting for its reaper does not count)."""
    try:
        with open(f"/proc/{pid}/stat") as f:
            return f.read().rsplit(")", 1)[1].split()[0] != "Z"
    except OSError:
        return False


def setting(name: str) -> str | None:
    return os.environ.get(name)


def test_workers__started_after_the_environment_changed__see_their_owner_s_environment(
        monkeypatch: pytest.MonkeyPatch) -> None:
    """A fork server keeps the environment it started with; each worker is given its owner's as it starts."""
    monkeypatch.setenv("XLTEMPLATES_TEST_GONE", "旧")
    first = WorkerPool(1)
    first.start()  # the fork server (where the platform has one) runs from here, with the environment of now
    try:
        monkeypatch.setenv("XLTEMPLATES_TEST_SETTING", "新值")
        monkeypatch.delenv("XLTEMPLATES_TEST_GONE")
        second = WorkerPool(1)
        second.start()
        try:
            async def main() -> list[str | None]:
                return [await second.run(setting, "XLTEMPLATES_TEST_SETTING"),
                        await second.run(setting, "XLTEMPLATES_TEST_GONE")]

            assert asyncio.run(main()) == ["新值", None]
        finally:
            second.close()
    finally:
        first.close()
