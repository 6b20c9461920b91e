"""Saved models: a folder of .npy, .json and Arrow files with a manifest, written atomically.

:meth:`PaperIndex.to_arrays` gathers the arrays and lists from the index and its components
(each one's own ``to_arrays``; ``from_arrays`` reads them back); this module writes them, the
records and the manifest under the model's lock, and checks them before anything reads them, so
that no file content can make a query read out of bounds (:func:`_check_structure`). Nothing is
unpickled. The files, what loading checks and what ``.verified`` trusts: docs/models.md.
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
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from importlib import metadata
from pathlib import Path

import numpy as np
from pydantic import TypeAdapter, ValidationError

from . import columns, parallel, spill
from . import manifest as schema
from .errors import ModelError
from .gcpause import collections_paused
from .index import PaperIndex
from .records import Addition, Decision, Record

__all__ = ["save", "load", "load_for_refit", "read_decisions", "read_additions", "writing", "FORMAT", "FORMAT_VERSION", "REFIT_READS", "read_manifest"]

FORMAT = "paperlike-index"
FORMAT_VERSION = 8
# Versions whose records and parameters ``paperlike index --refit`` can still read (3: before
# the ranking of paperlike.rank; 4: before the bibliographic fields and the review queue; 5:
# before the manifest's own digest and the checks of the arrays' structure; 6: before the
# records as Arrow columns, when they were a JSON-lines copy, records.jsonl; 7: before the
# citing file, cite.arrow).
REFIT_READS = (3, 4, 5, 6, 7, 8)
_JSON_RECORDS = "records.jsonl"  # the records of formats 3 to 6, with record_offsets.npy
VERIFIED = ".verified"
_LOCK_TIMEOUT = 600.0
MANIFEST = "manifest.json"
DECISIONS = "decisions.json"
ADDITIONS = "additions.json"
_ADDITION_LIST = TypeAdapter(list[Addition])
_DECISION_LIST = TypeAdapter(list[Decision])
# Every term of the vocabulary is another string: pydantic's cache of the strings it has seen
# would only cost.
_STRINGS = TypeAdapter(list[str], config={"strict": True, "cache_strings": False})
# A manifest lists a few hundred bytes per file and per input file; a larger one is not ours.
_MAX_MANIFEST_BYTES = 64 << 20
_PACKAGES = ("paperlike", "numpy", "scipy", "scikit-learn", "pydantic", "pyarrow")


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


def _write_records(index: PaperIndex, folder: Path) -> None:
    """Write the records file and the citing file (paperlike.columns)."""
    columns.write(index.records_, folder / schema.RECORDS, cite=folder / schema.CITE)


def _write_files(index: PaperIndex, folder: Path) -> dict[str, int]:
    """Write every file but the manifest: the records, and what :meth:`PaperIndex.to_arrays`
    gives (an array as ``NAME.npy``, a list as ``NAME.json``); the number of bytes of each."""
    # Writing the records and building the key tables are the save's two pure-Python steps:
    # on a large corpus the tables are built in a second process while this one writes.
    split = not index.keys_built and parallel.worth_forking("records", len(index.records_))
    _, keys = parallel.both(lambda: _write_records(index, folder), lambda: index.keys, parallel=split)
    index.use_keys(keys)
    dtypes = {**schema.ARRAYS, **schema.LSA_ARRAYS}
    for name, value in index.to_arrays().items():
        if isinstance(value, np.ndarray):  # in the dtype the loader checks (a KeyError: not listed)
            spill.save(folder / f"{name}.npy", np.asarray(value, dtype=dtypes[name]))
        else:
            _write_json(folder / f"{name}.json", value)
    return {p.name: p.stat().st_size for p in folder.iterdir()}


def _manifest(index: PaperIndex, files: dict[str, int], folder: Path) -> dict:
    """The manifest, with its own digest, checked against the schema the loader checks it with
    (a parameter out of range fails the save, not every later load)."""
    manifest = {
        "format": FORMAT,
        "format_version": FORMAT_VERSION,
        "created": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"),
        "versions": _versions(),
        **index.fitted_values(),
        "files": {name: {"bytes": files[name], "sha256": digest}
                  for name, digest in sorted(_digests(folder, files).items())},
    }
    manifest["manifest_sha256"] = schema.digest(manifest)
    try:
        schema.Manifest.model_validate(manifest)
    except ValidationError as exc:
        raise ModelError(f"cannot save the model: {_first_error(exc)}") from None
    return manifest


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
    staging = staging_of(target)
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


def staging_of(path: str | Path) -> Path:
    """This process's staging folder for the model at ``path`` (beside it, so on its file system)."""
    target = Path(path)
    return target.parent / f".{target.name}.tmp-{os.getpid()}"


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
    from filelock import FileLock, Timeout  # writers only: loading a model takes no lock

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
        try:
            owner.unlink(missing_ok=True)
        except OSError:
            pass
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
    """The manifest of a saved model, checked for format and version (one of ``versions``),
    against its schema and its own digest (see :mod:`paperlike.manifest`); ModelError, one
    line, for anything else."""
    folder = Path(path)
    _recover(folder)
    if not folder.is_dir():
        raise ModelError(f"{folder}: no such model folder; build one with 'paperlike index PATH --model {folder}'")
    file = folder / MANIFEST
    rebuild = "rebuild the model with 'paperlike index'"
    try:
        with file.open("rb") as f:
            data = f.read(_MAX_MANIFEST_BYTES + 1)
    except FileNotFoundError:
        raise ModelError(f"{folder}: not a paperlike model (no {MANIFEST})") from None
    except OSError as exc:
        raise ModelError(f"{file}: unreadable ({exc.strerror or exc}); {rebuild}") from None
    if len(data) > _MAX_MANIFEST_BYTES:
        raise ModelError(f"{file}: damaged (larger than {_MAX_MANIFEST_BYTES >> 20} MB); {rebuild}")
    try:
        manifest = json.loads(data.decode("utf-8"))
    except (ValueError, RecursionError):  # JSONDecodeError and UnicodeDecodeError are ValueErrors
        raise ModelError(f"{file}: damaged (not JSON); {rebuild}") from None
    if not isinstance(manifest, dict) or manifest.get("format") != FORMAT:
        raise ModelError(f"{folder}: not a paperlike model ({MANIFEST} names another format)")
    found = manifest.get("format_version")
    if type(found) is not int or found not in versions:
        shown = found if type(found) is int else repr(found)
        how = (f"'paperlike index --refit --model {folder}'" if type(found) is int and found in REFIT_READS
               else "'paperlike index'")
        raise ModelError(f"{folder}: model format version {_short(shown)}, this paperlike reads "
                         f"version {FORMAT_VERSION}; rebuild it with {how}")
    try:
        if found == FORMAT_VERSION:
            schema.Manifest.model_validate(manifest)
        else:
            schema.RefitManifest.model_validate(manifest)
    except ValidationError as exc:
        raise ModelError(f"{file}: damaged ({_first_error(exc)}); {rebuild}") from None
    if found == FORMAT_VERSION and manifest["manifest_sha256"] != schema.digest(manifest):
        raise ModelError(f"{file}: damaged (its content differs from its own manifest_sha256); {rebuild}")
    return manifest


