"""Saved models: a folder of .npy and .json files with a manifest, written atomically.

Layout (format version 1)::

    manifest.json      format name and version, parameters, versions, counts, sources, checksums
    records.jsonl      one Paper per line, in index order
    vocabulary.json    the terms, in column order
    idf.npy            float32 IDF per term
    X_data.npy, X_indices.npy, X_indptr.npy     the L2-normalised TF-IDF rows (CSR)
    text_of_record.npy, record_of_text.npy, paper_of_text.npy     the grouping
    version_pairs.npy, version_scores.npy, version_rules.json     why texts are one paper

Nothing is ever unpickled: arrays load with ``allow_pickle=False`` and every file's SHA-256
is checked against the manifest before use.
"""

from __future__ import annotations

import datetime
import hashlib
import json
import os
import shutil
from collections import Counter
from importlib import metadata
from pathlib import Path

import numpy as np
import scipy.sparse as sp

from .errors import ModelError
from .dedup import Deduplicator
from .index import PaperIndex
from .models import Paper
from .vectorize import Vectorizer

__all__ = ["save", "load", "FORMAT", "FORMAT_VERSION", "read_manifest"]

FORMAT = "paperlike-index"
FORMAT_VERSION = 1
MANIFEST = "manifest.json"
_ARRAYS = ("X_data", "X_indices", "X_indptr", "text_of_record", "record_of_text", "paper_of_text")
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


def _write_files(index: PaperIndex, folder: Path) -> dict[str, int]:
    """Write every file but the manifest; the number of bytes of each."""
    with (folder / "records.jsonl").open("w", encoding="utf-8") as f:
        for record in index.records_:
            f.write(record.model_dump_json() + "\n")
    _write_json(folder / "vocabulary.json", [str(t) for t in index.vectorizer.vocabulary_])
    arrays = {
        "idf": index.vectorizer.idf_.astype(np.float32),
        "X_data": index.X_.data.astype(np.float32),
        "X_indices": index.X_.indices.astype(np.int32),
        "X_indptr": index.X_.indptr.astype(np.int64),
        "text_of_record": index.text_of_record_.astype(np.int64),
        "record_of_text": index.record_of_text_.astype(np.int64),
        "paper_of_text": index.paper_of_text_.astype(np.int64),
        "version_pairs": index.dedup.pairs_.astype(np.int64),
        "version_scores": index.dedup.scores_.astype(np.float32),
    }
    _write_json(folder / "version_rules.json", index.dedup.rules_)
    _write_json(folder / "generic_titles.json", sorted(index.dedup.generic_titles_))
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
                       "explain_terms": index.explain_terms},
        "counts": {"records": len(index.records_), "texts": int(index.X_.shape[0]),
                   "papers": index.n_papers, "vocabulary": int(index.X_.shape[1]),
                   "nonzeros": int(index.X_.nnz)},
        "sources": [{"path": path, "records": n} for path, n in sorted(sources.items())],
        "files": {name: {"bytes": size, "sha256": _sha256(folder / name)}
                  for name, size in sorted(files.items())},
    }


def save(index: PaperIndex, path: str | Path) -> Path:
    """Save a fitted index to a folder, atomically: readers see the old model or the new one.

    An existing folder is replaced only if it is a paperlike model (or empty).
    """
    target = Path(path)
    if target.exists() and not target.is_dir():
        raise ModelError(f"{target}: exists and is not a folder; choose another --model path")
    if target.is_dir() and any(target.iterdir()) and not (target / MANIFEST).exists():
        raise ModelError(f"{target}: exists and is not a paperlike model; refusing to replace it")
    target.parent.mkdir(parents=True, exist_ok=True)
    staging = target.parent / f".{target.name}.tmp-{os.getpid()}"
    shutil.rmtree(staging, ignore_errors=True)
    staging.mkdir()
    try:
        files = _write_files(index, staging)
        _write_json(staging / MANIFEST, _manifest(index, files, staging))
        for file in staging.iterdir():
            _fsync(file)
        _swap_in(staging, target)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return target


def _swap_in(staging: Path, target: Path) -> None:
    # Two renames: if the process dies between them, load() finds the old model beside the
    # missing folder and puts it back.
    old = target.parent / f".{target.name}.old"
    shutil.rmtree(old, ignore_errors=True)
    if target.exists():
        os.rename(target, old)
    os.rename(staging, target)
    shutil.rmtree(old, ignore_errors=True)


def _recover(target: Path) -> None:
    old = target.parent / f".{target.name}.old"
    if not target.exists() and (old / MANIFEST).exists():
        os.rename(old, target)


def read_manifest(path: str | Path) -> dict:
    """The manifest of a saved model, checked for format and version."""
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
    if manifest.get("format_version") != FORMAT_VERSION:
        raise ModelError(
            f"{folder}: model format version {manifest.get('format_version')}, this paperlike reads "
            f"version {FORMAT_VERSION}; rebuild it with 'paperlike index'")
    return manifest


def _verified(folder: Path, manifest: dict) -> None:
    for name, meta in manifest["files"].items():
        file = folder / name
        if not file.is_file():
            raise ModelError(f"{file}: missing from the model; rebuild it with 'paperlike index'")
        if file.stat().st_size != meta["bytes"] or _sha256(file) != meta["sha256"]:
            raise ModelError(f"{file}: damaged (checksum differs from the manifest); "
                             "rebuild the model with 'paperlike index'")


def _array(folder: Path, name: str) -> np.ndarray:
    try:
        return np.load(folder / f"{name}.npy", allow_pickle=False)
    except (ValueError, OSError) as exc:
        raise ModelError(f"{folder / (name + '.npy')}: unreadable ({exc})") from None


def load(path: str | Path) -> PaperIndex:
    """A saved index, after checking its format version and every file's checksum."""
    folder = Path(path)
    manifest = read_manifest(folder)
    _verified(folder, manifest)
    params = manifest["parameters"]
    vocabulary = json.loads((folder / "vocabulary.json").read_text(encoding="utf-8"))
    vectorizer = Vectorizer.from_fitted(params["vectorizer"], vocabulary, _array(folder, "idf"))
    dedup = Deduplicator(**params["dedup"])
    dedup.pairs_ = _array(folder, "version_pairs").reshape(-1, 2)
    dedup.scores_ = _array(folder, "version_scores")
    dedup.rules_ = json.loads((folder / "version_rules.json").read_text(encoding="utf-8"))
    dedup.generic_titles_ = set(json.loads((folder / "generic_titles.json").read_text(encoding="utf-8")))
    index = PaperIndex(vectorizer, dedup=dedup, explain_terms=params["explain_terms"])
    with (folder / "records.jsonl").open(encoding="utf-8") as f:
        index.records_ = [Paper.model_validate_json(line) for line in f]
    index.text_of_record_ = _array(folder, "text_of_record")
    index.record_of_text_ = _array(folder, "record_of_text")
    index.paper_of_text_ = dedup.paper_of_text_ = _array(folder, "paper_of_text")
    shape = (len(index.record_of_text_), len(vocabulary))
    matrix = sp.csr_matrix((_array(folder, "X_data"), _array(folder, "X_indices"),
                            _array(folder, "X_indptr")), shape=shape)
    index._set_matrix(matrix)
    index._group_records()
    return index
