"""Two pieces of work at once on a two-core machine: one in this process, one in a forked child.

A build's heavy steps are pure Python or single-threaded scipy, so the second core is idle
unless the work is split. A forked child sees the parent's data without copying it (the pages
are shared until written), so only the child's answer crosses the process boundary. Where
forking is not available, or the work is small, both pieces run here, one after the other, with
the same results.
"""

from __future__ import annotations

import contextvars
import gc
import os
import signal
import threading
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, TypeVar

from .errors import WorkerError

if TYPE_CHECKING:  # multiprocessing and concurrent.futures are imported when a second core is used
    from concurrent.futures import ThreadPoolExecutor

__all__ = ["both", "in_child", "can_fork", "worth_forking", "PARALLEL_MIN", "second_thread", "one_thread",
           "two_at_a_time", "end_second_thread"]

# The sizes from which a second process pays: below them, forking and sending the child's
# answer back cost more than the half of the work it takes. ``texts``: texts tokenised or
# joined (vectorize, dedup.candidates); ``records``: records hashed or written (index, store);
# ``bytes``: a JSON-lines file read in two halves (sources).
PARALLEL_MIN = {"texts": 20_000, "records": 50_000, "bytes": 16 << 20}

A = TypeVar("A")
B = TypeVar("B")

_pool: tuple[int, ThreadPoolExecutor] | None = None
_pool_lock = threading.Lock()
_threads = contextvars.ContextVar("paperlike_threads", default=True)


def second_thread() -> ThreadPoolExecutor | None:
    """This process's one worker thread, for compiled kernels that release the GIL (scipy's
    sparse products), or None with one core, ``PAPERLIKE_JOBS=1`` or inside :func:`one_thread`.
    Its tasks must not wait on it themselves. After a fork it is a new one: threads do not
    survive a fork."""
    global _pool
    if not _threads.get() or _one_job() or (os.cpu_count() or 1) < 2:
        return None
    with _pool_lock:
        if _pool is None or _pool[0] != os.getpid():
            from concurrent.futures import ThreadPoolExecutor

            _pool = (os.getpid(), ThreadPoolExecutor(max_workers=1, thread_name_prefix="paperlike"))
        return _pool[1]


def end_second_thread() -> None:
    """End this process's worker thread, once its tasks are done (a next
    :func:`second_thread` starts another)."""
    global _pool
    with _pool_lock:
        pool, _pool = _pool, None
    if pool is not None and pool[0] == os.getpid():
        pool[1].shutdown(wait=True)


def two_at_a_time(work: Callable[[A], B], items: Iterable[A]) -> list[B]:
    """``[work(x) for x in items]``, two items at once when :func:`second_thread` gives a thread
    (for work in compiled kernels that release the GIL); the results in the items' order. The
    items are taken from the iterable two at a time, so a generator's items need not all be
    held at once."""
    pool = second_thread()
    if pool is None:
        return [work(x) for x in items]
    out: list[B] = []
    items = iter(items)
    for mine in items:
        other = next(items, _NONE)
        theirs = pool.submit(work, other) if other is not _NONE else None
        out.append(work(mine))
        if theirs is not None:
            out.append(theirs.result())
    return out


_NONE = object()


@contextmanager
def one_thread() -> Iterator[None]:
    """No second thread in this block: for work that already keeps every core busy with one
    process each (a batch split between two processes)."""
    token = _threads.set(False)
    try:
        yield
    finally:
        _threads.reset(token)


def can_fork() -> bool:
    """Whether a second core and the fork start method are there to use, and the user has not
    asked for one process (``PAPERLIKE_JOBS=1``)."""
    import multiprocessing

    return (not _one_job() and (os.cpu_count() or 1) >= 2
            and "fork" in multiprocessing.get_all_start_methods())


def worth_forking(kind: str, size: int) -> bool:
    """Whether work of this size is worth a second process: at least ``PARALLEL_MIN[kind]``
    (``"texts"``, ``"records"`` or ``"bytes"``), and :func:`can_fork`."""
    return size >= PARALLEL_MIN[kind] and can_fork()


def _one_job() -> bool:
    """Whether the user asked for one process and one thread (``PAPERLIKE_JOBS=1``)."""
    return os.environ.get("PAPERLIKE_JOBS", "").strip() == "1"


def both(here: Callable[[], A], there: Callable[[], B], *, parallel: bool = True) -> tuple[A, B]:
    """``(here(), there())``, ``there`` computed in a forked child while ``here`` runs.

    ``there`` may be any callable (a closure too): the child inherits it instead of receiving it
    pickled. Its result comes back pickled, so it should be arrays or plain values. An exception
    in the child is raised here; a child that dies (killed for want of memory) is a WorkerError.
    """
    with in_child(there, parallel=parallel) as theirs:
        mine = here()
        return mine, theirs()


@contextmanager
def in_child(there: Callable[[], B], *, parallel: bool = True) -> Iterator[Callable[[], B]]:
    """Start ``there`` in a forked child; yields the function that waits for its result.

    Without a second core (or with ``parallel`` false) the function computes it here, when
    called. Leaving the block ends the child, finished or not.
    """
    if not (parallel and can_fork()):
        yield there
        return
    import multiprocessing

    receive, send = multiprocessing.Pipe(duplex=False)
    child = multiprocessing.get_context("fork").Process(target=_answer, args=(there, send), daemon=True)
    # The child's garbage collections would write to every object it inherited (a collection
    # marks each object it visits), and so copy the whole heap page by page: frozen objects are
    # not visited. The parent unfreezes its own at once.
    gc.freeze()
    try:
        child.start()
    finally:
        gc.unfreeze()
    send.close()  # so that the child's death, not a message, is what ends a wait

    def result() -> B:
        try:
            ok, value = receive.recv()
        except EOFError:
            child.join()
            raise WorkerError(_died(child.exitcode)) from None
        if not ok:
            raise value
        return value

    try:
        yield result
    finally:
        if child.is_alive():
            child.terminate()
        child.join()
        receive.close()


def _answer(there: Callable[[], B], send) -> None:
    try:
        answer = (True, there())
    except BaseException as exc:  # noqa: BLE001 - every failure goes back to the parent
        answer = (False, exc)
    send.send(answer)
    send.close()


def _died(exitcode: int | None) -> str:
    why = ("killed by the system, most likely for want of memory" if exitcode == -signal.SIGKILL
           else f"exit code {exitcode}")
    return (f"the second worker process died before it answered ({why}); "
            "set PAPERLIKE_JOBS=1 to work in one process, which needs less memory")
