"""The defaults, limits and names the command line shows in its help, in a leaf that imports
nothing of paperlike's: ``paperlike --help`` and ``--version`` build every command's options
from them without loading pydantic, numpy, the readers or the index (see tests/test_startup.py).

Each belongs to the module that uses it, which imports it from here and re-exports it:
``paperlike.api.DEFAULT_MODEL``, ``paperlike.requests.MAX_K``, ``paperlike.sources.MAX_RECORD_BYTES``,
``paperlike.graph.DEFAULT_MIN_COSINE``, ``paperlike.dedup.rules.RELATIONS``.
"""

from __future__ import annotations

from pathlib import Path

__all__ = ["DEFAULT_MODEL", "MAX_K", "MAX_DIVERSE_K", "MAX_RECORD_BYTES", "DEFAULT_MIN_COSINE", "INPUT_FORMATS",
           "RELATIONS"]

DEFAULT_MODEL = Path("models") / "default"
"""The model folder a command uses when given none (built from the bundled seeds on first use)."""

MAX_K = 1000
"""The most results one request may ask for."""

MAX_DIVERSE_K = 100
"""The most results a ``diverse`` request may ask for: maximal marginal relevance compares every
two of its 10 candidates per result, so its cost grows with the square of k (at k = 1000 it takes
seconds and gigabytes)."""

# The default limit on one record's size: its line, entry or JSON value in the file (a year of
# arXiv listings has none over 20 kB). Larger records are skipped with their reason, so that one
# runaway record (or a small gzip of gigabytes) cannot take the memory and the hours a whole
# corpus would; read_records(max_record_bytes=...) and --max-record-bytes raise it.
MAX_RECORD_BYTES = 1 << 20

DEFAULT_MIN_COSINE = 0.15
"""The cosine from which ``graph`` joins two neighbours."""

INPUT_FORMATS = ("listing", "bibtex", "ris", "openalex", "semantic-scholar", "arxiv-json", "csv", "zotero",
                 "parquet", "arrow")
"""The names of the input formats, in the order they are tried (the keys of
``paperlike.sources.FORMATS``)."""

RELATIONS = ("copy", "truncated", "revised", "same DOI", "preprint and published", "translation",
             "bibliographic match", "decided")
"""How a version relates to its paper's canonical record (``paperlike.dedup.rules``)."""
