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
from collections.abc import Callable
from typing import TypeVar

__all__ = ["both", "can_fork"]

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
    if not (parallel and can_fork()):
        return here(), there()
    global _CHILD_WORK
    _CHILD_WORK = there
    try:
        with multiprocessing.get_context("fork").Pool(1) as pool:
            other = pool.apply_async(_run_child_work)
            mine = here()
            theirs = other.get()
    finally:
        _CHILD_WORK = None
    return mine, theirs


def _run_child_work():
    return _CHILD_WORK()
