"""Two pieces of work at once on a two-core machine: one in this process, one in a forked child.

A build's heavy steps are pure Python or single-threaded scipy, so the second core is idle
unless the work is split. A forked child sees the parent's data without copying it (the pages
are shared until written), so only the child's answer crosses the process boundary. Where
forking is not available, or the work is small, both pieces run here, one after the other, with
the same results.
"""

from __future__ import annotations

import multiprocessing
import os
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import TypeVar

__all__ = ["both", "in_child", "can_fork"]

A = TypeVar("A")
B = TypeVar("B")

_CHILD_WORK: Callable | None = None


def can_fork() -> bool:
    """Whether a second core and the fork start method are there to use."""
    return (os.cpu_count() or 1) >= 2 and "fork" in multiprocessing.get_all_start_methods()


def both(here: Callable[[], A], there: Callable[[], B], *, parallel: bool = True) -> tuple[A, B]:
    """``(here(), there())``, ``there`` computed in a forked child while ``here`` runs.

    ``there`` may be any callable (a closure too): the child inherits it instead of receiving it
    pickled. Its result comes back pickled, so it should be arrays or plain values. An exception
    in the child is raised here.
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
    global _CHILD_WORK
    _CHILD_WORK = there
    try:
        with multiprocessing.get_context("fork").Pool(1) as pool:
            _CHILD_WORK = None  # the child has its copy; the parent keeps no reference
            pending = pool.apply_async(_run_child_work)
            yield pending.get
    finally:
        _CHILD_WORK = None


def _run_child_work():
    return _CHILD_WORK()
