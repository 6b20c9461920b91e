"""The Python API: the functions the CLI calls, one per command, for notebooks and tools.

    >>> import paperlike
    >>> index = paperlike.build_index(paperlike.read_records(paperlike.seed_paths()).records)
    >>> index.similar("FastCorrect 2", k=2).results[0].title
    'Mask the Correct Tokens: An Embarrassingly Simple Approach for Error Correction'
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from pathlib import Path

from . import store
from .index import PaperIndex
from .models import Corpus, ModelInfo, Paper, Similar, SourceCount
from .sources import read_records, seed_paths
from .vectorize import Vectorizer

__all__ = ["DEFAULT_MODEL", "build_index", "save_index", "load_index", "open_model", "similar",
           "model_info", "papers"]

DEFAULT_MODEL = Path("models") / "default"


def build_index(records: Iterable[Paper] | Corpus, vectorizer: Vectorizer | None = None) -> PaperIndex:
    """A fitted index over the records (or over a Corpus's records)."""
    if isinstance(records, Corpus):
        records = records.records
    return PaperIndex(vectorizer).fit(records)


def save_index(index: PaperIndex, path: str | Path) -> Path:
    """Save atomically to a model folder; see :mod:`paperlike.store`."""
    return store.save(index, path)


def load_index(path: str | Path) -> PaperIndex:
    """Load a model folder, checking its format version and checksums."""
    return store.load(path)


def open_model(path: str | Path = DEFAULT_MODEL, notice: Callable[[str], None] | None = None) -> PaperIndex:
    """The model at path; the default model is built from the bundled seeds when missing."""
    path = Path(path)
    if not path.exists() and path == DEFAULT_MODEL:
        corpus = read_records(seed_paths())
        if notice:
            notice(f"no model at {path}; building it from the bundled seed corpus "
                   f"({len(corpus.records)} records)")
        index = build_index(corpus)
        store.save(index, path)
        return index
    return store.load(path)


def similar(index: PaperIndex, query: str, k: int = 10, kind: str | None = None) -> Similar:
    """The k papers most like the query: a record id, an arXiv id, a title, or free text."""
    return index.similar(query, k=k, kind=kind)


def papers(index: PaperIndex) -> list[Paper]:
    """Every record the index holds, in index order."""
    return list(index.records_)


def model_info(path: str | Path) -> ModelInfo:
    """What a saved model holds, from its manifest."""
    folder = Path(path)
    manifest = store.read_manifest(folder)
    counts = manifest["counts"]
    return ModelInfo(
        path=str(folder), format_version=manifest["format_version"], created=manifest["created"],
        records=counts["records"], texts=counts["texts"], papers=counts["papers"],
        vocabulary=counts["vocabulary"], parameters=manifest["parameters"],
        versions=manifest["versions"],
        sources=[SourceCount(**s) for s in manifest["sources"]],
        size_bytes=sum(f["bytes"] for f in manifest["files"].values()),
    )
