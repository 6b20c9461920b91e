"""paperlike: "papers like this" and "is this the same paper?" from titles and abstracts."""

from importlib import metadata

# paperlike.graph is the module (the picture); its API functions are paperlike.api.graph,
# graph_html and write_graph.
from . import graph
from .api import (
    DEFAULT_MODEL,
    add,
    recommend,
    refit,
    build_index,
    check,
    dupes,
    evaluate_dupes,
    feed,
    paper_summaries,
    load_index,
    model_info,
    open_model,
    papers,
    save_index,
    similar,
    similar_many,
    verify,
)
from .errors import (
    ArgumentError,
    BadRecordError,
    EmptyCorpusError,
    InputError,
    MissingExtraError,
    ModelError,
    OutputError,
    WorkerError,
    NotFoundError,
    PaperlikeError,
    QueryError,
    RequestError,
    UsageError,
)
from .dedup import Deduplicator
from .evaluate import DupeScores, truth_from_field, truth_from_pairs
from .index import PaperIndex
from .models import (
    AddReport,
    CheckMatch,
    CheckRecord,
    CheckRequest,
    CheckResult,
    Corpus,
    Feed,
    FeedRequest,
    Filters,
    ListItem,
    RecommendRequest,
    Recommendations,
    DupeGroup,
    DupeMember,
    Dupes,
    Graph,
    GraphEdge,
    GraphNode,
    ModelInfo,
    VerifyReport,
    Neighbour,
    Paper,
    PaperSummary,
    Query,
    Similar,
    SimilarAnswer,
    SimilarRequest,
    Skipped,
    Source,
)
from .arguments import checked as _checked
from .sources import read_records, seed_paths
from .text import normalize as _normalize
from .vectorize import Vectorizer

# The public normalize, its argument checked; the readers call paperlike.text.normalize itself.
normalize = _checked(_normalize)

try:
    __version__ = metadata.version("paperlike")
except metadata.PackageNotFoundError:  # running from a checkout without installing
    __version__ = "0.0.0+unknown"

__all__ = [
    "DEFAULT_MODEL", "build_index", "load_index", "model_info", "verify", "VerifyReport", "open_model", "papers",
    "save_index", "similar", "similar_many", "recommend", "add", "refit", "read_records", "seed_paths", "normalize",
    "dupes", "check", "paper_summaries", "evaluate_dupes", "truth_from_field", "truth_from_pairs",
    "Graph", "GraphNode", "GraphEdge",
    "PaperIndex", "Vectorizer", "Deduplicator",
    "Paper", "Source", "Corpus", "Skipped", "Query", "Neighbour", "Similar", "SimilarAnswer", "ModelInfo",
    "Dupes", "DupeGroup", "DupeMember", "CheckResult", "CheckMatch", "PaperSummary", "DupeScores",
    "Filters", "ListItem", "Recommendations", "AddReport", "feed", "Feed", "FeedRequest",
    "SimilarRequest", "RecommendRequest", "CheckRecord", "CheckRequest",
    "PaperlikeError", "InputError", "BadRecordError", "EmptyCorpusError", "ModelError",
    "QueryError", "NotFoundError", "UsageError", "ArgumentError", "RequestError", "MissingExtraError", "OutputError", "WorkerError",
    "__version__",
]