def _first_error(exc: ValidationError) -> str:
    """The first of a schema's errors, as ``where: what[, not VALUE]`` on one short line."""
    error = exc.errors()[0]
    where = ".".join(str(part) for part in error["loc"])
    what = str(error["msg"]).removeprefix("Value error, ")
    value = error.get("input")
    if error["type"] != "value_error" and (value is None or isinstance(value, (str, int, float))):
        what += f", not {_short(json.dumps(value))}"
    return f"{where}: {what}" if where else what


def _short(value: object, limit: int = 40) -> str:
    text = str(value).replace("\n", " ")
    return text if len(text) <= limit else text[:limit - 3] + "..."


def _stamp(folder: Path, manifest: dict) -> bytes:
    """What ``.verified`` holds once the model has been verified: the manifest's digest and
    each file's size, modification time, inode and inode-change time (ctime, which no
    ``os.utime`` can set back: a byte written in place with the mtime restored changes it)."""
    files = {}
    for name in manifest["files"]:
        st = (folder / name).stat()
        files[name] = [st.st_size, st.st_mtime_ns, st.st_ino, st.st_ctime_ns]
    return json.dumps({"manifest": _sha256(folder / MANIFEST), "files": files}).encode("ascii")


def _stamp_matches(folder: Path, stamp: bytes) -> bool:
    try:
        with (folder / VERIFIED).open("rb") as f:
            return f.read(len(stamp) + 1) == stamp  # compared as bytes: nothing in it is parsed
    except OSError:
        return False


