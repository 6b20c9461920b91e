"""Arrays a build holds but will not read for a while, moved out of its memory.

A build makes the inverted index and the ranker's arrays (BM25 postings, embeddings) before
the duplicate search, which needs none of them but is the build's largest step. Inside
:func:`beside` (what :func:`paperlike.api.rebuild` does around a build, next to the model it
writes), each is written to a temporary file in that folder, unlinked at once, and mapped back
read-only: its pages are the system's page cache, read again when the model is saved (or
queried), and the file is gone when the last map of it goes, even if the process is killed.
Outside it (a library user's own ``build_index``), arrays stay in memory.
"""

from __future__ import annotations

import contextlib
import contextvars
import os
import tempfile
from collections.abc import Iterator
from pathlib import Path

import numpy as np

__all__ = ["SPILL_MIN_BYTES", "beside", "to_disk"]

# Smaller arrays are kept in memory: a file and a map each cost more than they would free.
SPILL_MIN_BYTES = 64 << 20
_folder: contextvars.ContextVar[Path | None] = contextvars.ContextVar("paperlike_spill", default=None)


@contextlib.contextmanager
def beside(path: str | os.PathLike) -> Iterator[None]:
    """Arrays given to :func:`to_disk` in this block go to the folder holding ``path`` (on
    the disk of the model being built; not ``$TMPDIR``, which may be memory). ``PAPERLIKE_SPILL=0``
    keeps them in memory."""
    off = os.environ.get("PAPERLIKE_SPILL", "").strip() == "0"
    token = _folder.set(None if off else Path(path).resolve().parent)
    try:
        yield
    finally:
        _folder.reset(token)


def to_disk(array: np.ndarray) -> np.ndarray:
    """The array's values in a read-only map of an unlinked temporary file (see :func:`beside`),
    or the array itself outside :func:`beside`, when it is smaller than
    :data:`SPILL_MIN_BYTES` or already mapped."""
    folder = _folder.get()
    if folder is None or isinstance(array, np.memmap) or np.asarray(array).nbytes < SPILL_MIN_BYTES:
        return array
    array = np.ascontiguousarray(array)
    with tempfile.TemporaryFile(prefix=".paperlike-spill-", dir=folder) as f:
        array.tofile(f)
        f.flush()
        return np.memmap(f, dtype=array.dtype, mode="r", shape=array.shape)
