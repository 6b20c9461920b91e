"""Python's cyclic garbage collector, paused while a corpus is read or an index is built.

Reading a million records makes tens of millions of long-lived objects (records, their lists
and strings). The collector visits every tracked object each time the oldest generation grows
by a quarter, so it visits the whole corpus again and again while the corpus is being made, and
none of it is garbage (the time it costs: benchmarks/RESULTS.md, "Design measurements").
Reference cycles made in the meantime are collected when it resumes.
"""

from __future__ import annotations

import contextlib
import gc

__all__ = ["collections_paused"]


class collections_paused(contextlib.ContextDecorator):
    """No cyclic garbage collection in this block (or function); nested uses are fine, and the
    collector is left as it was found (still off if the caller had turned it off)."""

    def _recreate_cm(self) -> collections_paused:
        return type(self)()  # each call of a decorated function keeps its own state

    def __enter__(self) -> collections_paused:
        self._was_enabled = gc.isenabled()
        gc.disable()
        return self

    def __exit__(self, *exc: object) -> None:
        if self._was_enabled:
            gc.enable()
