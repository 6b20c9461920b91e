"""Freed memory handed back to the system: glibc's ``malloc_trim``.

A build makes and drops many Python strings (the records as they are read, the texts as they
are counted). Freed, they stay in the C heap, and the large arrays made next (numpy maps its
own pages for those) do not reuse that space, so the process holds both. ``malloc_trim(0)``
returns the heap's free pages. It is a no-op where the C library is not glibc.
"""

from __future__ import annotations

import functools

__all__ = ["release_free_memory"]


@functools.lru_cache(maxsize=1)
def _trim():
    import ctypes  # here, not at import: ctypes.util alone costs a query's start milliseconds
    import ctypes.util

    name = ctypes.util.find_library("c")
    try:
        libc = ctypes.CDLL(name) if name else None
        return libc.malloc_trim if libc is not None else None
    except (OSError, AttributeError):  # not glibc
        return None


def release_free_memory() -> None:
    """Return the C heap's free pages to the system (glibc); nothing elsewhere."""
    trim = _trim()
    if trim is not None:
        trim(0)