def _size_problems(folder: Path, manifest: dict) -> list[str]:
    problems = []
    for name, meta in manifest["files"].items():
        file = folder / name
        if not file.is_file():
            problems.append(f"{file}: missing from the model")
        elif file.stat().st_size != meta["bytes"]:
            problems.append(f"{file}: damaged (size differs from the manifest)")
    return problems


def _digest_problems(folder: Path, manifest: dict) -> list[str]:
    files = {name: meta["bytes"] for name, meta in manifest["files"].items()}
    found = _digests(folder, files)
    return [f"{folder / name}: damaged (checksum differs from the manifest)"
            for name, meta in sorted(manifest["files"].items()) if found[name] != meta["sha256"]]


_REBUILD = "rebuild the model with 'paperlike index'"


def _verified(folder: Path, manifest: dict) -> None:
    """Check every file's size; unless verified since they last changed (``.verified``), their
    SHA-256 and the structure of the arrays (:func:`_check_structure`)."""
    problems = _size_problems(folder, manifest)
    if problems:
        raise ModelError(f"{problems[0]}; {_REBUILD}")
    stamp = _stamp(folder, manifest)
    if _stamp_matches(folder, stamp):
        return
    for name, meta in manifest["files"].items():
        if _sha256(folder / name) != meta["sha256"]:
            raise ModelError(f"{folder / name}: damaged (checksum differs from the manifest); {_REBUILD}")
    if manifest["format_version"] == FORMAT_VERSION:
        _check_structure(folder, manifest)
    _remember(folder, stamp)


def _remember(folder: Path, stamp: bytes) -> None:
    try:
        (folder / VERIFIED).write_bytes(stamp)
    except OSError:  # a read-only model is verified again next time, nothing worse
        pass


def verify(path: str | Path) -> dict:
    """Verify a saved model now, whatever ``.verified`` says: its manifest, every file's size
    and SHA-256, and the structure of its arrays. ``{"model", "ok", "files", "bytes",
    "problems"}``, every problem found (a file missing or damaged), or the one that stopped
    the check (a manifest that cannot be read). A model found intact is remembered as verified;
    one found damaged loses its ``.verified``, so that load hashes it again and refuses it."""
    folder = Path(path)
    report = {"model": str(folder), "ok": False, "files": 0, "bytes": 0, "problems": []}
    try:
        manifest = read_manifest(folder)
    except ModelError as exc:
        report["problems"] = [str(exc)]
        return report
    report["files"] = len(manifest["files"]) + 1
    report["bytes"] = sum(meta["bytes"] for meta in manifest["files"].values()) + (folder / MANIFEST).stat().st_size
    problems = _size_problems(folder, manifest)
    present = {name: meta for name, meta in manifest["files"].items()
               if not any(p.startswith(f"{folder / name}: ") for p in problems)}
    problems += _digest_problems(folder, {"files": present})
    if not problems:
        try:
            _check_structure(folder, manifest)
        except ModelError as exc:
            problems.append(str(exc).removesuffix(f"; {_REBUILD}"))
    if not problems:
        _remember(folder, _stamp(folder, manifest))
    else:  # whatever let the cache trust these files, load must hash them again
        try:
            (folder / VERIFIED).unlink(missing_ok=True)
        except OSError:
            pass
    report["ok"], report["problems"] = not problems, problems
    return report


# -- the structure of the arrays ---------------------------------------------------------------

_CHUNK = 1 << 24  # values checked at a time: bounds the temporary arrays on a large model


def _bad(folder: Path, name: str, what: str) -> ModelError:
    return ModelError(f"{folder / name}: damaged ({what}); {_REBUILD}")


def _strings(folder: Path, name: str) -> list[str]:
    try:
        return _STRINGS.validate_json((folder / name).read_bytes())
    except ValidationError as exc:
        raise _bad(folder, name, _first_error(exc)) from None
    except OSError as exc:
        raise _bad(folder, name, f"unreadable: {exc.strerror or exc}") from None


