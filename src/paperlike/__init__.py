"""paperlike: "papers like this" and "is this the same paper?" from titles and abstracts."""

from importlib import metadata

from .api import (
    DEFAULT_MODEL,
    build_index,
    load_index,
    model_info,
    open_model,
    papers,
    save_index,
    similar,
)
from .errors import (
    BadRecordError,
    EmptyCorpusError,
    InputError,
    ModelError,
    PaperlikeError,
    QueryError,
    UsageError,
)
from .index import PaperIndex
from .models import Corpus, ModelInfo, Neighbour, Paper, Query, Similar, Skipped, Source
from .sources import read_records, seed_paths
from .text import normalize
from .vectorize import Vectorizer

try:
    __version__ = metadata.version("paperlike")
except metadata.PackageNotFoundError:  # running from a checkout without installing
    __version__ = "0.0.0+unknown"

__all__ = [
    "DEFAULT_MODEL", "build_index", "load_index", "model_info", "open_model", "papers",
    "save_index", "similar", "read_records", "seed_paths", "normalize",
    "PaperIndex", "Vectorizer",
    "Paper", "Source", "Corpus", "Skipped", "Query", "Neighbour", "Similar", "ModelInfo",
    "PaperlikeError", "InputError", "BadRecordError", "EmptyCorpusError", "ModelError",
    "QueryError", "UsageError",
    "__version__",
]
