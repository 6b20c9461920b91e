"""paperlike: "papers like this" and "is this the same paper?" from titles and abstracts."""

from __future__ import annotations

import importlib
import sys
import types
from typing import TYPE_CHECKING

# The public names resolve at their first use (PEP 562): ``import paperlike`` (and the command
# line, whose --help and --version need none of them) does not import pydantic, numpy, scipy or
# scikit-learn until a name that needs them is asked for. Each name's module:
_MODULES = {
    ".api": ["DEFAULT_MODEL", "add", "recommend", "refit", "build_index", "check", "dupes", "evaluate_dupes", "feed",
             "paper_summaries", "load_index", "model_info", "open_model", "papers", "save_index", "similar",
             "similar_many", "verify"],
    ".errors": ["ArgumentError", "BadRecordError", "EmptyCorpusError", "InputError", "MissingExtraError",
                "ModelError", "OutputError", "WorkerError", "NotFoundError", "PaperlikeError", "QueryError",
                "RequestError", "UsageError", "NotFittedError"],
    ".dedup": ["Deduplicator"],
    ".evaluate": ["DupeScores", "truth_from_field", "truth_from_pairs"],
    ".index": ["PaperIndex"],
    ".lists": ["ReadingList", "ReadingLists"],
    ".records": ["Corpus", "Paper", "Record", "Skipped", "Source"],
    ".requests": ["CheckRecord", "CheckRequest", "FeedRequest", "Filters", "RecommendRequest", "SimilarRequest"],
    ".results": ["AddReport", "CheckMatch", "CheckResult", "DupeGroup", "DupeMember", "Dupes", "Feed", "Graph", "GraphEdge", "GraphNode", "ListItem", "ModelInfo", "Neighbour", "PaperSummary", "Query", "Recommendations", "Similar", "SimilarAnswer", "VerifyReport"],
    ".sources": ["read_records", "seed_paths"],
    ".vectorize": ["Vectorizer"],
}
_HOME = {name: module for module, names in _MODULES.items() for name in names}


def __getattr__(name: str):
    if name in _HOME:
        value = getattr(importlib.import_module(_HOME[name], __name__), name)
    elif name == "normalize":
        # The public normalize, its argument checked; the readers call paperlike.text.normalize itself.
        from .arguments import checked
        from .text import normalize as plain

        value = checked(plain)
    elif name == "__version__":
        from ._version import __version__ as value
    elif name == "graph":
        # paperlike.graph is the module (the picture); its API functions are paperlike.api.graph,
        # graph_html and write_graph.
        value = importlib.import_module(".graph", __name__)
    else:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    globals()[name] = value
    return value


class _Package(types.ModuleType):
    """The package, whose API function ``recommend`` is not hidden by its module of that name.

    The import system sets every submodule, once imported, as an attribute of its package:
    ``paperlike.recommend`` would become the module when the index imports it, after (or
    instead of) resolving to :func:`paperlike.api.recommend`. Modules reach it by its full name.
    """

    def __setattr__(self, name: str, value) -> None:
        if name in _HOME and isinstance(value, types.ModuleType):
            return
        super().__setattr__(name, value)


sys.modules[__name__].__class__ = _Package


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__) | {"graph"})


if TYPE_CHECKING:  # what the names are, for type checkers and editors
    from . import graph  # noqa: F401  (the module)
    from .api import (
        DEFAULT_MODEL,
        add,
        build_index,
        check,
        dupes,
        evaluate_dupes,
        feed,
        load_index,
        model_info,
        open_model,
        paper_summaries,
        papers,
        recommend,
        refit,
        save_index,
        similar,
        similar_many,
        verify,
    )
    from .dedup import Deduplicator
    from .errors import (
        ArgumentError,
        BadRecordError,
        EmptyCorpusError,
        InputError,
        MissingExtraError,
        ModelError,
        NotFittedError,
        NotFoundError,
        OutputError,
        PaperlikeError,
        QueryError,
        RequestError,
        UsageError,
        WorkerError,
    )
    from .evaluate import DupeScores, truth_from_field, truth_from_pairs
    from .index import PaperIndex
    from .lists import ReadingList, ReadingLists
    from .records import Corpus, Paper, Record, Skipped, Source
    from .requests import CheckRecord, CheckRequest, FeedRequest, Filters, RecommendRequest, SimilarRequest
    from .results import (
        AddReport,
        CheckMatch,
        CheckResult,
        DupeGroup,
        DupeMember,
        Dupes,
        Feed,
        Graph,
        GraphEdge,
        GraphNode,
        ListItem,
        ModelInfo,
        Neighbour,
        PaperSummary,
        Query,
        Recommendations,
        Similar,
        SimilarAnswer,
        VerifyReport,
    )
    from .sources import read_records, seed_paths
    from .text import normalize  # checked (paperlike.arguments) when resolved
    from .vectorize import Vectorizer
    __version__: str

__all__ = [
    "DEFAULT_MODEL", "build_index", "load_index", "model_info", "verify", "VerifyReport", "open_model", "papers",
    "save_index", "similar", "similar_many", "recommend", "add", "refit", "read_records", "seed_paths", "normalize",
    "dupes", "check", "paper_summaries", "evaluate_dupes", "truth_from_field", "truth_from_pairs",
    "Graph", "GraphNode", "GraphEdge", "ReadingLists", "ReadingList",
    "PaperIndex", "Vectorizer", "Deduplicator",
    "Record", "Paper", "Source", "Corpus", "Skipped", "Query", "Neighbour", "Similar", "SimilarAnswer", "ModelInfo",
    "Dupes", "DupeGroup", "DupeMember", "CheckResult", "CheckMatch", "PaperSummary", "DupeScores",
    "Filters", "ListItem", "Recommendations", "AddReport", "feed", "Feed", "FeedRequest",
    "SimilarRequest", "RecommendRequest", "CheckRecord", "CheckRequest",
    "PaperlikeError", "InputError", "BadRecordError", "EmptyCorpusError", "ModelError",
    "QueryError", "NotFoundError", "UsageError", "ArgumentError", "RequestError", "MissingExtraError", "OutputError", "WorkerError",
    "NotFittedError", "__version__",
]