def _open(folder: Path, manifest: dict) -> tuple[dict[str, np.ndarray], dict[str, list[str]]]:
    """The model's arrays, memory-mapped, and its lists of strings, each checked for its dtype,
    shape and length against the manifest's counts and each other (cheap: the headers and the
    JSON), on every load."""
    counts = manifest["counts"]
    R, T, P, V, N = (counts[k] for k in ("records", "texts", "papers", "vocabulary", "nonzeros"))
    lsa = manifest["ranker"]["lsa"]
    dtypes = {**schema.ARRAYS, **(schema.LSA_ARRAYS if lsa is not None else {})}
    arrays = {name: _array(folder, name) for name in dtypes}
    for name, dtype in dtypes.items():
        if arrays[name].dtype != np.dtype(dtype):  # native byte order: '>i8' is not int64 here
            raise _bad(folder, f"{name}.npy", f"{arrays[name].dtype.str} values, not {np.dtype(dtype).str}")
    k, m = len(arrays["version_pairs"]), len(arrays["maybe_pairs"])
    shapes = {
        "idf": (V,), "bm25_idf": (V,),
        "text_of_record": (R,), "record_date": (R,), "record_category_indptr": (R + 1,),
        "record_of_text": (T,), "paper_of_text": (T,), "canonical": (P,),
        "version_pairs": (k, 2), "version_scores": (k,), "maybe_pairs": (m, 2), "maybe_scores": (m,),
        "record_category_indices": (len(arrays["record_category_indices"]),),
        "X_data": (N,), "X_indices": (N,), "X_indptr": (T + 1,),
        "XT_data": (N,), "XT_indices": (N,), "XT_indptr": (V + 1,), "bm25_postings": (N,),
    }
    for name in schema.KEY_TABLES:
        n = len(arrays[f"keys_{name}_hash"])
        shapes[f"keys_{name}_hash"] = shapes[f"keys_{name}_value"] = (n,)
    if lsa is not None:
        L = len(arrays["lsa_terms"])
        shapes.update({"lsa_terms": (L,), "lsa_components": (L, lsa["rank"]), "lsa_embeddings": (T, lsa["rank"])})
    for name, shape in shapes.items():
        if arrays[name].shape != shape:
            raise _bad(folder, f"{name}.npy", f"shape {arrays[name].shape}, the manifest's counts make it {shape}")
    strings = {name: _strings(folder, f"{name}.json")
               for name in ("vocabulary", "version_rules", "generic_titles", "categories")}
    for name, n in (("vocabulary", V), ("version_rules", k)):
        if len(strings[name]) != n:
            raise _bad(folder, f"{name}.json", f"{len(strings[name])} entries, not {n}")
    return arrays, strings


