"""Saved models: a folder of .npy and .json files with a manifest, written atomically.

Layout (format version 5)::

    manifest.json      format name and version, parameters, versions, counts, sources, checksums
    records.jsonl      one Paper per line, in index order; record_offsets.npy: where each starts
    vocabulary.json    the terms, in column order
    idf.npy            float32 IDF per term
    X_data.npy, X_indices.npy, X_indptr.npy      the L2-normalised TF-IDF rows (CSR)
    XT_data.npy, XT_indices.npy, XT_indptr.npy   the same transposed: the inverted index
    bm25_postings.npy, bm25_idf.npy              BM25 value of each posting of XT, BM25 idf per term
    lsa_terms.npy, lsa_components.npy, lsa_embeddings.npy   the LSA (absent on a small corpus)
    text_of_record.npy, record_of_text.npy, paper_of_text.npy, canonical.npy   the grouping
    version_pairs.npy, version_scores.npy, version_rules.json, generic_titles.json   why
    maybe_pairs.npy, maybe_scores.npy            pairs left for a person to decide
    decisions.json     people's decisions on pairs of records (paperlike decide)
    keys_{id,title,short,text}_{hash,value}.npy  id, title and text-identity look-up tables
    record_date.npy, record_category_{indices,indptr}.npy, categories.json   for filters

Nothing is ever unpickled: arrays load with ``allow_pickle=False``, memory-mapped, and records
are parsed only when asked for, so opening a model costs little whatever its size. Every file's
size and SHA-256 are checked against the manifest; the SHA-256 pass is remembered in
``.verified`` (file sizes, modification times and inodes), so a model is hashed again only
after one of its files changed.
"""

from __future__ import annotations

import datetime
import errno
import glob
import hashlib
import json
import mmap
import os
import shutil
from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from importlib import metadata
from pathlib import Path

import numpy as np
import scipy.sparse as sp
from filelock import FileLock, Timeout

from . import parallel
from .errors import ModelError
from .heap import collections_paused
from .filters import Facets
from .dedup import Deduplicator
from .index import PaperIndex
from .keys import KeyTable
from .lsa import Lsa
from pydantic import TypeAdapter, ValidationError

from .models import Decision, Paper
from .rank import Ranker
from .vectorize import Vectorizer

__all__ = ["save", "load", "load_for_refit", "read_decisions", "writing", "FORMAT", "FORMAT_VERSION", "REFIT_READS", "read_manifest"]

FORMAT = "paperlike-index"
FORMAT_VERSION = 5
# Versions whose records and parameters ``paperlike index --refit`` can still read (3: before
# the ranking of paperlike.rank; 4: before the bibliographic fields and the review queue).
REFIT_READS = (3, 4, 5)
VERIFIED = ".verified"
_LOCK_TIMEOUT = 600.0
MANIFEST = "manifest.json"
DECISIONS = "decisions.json"
# Below this many records a second process costs more than it saves.
_PARALLEL_MIN_RECORDS = 50_000
_DECISION_LIST = TypeAdapter(list[Decision])
_PACKAGES = ("paperlike", "numpy", "scipy", "scikit-learn", "pydantic")


