"""Where chunks run: in this process, in a local process pool, or on a Dask cluster; results in input order.

Every backend keeps a bounded window of chunks in flight (a few per worker), so memory stays flat
however large the input: the reader waits while the oldest chunk is still being attributed.
"""

from __future__ import annotations

import multiprocessing
import os
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import ProcessPoolExecutor
from typing import Any, Protocol, cast

from trueoem.batch.inputs import Failure, Item, Task
from trueoem.batch.work import Done, KbSpec, run_task, warm
from trueoem.match.engine import CompiledKB


class _Future(Protocol):
    def result(self) -> Any: ...

    def cancel(self) -> Any: ...


class _Ready:
    """A finished (or never started) piece of work: a chunk run in this process, or a failure."""

    def __init__(self, value: Done | Failure) -> None:
        self.value = value

    def result(self) -> Done | Failure:
        return self.value

    def cancel(self) -> bool:
        return False


def default_jobs() -> int:
    """The CPUs this process may use."""
    if hasattr(os, "sched_getaffinity"):
        return len(os.sched_getaffinity(0))
    return os.cpu_count() or 1


def _ordered(items: Iterable[Item], submit: Callable[[Task], _Future], window: int) -> Iterator[Done | Failure]:
    """Outcomes in input order, with at most ``window`` chunks submitted and not yet taken."""
    pending: deque[_Future] = deque()
    it = iter(items)
    try:
        for item in it:
            pending.append(_Ready(item) if isinstance(item, Failure) else submit(item))
            while len(pending) >= window:
                yield pending.popleft().result()
        while pending:
            yield pending.popleft().result()
    finally:
        for f in pending:
            f.cancel()


def inline(items: Iterable[Item], kb: KbSpec, as_lines: bool, ckb: CompiledKB | None) -> Iterator[Done | Failure]:
    """Every chunk in this process, one after the other."""
    for item in items:
        yield item if isinstance(item, Failure) else run_task(item, kb, as_lines, ckb)


def _context() -> Any:
    """forkserver where there is one (a fork of a process with threads, e.g. a Dask client, can hang)."""
    methods = multiprocessing.get_all_start_methods()
    if "forkserver" in methods:
        ctx = multiprocessing.get_context("forkserver")
        ctx.set_forkserver_preload(["trueoem.batch.work"])
        return ctx
    return multiprocessing.get_context("spawn")


def pool(items: Iterable[Item], kb: KbSpec, as_lines: bool, jobs: int) -> Iterator[Done | Failure]:
    """Chunks over ``jobs`` worker processes, each compiling the KB once when it starts."""
    with ProcessPoolExecutor(max_workers=jobs, mp_context=_context(), initializer=warm, initargs=(kb,)) as ex:
        try:
            yield from _ordered(items, lambda t: ex.submit(run_task, t, kb, as_lines), 2 * jobs + 1)
        finally:
            ex.shutdown(wait=True, cancel_futures=True)


def dask(items: Iterable[Item], kb: KbSpec, as_lines: bool, address: str) -> Iterator[Done | Failure]:
    """Chunks as tasks on the Dask cluster at ``address``; each worker compiles the KB once (cached)."""
    from distributed import Client

    client: Any = cast(Any, Client)(address, set_as_default=False)
    try:
        slots = sum(client.nthreads().values()) or 1

        def submit(t: Task) -> _Future:
            fut: _Future = client.submit(run_task, t, kb, as_lines, pure=False)
            return fut

        yield from _ordered(items, submit, 2 * slots + 1)
    finally:
        client.close()
