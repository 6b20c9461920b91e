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
import weakref
from collections.abc import Iterator
from pathlib import Path

import numpy as np

__all__ = ["SPILL_MIN_BYTES", "beside", "read_part", "save", "to_disk", "to_file"]

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
    if folder is None or np.asarray(array).nbytes < SPILL_MIN_BYTES or _file_of(array) is not None:
        return array
    array = np.ascontiguousarray(array)
    f = _written(folder, [array])
    try:
        mapped = np.memmap(f, dtype=array.dtype, mode="r", shape=array.shape)
    except BaseException:
        f.close()
        raise
    key = id(mapped)

    def gone(_: object, key: int = key, f=f) -> None:
        _files.pop(key, None)
        f.close()

    _files[key] = (f, weakref.ref(mapped, gone))
    return mapped


def to_file(parts: list[bytes]) -> tuple[object, list[tuple[int, int]]] | None:
    """Byte strings written one after another to an unlinked temporary file (see
    :func:`beside`): the open file and each part's (offset, size), for reading them back with
    :func:`read_part`; None outside :func:`beside` or when they are smaller than
    :data:`SPILL_MIN_BYTES` in all."""
    folder = _folder.get()
    if folder is None or sum(len(p) for p in parts) < SPILL_MIN_BYTES:
        return None
    places, offset = [], 0
    for part in parts:
        places.append((offset, len(part)))
        offset += len(part)
    return _written(folder, parts), places


def _written(folder: Path, parts: list) -> object:
    """An unlinked temporary file in ``folder`` holding the parts (buffers), one after another,
    flushed; closed again if writing fails."""
    import tempfile  # a build's, not a query's

    f = tempfile.TemporaryFile(prefix=".paperlike-spill-", dir=folder)
    try:
        for part in parts:
            f.write(part)
        f.flush()
    except BaseException:
        f.close()
        raise
    return f


def read_part(f, place: tuple[int, int]) -> bytes:
    """One part :func:`to_file` wrote, read from its file (not mapped: the page cache holds it,
    not this process)."""
    offset, size = place
    data = os.pread(f.fileno(), size, offset)
    if len(data) != size:
        raise OSError("a spilled file ended early")
    return data


# The file under each map made here, by the map's id, while the map lives: saving copies a
# spilled array from its file (pages read there go to the page cache, not to this process).
_files: dict[int, tuple] = {}


def _file_of(array: np.ndarray):
    """The spilled file holding exactly ``array``'s values (it or a view of all of it), or None."""
    base = array
    while base is not None:
        found = _files.get(id(base))
        if found is not None and found[1]() is base:
            whole = (base.nbytes == array.nbytes and base.dtype == array.dtype and array.flags.c_contiguous
                     and base.__array_interface__["data"][0] == array.__array_interface__["data"][0])
            return found[0] if whole else None
        base = getattr(base, "base", None)
    return None


def save(path: str | os.PathLike, array: np.ndarray) -> None:
    """``np.save(path, array, allow_pickle=False)``, the same bytes; a spilled array's values
    are copied from its file rather than read through its map."""
    source = _file_of(array)
    if source is None:
        np.save(path, array, allow_pickle=False)
        return
    with open(path, "wb") as out:
        np.lib.format.write_array_header_1_0(out, np.lib.format.header_data_from_array_1_0(array))
        out.flush()
        offset, size = 0, array.nbytes
        while offset < size:
            block = os.pread(source.fileno(), min(_COPY_BLOCK, size - offset), offset)
            if not block:
                raise OSError(f"{path}: a spilled array's file ended early")
            out.write(block)
            offset += len(block)


_COPY_BLOCK = 16 << 20