def _check_structure(folder: Path, manifest: dict) -> None:
    """Check that every index in the arrays points where it may, so that no array can make a
    query read out of bounds (a segfault in scipy's kernels, an IndexError elsewhere): row
    pointers start at 0, never decrease and end at the number of values; column and row
    numbers are below their counts and sorted within each row; records, texts and papers
    point at each other consistently; the look-up tables are sorted and point at existing
    records, texts or papers; no term is in the vocabulary twice. Run with the SHA-256 pass (once per change of the files): a few
    passes over the integer arrays, a chunk at a time."""
    arrays, strings = _open(folder, manifest)
    counts = manifest["counts"]
    R, T, P, V, N = (counts[k] for k in ("records", "texts", "papers", "vocabulary", "nonzeros"))
    if len(set(strings["vocabulary"])) != V:  # a set of every term: here, not on every load
        raise _bad(folder, "vocabulary.json", "a term is there twice")

    def bounded(name: str, n: int) -> None:
        a = arrays[name].reshape(-1)
        for start in range(0, len(a), _CHUNK):
            part = a[start:start + _CHUNK]
            if int(part.min()) < 0 or int(part.max()) >= n:
                raise _bad(folder, f"{name}.npy", f"a value outside 0..{n - 1}")

    def pointers(name: str, end: int, strict: bool = False) -> None:
        p = arrays[name]
        if int(p[0]) != 0 or int(p[-1]) != end:
            raise _bad(folder, f"{name}.npy", f"runs from {int(p[0])} to {int(p[-1])}, not from 0 to {end}")
        for start in range(0, len(p) - 1, _CHUNK):
            part = p[start:start + _CHUNK + 1]
            if (part[1:] <= part[:-1] if strict else part[1:] < part[:-1]).any():
                raise _bad(folder, f"{name}.npy", "decreases" if not strict else "does not increase")

    def sorted_rows(indices: str, indptr: str) -> None:
        a, p = arrays[indices], arrays[indptr]
        for start in range(0, len(a) - 1, _CHUNK):
            part = a[start:start + _CHUNK + 1]
            second = np.flatnonzero(part[1:] <= part[:-1]) + start + 1  # the later of each bad pair
            at = np.searchsorted(p, second)
            if not (at < len(p)).all() or not (p[np.minimum(at, len(p) - 1)] == second).all():
                raise _bad(folder, f"{indices}.npy", "not sorted, or repeated, within a row")

    records = _records(folder, R)
    # each batch checked whole, its citing columns kept (not the abstracts) for the comparison below
    batches = [records.check_batch(k).select(list(columns.CITE_FIELDS)) for k in range(-(-R // records.batch_rows))]
    cite = records.cite
    cited = [cite.check_batch(k) for k in range(-(-R // cite.batch_rows))]
    # the citing file says what the records say (cite_rows need not be a multiple of batch_rows)
    at = 0
    for batch in batches:
        k, off = divmod(at, cite.batch_rows)
        parts, left = [], batch.num_rows
        while left:
            part = cited[k].slice(off, left)
            parts.append(part)
            left, k, off = left - part.num_rows, k + 1, 0
        if not columns.concat(parts).equals(batch):
            raise _bad(folder, schema.CITE, f"records {at + 1} to {at + batch.num_rows} differ from "
                       f"those of {schema.RECORDS}")
        at += batch.num_rows
    bounded("text_of_record", T)
    bounded("record_of_text", R)
    bounded("paper_of_text", P)
    bounded("canonical", R)
    text_of_record, record_of_text, paper_of_text = (np.asarray(arrays[n]) for n in
                                                     ("text_of_record", "record_of_text", "paper_of_text"))
    if not np.array_equal(text_of_record[record_of_text], np.arange(T)):
        raise _bad(folder, "record_of_text.npy", "a text's record is of another text")
    if not np.array_equal(paper_of_text[text_of_record[arrays["canonical"]]], np.arange(P)):
        raise _bad(folder, "canonical.npy", "a paper's canonical record is of another paper")
    bounded("version_pairs", T)
    bounded("maybe_pairs", T)
    pointers("record_category_indptr", len(arrays["record_category_indices"]))
    bounded("record_category_indices", len(strings["categories"]))
    for name, n_columns in (("X", V), ("XT", T)):
        pointers(f"{name}_indptr", N)
        bounded(f"{name}_indices", n_columns)
        sorted_rows(f"{name}_indices", f"{name}_indptr")
    if manifest["ranker"]["lsa"] is not None:
        bounded("lsa_terms", V)
    for name, n in (("id", R), ("title", P), ("short", P), ("text", T)):
        hashes = arrays[f"keys_{name}_hash"]
        for start in range(0, len(hashes) - 1, _CHUNK):
            part = hashes[start:start + _CHUNK + 1]
            if (part[1:] < part[:-1]).any():
                raise _bad(folder, f"keys_{name}_hash.npy", "not sorted")
        bounded(f"keys_{name}_value", n)


def _records(folder: Path, n: int, cite: bool = True) -> columns.RecordFile:
    """The records file of a model of this format, opened with its citing file (their footers
    checked against ``n``); without it (``cite`` False) for --refit of a format 7 model."""
    path, cite_path = folder / schema.RECORDS, folder / schema.CITE
    citing = (columns.CiteFile(cite_path, n, lambda what: ModelError(f"{cite_path}: damaged ({what}); {_REBUILD}"))
              if cite else None)
    return columns.RecordFile(path, n, lambda what: ModelError(f"{path}: damaged ({what}); {_REBUILD}"), citing)


class JsonRecords(Sequence[Record]):
    """The records of a model of format 3 to 6 (records.jsonl and its offsets), for --refit."""

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
        try:
            return Record.model_validate_json(self._data[self._offsets[i]:self._offsets[i + 1]])
        except ValidationError as exc:  # the file was verified: only a deliberate edit gets here
            raise ModelError(f"{self._path}: damaged (record {i + 1}: {_first_error(exc)}); "
                             f"{_REBUILD}") from None

    def __iter__(self) -> Iterator[Record]:
        return (self[i] for i in range(len(self)))


def _array(folder: Path, name: str) -> np.ndarray:
    try:
        # A plain ndarray view of the map: slicing a np.memmap costs a Python hook per slice.
        return np.asarray(np.load(folder / f"{name}.npy", allow_pickle=False, mmap_mode="r"))
    except (ValueError, OSError, EOFError, TypeError, SyntaxError, RecursionError, MemoryError, OverflowError) as exc:
        raise ModelError(f"{folder / (name + '.npy')}: unreadable ({_short(exc, 200)}); {_REBUILD}") from None


def load(path: str | Path) -> PaperIndex:
    """A saved index, after checking its format version and its files (see the module doc)."""
    folder = Path(path)
    manifest = read_manifest(folder)
    _verified(folder, manifest)
    arrays, strings = _open(folder, manifest)
    saved = {**arrays, **strings, "decisions": _decisions(folder), "additions": _additions(folder, manifest)}
    return PaperIndex.from_arrays(manifest, saved, _records(folder, manifest["counts"]["records"]))


def _additions(folder: Path, manifest: dict) -> list[Addition]:
    """When the records came in; for a model saved before that was kept, all of them when it
    was created. ModelError for additions that do not tile the records in order."""
    records = manifest["counts"]["records"]
    if ADDITIONS not in manifest["files"]:
        return [Addition(at=manifest["created"], first=0, count=records)]
    try:
        additions = _ADDITION_LIST.validate_json((folder / ADDITIONS).read_bytes())
    except (OSError, ValidationError) as exc:
        raise ModelError(f"{folder / ADDITIONS}: damaged ({_short(exc, 200)}); {_REBUILD}") from None
    at = 0
    for addition in additions:
        if addition.first != at:
            raise ModelError(f"{folder / ADDITIONS}: damaged (an addition starts at record {addition.first}, "
                             f"not {at}); {_REBUILD}")
        at += addition.count
    if at != records:
        raise ModelError(f"{folder / ADDITIONS}: damaged (its additions hold {at} records, the model "
                         f"{records}); {_REBUILD}")
    return additions


def read_additions(path: str | Path) -> list[Addition]:
    """When the records of a saved model came in (to carry them through a refit, which keeps the
    records and their order); none for a folder that is not a model of this format."""
    folder = Path(path)
    try:
        manifest = read_manifest(folder)
    except ModelError:
        return []
    return _additions(folder, manifest)


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


def load_for_refit(path: str | Path) -> tuple[list[Record], dict]:
    """The records and the parameters of a saved model, of this format version or an older one
    that ``--refit`` still reads (REFIT_READS), after checking its files."""
    folder = Path(path)
    manifest = read_manifest(folder, REFIT_READS)
    _verified(folder, manifest)
    if (folder / DECISIONS).exists() and DECISIONS not in manifest["files"]:
        raise ModelError(f"{folder / MANIFEST}: damaged (files: {DECISIONS} is not listed); {_REBUILD}")
    if schema.RECORDS in manifest["files"]:  # format 7 on
        counts = manifest.get("counts") or {}
        if not isinstance(counts.get("records"), int):
            raise ModelError(f"{folder / MANIFEST}: damaged (counts: the number of records is missing); {_REBUILD}")
        return list(_records(folder, counts["records"], cite=False)), manifest["parameters"], _decisions(folder)
    offsets = _array(folder, "record_offsets")
    size = manifest["files"][_JSON_RECORDS]["bytes"]
    if (offsets.dtype != np.dtype(np.int64) or offsets.ndim != 1 or len(offsets) < 2 or int(offsets[0]) != 0
            or int(offsets[-1]) != size or (offsets[1:] <= offsets[:-1]).any()):
        raise _bad(folder, "record_offsets.npy", f"not the offsets of records in {size} bytes")
    return (list(JsonRecords(folder / _JSON_RECORDS, offsets)), manifest["parameters"], _decisions(folder))