def _versions() -> dict[str, str]:
    found = {}
    for name in _PACKAGES:
        try:
            found[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            found[name] = "unknown"
    return found


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _write_json(path: Path, value: object) -> None:
    path.write_text(json.dumps(value, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")


def _fsync(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _write_records(index: PaperIndex, folder: Path) -> np.ndarray:
    """Write records.jsonl; the byte offset where each record starts, and the end."""
    offsets = [0]
    with (folder / "records.jsonl").open("wb") as f:
        as_json = Paper.__pydantic_serializer__.to_json  # model_dump_json without its keywords
        for record in index.records_:
            line = as_json(record) + b"\n"
            f.write(line)
            offsets.append(offsets[-1] + len(line))
    return np.array(offsets, dtype=np.int64)


def _write_files(index: PaperIndex, folder: Path) -> dict[str, int]:
    """Write every file but the manifest; the number of bytes of each."""
    # Writing the records and building the key tables are the save's two pure-Python steps
    # (7.4 and 7.6 s at a million records): on a large corpus the tables are built in a second
    # process while this one writes.
    split = getattr(index, "_keys", None) is None and len(index.records_) >= _PARALLEL_MIN_RECORDS
    offsets, index._keys = parallel.both(lambda: _write_records(index, folder), lambda: index.keys,
                                         parallel=split)
    _write_json(folder / "vocabulary.json", [str(t) for t in index.vectorizer.vocabulary_])
    _write_json(folder / "version_rules.json", index.dedup.rules_)
    _write_json(folder / "generic_titles.json", sorted(index.dedup.generic_titles_))
    _write_json(folder / "categories.json", index.facets_.names)
    _write_json(folder / DECISIONS, [d.model_dump(mode="json") for d in index.decisions_])
    arrays = {
        "record_offsets": offsets,
        "idf": index.vectorizer.idf_.astype(np.float32),
        "text_of_record": index.text_of_record_.astype(np.int64),
        "record_of_text": index.record_of_text_.astype(np.int64),
        "paper_of_text": index.paper_of_text_.astype(np.int64),
        "canonical": index.canonical_.astype(np.int64),
        "version_pairs": index.dedup.pairs_.astype(np.int64),
        "version_scores": index.dedup.scores_.astype(np.float32),
        "maybe_pairs": index.dedup.maybe_.astype(np.int64),
        "maybe_scores": index.dedup.maybe_scores_.astype(np.float32),
        "record_date": index.facets_.dates.astype(np.int32),
        "record_category_indices": index.facets_.categories.indices.astype(np.int32),
        "record_category_indptr": index.facets_.categories.indptr.astype(np.int64),
    }
    for name, matrix in (("X", index.X_), ("XT", index.XT_)):
        # asarray: no copy of arrays already of the stored dtype (astype copies them all)
        arrays[f"{name}_data"] = np.asarray(matrix.data, dtype=np.float32)
        arrays[f"{name}_indices"] = np.asarray(matrix.indices, dtype=np.int32)
        arrays[f"{name}_indptr"] = np.asarray(matrix.indptr, dtype=np.int64)
    ranker = index.ranker
    arrays["bm25_postings"] = np.asarray(ranker.postings_, dtype=np.float32)
    arrays["bm25_idf"] = np.asarray(ranker.idf_, dtype=np.float32)
    if ranker.lsa_ is not None:
        arrays["lsa_terms"] = np.asarray(ranker.lsa_.terms_, dtype=np.int32)
        arrays["lsa_components"] = np.asarray(ranker.lsa_.components_, dtype=np.float32)
        arrays["lsa_embeddings"] = np.asarray(ranker.Z_, dtype=np.float16)
    for name, table in index.keys.items():
        arrays[f"keys_{name}_hash"] = table.hashes.astype(np.uint64)
        arrays[f"keys_{name}_value"] = table.values.astype(np.int64)
    for name, array in arrays.items():
        np.save(folder / f"{name}.npy", array, allow_pickle=False)
    return {p.name: p.stat().st_size for p in folder.iterdir()}


def _manifest(index: PaperIndex, files: dict[str, int], folder: Path) -> dict:
    sources = Counter(r.source.path for r in index.records_ if r.source)
    return {
        "format": FORMAT,
        "format_version": FORMAT_VERSION,
        "created": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"),
        "versions": _versions(),
        "parameters": {"vectorizer": index.vectorizer.get_params(),
                       "dedup": index.dedup.get_params(),
                       "ranker": index.ranker.get_params(),
                       "explain_terms": index.explain_terms},
        "ranker": {"avgdl": index.ranker.avgdl_,
                   "lsa": None if index.ranker.lsa_ is None else {**index.ranker.lsa_.get_params(),
                                                                  "rank": index.ranker.lsa_.rank_}},
        "counts": {"records": len(index.records_), "texts": int(index.X_.shape[0]),
                   "papers": index.n_papers, "vocabulary": int(index.X_.shape[1]),
                   "nonzeros": int(index.X_.nnz)},
        "sources": [{"path": path, "records": n} for path, n in sorted(sources.items())],
        "updates": index.updates_,
        "files": {name: {"bytes": files[name], "sha256": digest}
                  for name, digest in sorted(_digests(folder, files).items())},
    }


def _digests(folder: Path, files: dict[str, int]) -> dict[str, str]:
    """The SHA-256 of each file, two at a time (hashlib lets go of the GIL on large buffers),
    the largest first so that the two threads end together."""
    names = sorted(files, key=lambda name: -files[name])
    return dict(zip(names, parallel.two_at_a_time(lambda name: _sha256(folder / name), names)))


@collections_paused()
def save(index: PaperIndex, path: str | Path) -> Path:
    """Save a fitted index to a folder, atomically: readers see the old model or the new one.

    An existing folder is replaced only if it is a paperlike model (or empty). A save that
    cannot be written (a full disk, a folder that is not writable) is a ModelError that says
    the old model is intact, and leaves nothing behind.
    """
    target = Path(path)
    if target.exists() and not target.is_dir():
        raise ModelError(f"{target}: exists and is not a folder; choose another --model path")
    if target.is_dir() and any(target.iterdir()) and not (target / MANIFEST).exists():
        raise ModelError(f"{target}: exists and is not a paperlike model; refusing to replace it")
    staging = target.parent / f".{target.name}.tmp-{os.getpid()}"
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.rmtree(staging, ignore_errors=True)
        _remove_stale_staging(target)
        staging.mkdir()
        try:
            files = _write_files(index, staging)
            _write_json(staging / MANIFEST, _manifest(index, files, staging))
            for file in staging.iterdir():
                _fsync(file)
            _swap_in(staging, target)
        finally:
            shutil.rmtree(staging, ignore_errors=True)
    except OSError as exc:
        try:
            _recover(target)  # a rename that failed between the two of _swap_in
        except OSError:
            pass  # load() tries again
        raise _cannot_write(target, "save the model", exc) from None
    return target


def _remove_stale_staging(target: Path) -> None:
    """Remove the staging folders (``.NAME.tmp-PID``) that saves of this model left when their
    process was killed: those whose process is gone. A live process's folder is kept (it may be
    saving now, without the lock, as ``save_index`` may), and so is one whose pid was reused by
    a process that lives, until that one ends. A pid is looked up on this host only: a model on
    a shared disk that writers on other hosts save to keeps their folders until they finish."""
    prefix = f".{target.name}.tmp-"
    for folder in target.parent.glob(f"{glob.escape(prefix)}*"):
        digits = folder.name[len(prefix):]
        pid = int(digits) if digits.isascii() and digits.isdigit() and len(digits) < 10 else 0
        if pid > 0 and pid != os.getpid() and not _alive(pid):
            shutil.rmtree(folder, ignore_errors=True)


def _alive(pid: int) -> bool:
    """Whether a process of this pid exists (signal 0 checks without sending anything)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError:  # EPERM: it exists, and is another user's
        return True
    return True


def _cannot_write(target: Path, what: str, exc: OSError) -> ModelError:
    """The one-line error of a write that failed: why, what became of the old model, what to do."""
    why = exc.strerror or str(exc) or type(exc).__name__
    if exc.filename and Path(exc.filename) != target:
        why += f": {exc.filename}"
    kept = "the old model is intact" if (target / MANIFEST).is_file() else "no model was written there"
    full = exc.errno in (errno.ENOSPC, getattr(errno, "EDQUOT", errno.ENOSPC))
    todo = "free some disk space and try again" if full else "choose a writable --model folder"
    return ModelError(f"{target}: cannot {what} ({why}); {kept}; {todo}")


def _swap_in(staging: Path, target: Path) -> None:
    # Two renames: if the process dies between them, load() finds the old model beside the
    # missing folder and puts it back.
    old = target.parent / f".{target.name}.old"
    shutil.rmtree(old, ignore_errors=True)
    if target.exists():
        os.rename(target, old)
    os.rename(staging, target)
    shutil.rmtree(old, ignore_errors=True)


@contextmanager
def writing(path: str | Path, notice: Callable[[str], None] | None = None,
            timeout: float = _LOCK_TIMEOUT) -> Iterator[None]:
    """Hold the model's write lock (a lock file beside the folder, which the atomic save
    replaces) while a writer reads, changes and saves it: a second writer waits, with a notice
    naming the process that holds it, and gives up with ModelError after ``timeout`` seconds.
    Readers take no lock: they see the old model or the new one.

    filelock does not tell who holds a lock, so the holder writes its pid into a sidecar file
    (``.NAME.lock.pid``) once it has the lock and removes it before letting go; a waiter reads it
    for its messages, and blames no process when the file is missing, unreadable, or names a
    process that is gone (a holder killed before removing it: the kernel released its lock)."""
    target = Path(path)
    lock_path = target.parent / f".{target.name}.lock"
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        # Created here first: filelock retries a lock file it cannot create (in /proc, say)
        # until the timeout, as if another process held it.
        os.close(os.open(lock_path, os.O_RDWR | os.O_CREAT, 0o644))
    except OSError as exc:
        raise _cannot_write(target, "take the model's write lock", exc) from None
    lock = FileLock(lock_path)
    try:
        try:
            lock.acquire(timeout=0)
        except Timeout:
            if notice:
                notice(f"{target}: the model is being written by {_holder_name(target)}; "
                       f"waiting for it to finish (up to {timeout:g} s)")
            lock.acquire(timeout=timeout)
    except Timeout:
        raise ModelError(f"{target}: the model is being written by {_holder_name(target)}, still after "
                         f"{timeout:g} s; try again when it has finished") from None
    except OSError as exc:
        raise _cannot_write(target, "take the model's write lock", exc) from None
    owner = _owner_file(target)
    try:
        owner.write_text(f"{os.getpid()}\n", encoding="ascii")
    except OSError:
        pass  # a full disk: the waiters' messages name no process, nothing worse
    try:
        yield
    finally:
        owner.unlink(missing_ok=True)
        lock.release()


def _owner_file(target: Path) -> Path:
    return target.parent / f".{target.name}.lock.pid"


def _holder(target: Path) -> int | None:
    """The pid of the live process that wrote the lock's pid file, if any."""
    try:
        with _owner_file(target).open("rb") as f:
            text = f.read(32).strip()
    except OSError:
        return None
    pid = int(text) if text.isdigit() and len(text) < 10 else 0
    return pid if pid > 0 and _alive(pid) else None


def _holder_name(target: Path) -> str:
    pid = _holder(target)
    return f"process {pid}" if pid is not None else "another paperlike process"


def _recover(target: Path) -> None:
    old = target.parent / f".{target.name}.old"
    if not target.exists() and (old / MANIFEST).exists():
        os.rename(old, target)


def read_manifest(path: str | Path, versions: tuple[int, ...] = (FORMAT_VERSION,)) -> dict:
    """The manifest of a saved model, checked for format and version (one of ``versions``)."""
    folder = Path(path)
    _recover(folder)
    if not folder.is_dir():
        raise ModelError(f"{folder}: no such model folder; build one with 'paperlike index PATH --model {folder}'")
    try:
        manifest = json.loads((folder / MANIFEST).read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ModelError(f"{folder}: not a paperlike model (no {MANIFEST})") from None
    except (json.JSONDecodeError, UnicodeDecodeError):
        raise ModelError(f"{folder}/{MANIFEST}: damaged (not JSON); rebuild the model with 'paperlike index'") from None
    if not isinstance(manifest, dict) or manifest.get("format") != FORMAT:
        raise ModelError(f"{folder}: not a paperlike model ({MANIFEST} names another format)")
    if manifest.get("format_version") not in versions:
        found = manifest.get("format_version")
        how = (f"'paperlike index --refit --model {folder}'" if found in REFIT_READS
               else "'paperlike index'")
        raise ModelError(f"{folder}: model format version {found}, this paperlike reads "
                         f"version {FORMAT_VERSION}; rebuild it with {how}")
    return manifest


def _stat_stamp(folder: Path, manifest: dict) -> dict[str, list[int]]:
    stamp = {}
    for name in manifest["files"]:
        st = (folder / name).stat()
        stamp[name] = [st.st_size, st.st_mtime_ns, st.st_ino]
    return stamp


def _verified(folder: Path, manifest: dict) -> None:
    """Check every file's size, and its SHA-256 unless verified since it last changed."""
    for name, meta in manifest["files"].items():
        file = folder / name
        if not file.is_file():
            raise ModelError(f"{file}: missing from the model; rebuild it with 'paperlike index'")
        if file.stat().st_size != meta["bytes"]:
            raise ModelError(f"{file}: damaged (size differs from the manifest); "
                             "rebuild the model with 'paperlike index'")
    stamp = {"manifest": _sha256(folder / MANIFEST), "files": _stat_stamp(folder, manifest)}
    try:
        if json.loads((folder / VERIFIED).read_text(encoding="utf-8")) == stamp:
            return
    except (OSError, ValueError):
        pass
    for name, meta in manifest["files"].items():
        if _sha256(folder / name) != meta["sha256"]:
            raise ModelError(f"{folder / name}: damaged (checksum differs from the manifest); "
                             "rebuild the model with 'paperlike index'")
    try:
        _write_json(folder / VERIFIED, stamp)
    except OSError:  # a read-only model is verified again next time, nothing worse
        pass


class RecordStore(Sequence[Paper]):
    """The records of a saved model, parsed from records.jsonl only when asked for."""

    def __init__(self, path: Path, offsets: np.ndarray) -> None:
        self._path = path
        self._offsets = offsets
        self._file = path.open("rb")
        self._data = mmap.mmap(self._file.fileno(), 0, access=mmap.ACCESS_READ) if offsets[-1] else b""

    def __len__(self) -> int:
        return len(self._offsets) - 1

    def __getitem__(self, i):
        if isinstance(i, slice):
            return [self[j] for j in range(*i.indices(len(self)))]
        if i < 0:
            i += len(self)
        if not 0 <= i < len(self):
            raise IndexError(i)
        return Paper.model_validate_json(self._data[self._offsets[i]:self._offsets[i + 1]])

    def __iter__(self) -> Iterator[Paper]:
        return (self[i] for i in range(len(self)))


def _array(folder: Path, name: str) -> np.ndarray:
    try:
        # A plain ndarray view of the map: slicing a np.memmap costs a Python hook per slice.
        return np.asarray(np.load(folder / f"{name}.npy", allow_pickle=False, mmap_mode="r"))
    except (ValueError, OSError) as exc:
        raise ModelError(f"{folder / (name + '.npy')}: unreadable ({exc})") from None


def _matrix(folder: Path, name: str, shape: tuple[int, int]) -> sp.csr_matrix:
    # Built from the memory-mapped arrays as they are: no copy, no format check pass.
    matrix = sp.csr_matrix(shape, dtype=np.float32)
    matrix.data = _array(folder, f"{name}_data")
    matrix.indices = _array(folder, f"{name}_indices")
    indptr = _array(folder, f"{name}_indptr")
    # scipy wants one index type: a copy of the (short) row pointers to int32 spares it
    # converting the (long) column indices on every product.
    matrix.indptr = indptr.astype(np.int32) if indptr[-1] < np.iinfo(np.int32).max else indptr
    matrix.has_sorted_indices = True
    return matrix


def load(path: str | Path) -> PaperIndex:
    """A saved index, after checking its format version and its files (see the module doc)."""
    folder = Path(path)
    manifest = read_manifest(folder)
    _verified(folder, manifest)
    params = manifest["parameters"]
    vocabulary = json.loads((folder / "vocabulary.json").read_text(encoding="utf-8"))
    vectorizer = Vectorizer.from_fitted(params["vectorizer"], vocabulary, _array(folder, "idf"))
    dedup = Deduplicator(**params["dedup"])
    dedup.pairs_ = _array(folder, "version_pairs").reshape(-1, 2)
    dedup.scores_ = _array(folder, "version_scores")
    dedup.maybe_ = _array(folder, "maybe_pairs").reshape(-1, 2)
    dedup.maybe_scores_ = _array(folder, "maybe_scores")
    dedup.rules_ = json.loads((folder / "version_rules.json").read_text(encoding="utf-8"))
    dedup.generic_titles_ = set(json.loads((folder / "generic_titles.json").read_text(encoding="utf-8")))
    ranker = Ranker(**params["ranker"])
    ranker.avgdl_ = float(manifest["ranker"]["avgdl"])
    ranker.postings_ = _array(folder, "bm25_postings")
    ranker.idf_ = _array(folder, "bm25_idf")
    ranker.lsa_, ranker.Z_ = None, None
    lsa = manifest["ranker"]["lsa"]
    if lsa is not None:
        ranker.lsa_ = Lsa.from_fitted({k: v for k, v in lsa.items() if k != "rank"}, _array(folder, "lsa_terms"),
                                      _array(folder, "lsa_components"), len(vocabulary))
        ranker.Z_ = _array(folder, "lsa_embeddings")
    index = PaperIndex(vectorizer, dedup=dedup, ranker=ranker, explain_terms=params["explain_terms"])
    index.records_ = RecordStore(folder / "records.jsonl", _array(folder, "record_offsets"))
    index.text_of_record_ = _array(folder, "text_of_record")
    index.record_of_text_ = _array(folder, "record_of_text")
    index.paper_of_text_ = dedup.paper_of_text_ = _array(folder, "paper_of_text")
    n_texts, n_terms = len(index.record_of_text_), len(vocabulary)
    index.X_ = _matrix(folder, "X", (n_texts, n_terms))
    index.XT_ = _matrix(folder, "XT", (n_terms, n_texts))
    index._group_records(canonical=_array(folder, "canonical"))
    index._keys = {name: KeyTable(_array(folder, f"keys_{name}_hash"), _array(folder, f"keys_{name}_value"))
                   for name in ("id", "title", "short", "text")}
    categories = json.loads((folder / "categories.json").read_text(encoding="utf-8"))
    indices = _array(folder, "record_category_indices")
    index.facets_ = Facets(_array(folder, "record_date"), sp.csr_matrix(
        (np.ones(len(indices), dtype=np.int8), indices, _array(folder, "record_category_indptr")),
        shape=(len(index.records_), len(categories))), categories)
    index.updates_ = manifest.get("updates", {})
    index.decisions_ = _decisions(folder)
    return index


def _decisions(folder: Path) -> list[Decision]:
    try:
        return _DECISION_LIST.validate_json((folder / DECISIONS).read_bytes())
    except FileNotFoundError:
        return []
    except ValidationError as exc:
        raise ModelError(f"{folder / DECISIONS}: damaged ({exc.errors()[0]['msg']}); "
                         "rebuild the model with 'paperlike index'") from None


def read_decisions(path: str | Path) -> list[Decision]:
    """The decisions kept with a saved model (none for a folder that is not a model of this
    format), to carry them into a model built again at the same place."""
    folder = Path(path)
    try:
        read_manifest(folder, REFIT_READS)
    except ModelError:
        return []
    return _decisions(folder)


def load_for_refit(path: str | Path) -> tuple[list[Paper], dict]:
    """The records and the parameters of a saved model, of this format version or an older one
    that ``--refit`` still reads (REFIT_READS), after checking its files."""
    folder = Path(path)
    manifest = read_manifest(folder, REFIT_READS)
    _verified(folder, manifest)
    return (list(RecordStore(folder / "records.jsonl", _array(folder, "record_offsets"))), manifest["parameters"],
            _decisions(folder))
