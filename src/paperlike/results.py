"""Results going out: what every command, API function and endpoint answers.

Their JSON form is what ``--format json`` prints and the service returns; their schemas are
snapshot in tests/golden/schemas, so a change of what tools parse is deliberate.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import (
    Field,
)

from .records import Decision, Model, Record, Source
from .requests import Filters

__all__ = ["AddReport", "CheckMatch", "CheckResult", "DecideReport", "DupeGroup", "DupeMember", "Dupes", "ErrorMessage", "Feed", "Graph", "GraphEdge", "GraphNode", "Health", "IndexSummary", "ListItem", "MaybePair", "ModelInfo", "Neighbour", "PaperRecord", "PaperSummary", "Query", "Recommendations", "Similar", "SimilarAnswer", "SourceCount", "VerifyReport"]


class Query(Model):
    """How a query was read: as a known paper (by id or title) or as free text."""

    text: str
    kind: Literal["id", "title", "text"]
    id: str | None = None
    title: str | None = None


class Neighbour(Model):
    """One result of "papers like this"."""

    rank: int | None = Field(default=None, ge=1, description="1 for the best result, then 2, 3, ...")
    id: str
    title: str | None
    label: str = Field(description="The title, or the abstract's opening words when untitled.")
    score: float = Field(description="(lexical + lambda * topic) / (1 + lambda); see paperlike.rank.")
    terms: list[str] = Field(description="The shared terms that contribute most to the lexical score.")
    versions: list[str] = Field(default_factory=list)
    topic: float | None = Field(default=None, description=(
        "Topic (LSA) similarity with the query, 0 to 1, when it was part of the score; null "
        "otherwise (a reading list, a small model, a result past the re-ranked candidates)."))
    # What a result needs to be cited and opened (paperlike.citation): additive fields.
    authors: list[str] = Field(default_factory=list)
    date: str | None = Field(default=None, description=(
        "The paper's first known date, ISO (YYYY, YYYY-MM or YYYY-MM-DD): what the date filters "
        "compare; a record's publication date, else its arXiv id's month."))
    year: int | None = None
    venue: str | None = Field(default=None, description="The journal or conference, when a record names it.")
    doi: str | None = None
    arxiv: str | None = Field(default=None, description="The arXiv id, without version, when the paper has one.")
    url: str | None = Field(default=None, description="The arXiv abstract page, else the https://doi.org/ link.")


class Similar(Model):
    """The answer to ``similar``: how the query was read, and its nearest papers."""

    query: Query
    results: list[Neighbour]
    empty: str | None = Field(default=None, description=(
        "Why there are no results, when there are none: the filters left no paper (with the "
        "dates and categories the model holds), or no paper shares a word with the query."))


class SimilarAnswer(Model):
    """One query of a batch (``similar_many``): its answer, or why it has none."""

    query: str
    answer: Similar | None = None
    error: str | None = None


class SourceCount(Model):
    """How many records an index holds from one input file."""

    path: str
    records: int


class ModelInfo(Model):
    """What a saved model holds (``paperlike info``)."""

    path: str
    format_version: int
    created: str
    records: int
    texts: int
    papers: int
    vocabulary: int
    parameters: dict[str, Any]
    versions: dict[str, str]
    sources: list[SourceCount]
    size_bytes: int
    updates: dict[str, Any] = Field(
        default_factory=dict,
        description="Records added since the vocabulary was fitted, and how many of their words "
                    "it does not know (the vocabulary's staleness).")


class IndexSummary(Model):
    """What ``paperlike index`` built (its --format json)."""

    model: str
    records: int
    papers: int
    vocabulary: int
    skipped: int


class VerifyReport(Model):
    """What ``paperlike verify`` found: every file of a saved model hashed now."""

    model: str
    ok: bool = Field(description="The manifest, every file's size and SHA-256, and the arrays' structure hold.")
    files: int = Field(description="Files checked, the manifest included (0 when it could not be read).")
    bytes: int = Field(description="Their total size.")
    problems: list[str] = Field(description="Each file missing or damaged, or what stopped the check.")


class DupeMember(Model):
    """One record of a paper with several versions, and why it belongs there."""

    id: str
    score: float
    rule: str = Field(description="canonical, same text, same id, truncated, abstract, same name, same title, "
                                  "title, bibliographic or decided (the rule that joined it)")
    relation: str | None = Field(default=None, description=(
        "how it relates to the canonical record: copy, truncated, revised, same DOI, preprint and "
        "published, translation, bibliographic match, or decided (a person said so); null for the "
        "canonical record"))
    evidence: dict[str, Any] = Field(default_factory=dict)


class DupeGroup(Model):
    """The records that are versions of one paper; ``canonical`` is its most complete record."""

    id: str
    canonical: str
    title: str | None
    members: list[DupeMember]


class MaybePair(Model):
    """Two records that may be one paper: close, but no rule is certain (the review queue)."""

    a: str
    b: str
    title_a: str | None
    title_b: str | None
    score: float
    evidence: dict[str, Any] = Field(default_factory=dict)


class Dupes(Model):
    """The answer to ``dupes``: every paper that has more than one record (the groups worth a
    look first: several input ids, or relations other than copy), and with ``--maybe`` the
    pairs left for a person to decide."""

    threshold: float
    title_threshold: float
    papers: int
    records: int
    groups: list[DupeGroup]
    maybe: list[MaybePair] = Field(default_factory=list)


class CheckMatch(Model):
    """The known paper an incoming record is a version of."""

    paper: str
    records: list[str]
    title: str | None
    score: float
    rule: str
    relation: str | None = None
    evidence: dict[str, Any]


class CheckResult(Model):
    """Whether one incoming record is already known."""

    id: str
    title: str | None
    source: Source | None = None
    status: Literal["known", "maybe", "new"] = Field(description=(
        "known: a version of a paper the model holds; maybe: close to one, for a person to "
        "decide; new: neither"))
    match: CheckMatch | None = None


class PaperSummary(Model):
    """One paper of ``papers --grouped``: its canonical record and its other versions."""

    id: str
    title: str | None
    label: str
    date: str | None = Field(description="The paper's first known date (see Neighbour.date).")
    versions: list[str]
    authors: list[str] = Field(default_factory=list)
    venue: str | None = Field(default=None, description="The journal or conference, when a record names it.")
    doi: str | None = None
    arxiv: str | None = Field(default=None, description="The arXiv id, without version, when the paper has one.")
    url: str | None = Field(default=None, description="The arXiv abstract page, else the https://doi.org/ link.")
    year: int | None = None


class ListItem(Model):
    """One entry of a reading list, and what it was found to be."""

    given: str = Field(description="The id, title or file:line as given.")
    role: Literal["like", "not", "exclude"]
    status: Literal["paper", "external", "unknown"] = Field(
        description="paper: found in the model; external: a record read from a file, not in the "
                    "model, used by its text; unknown: neither, left out.")
    id: str | None = None
    title: str | None = None
    reason: str | None = Field(
        default=None, description="Why an unknown entry was left out: not in the model, no word the "
                                  "model knows, or a malformed record of a file (its reason).")


class Recommendations(Model):
    """The answer to ``recommend``: how the reading list was read, and the papers for it."""

    inputs: list[ListItem]
    filters: Filters
    diverse: bool
    method: Literal["centroid", "svm"] = "centroid"
    results: list[Neighbour]
    empty: str | None = Field(default=None, description=(
        "Why there are no results, when there are none: the filters left no paper (with the "
        "dates and categories the model holds), or no paper shares a word with the query."))


class AddReport(Model):
    """What ``add`` did to a saved model."""

    model: str
    records_added: int
    new_papers: int
    attached_versions: int = Field(description="Records found to be versions of papers already in the model.")
    tokens: int = Field(description="Word occurrences in the added records.")
    out_of_vocabulary: int = Field(description="Of those, words the model's vocabulary does not know.")
    new_words: list[str] = Field(description="The most frequent unknown words, most frequent first.")
    skipped: int = 0


class GraphNode(Model):
    """One paper of ``graph``: the query's (rank 0) or a neighbour's, its versions one node."""

    id: str = Field(description="The paper's canonical record id; 'query' for a free-text query.")
    title: str | None
    label: str
    url: str | None = Field(description="arXiv abstract page or doi.org link, when the paper has one.")
    versions: list[str] = Field(default_factory=list)
    score: float = Field(description="The neighbour's similar score (see Neighbour.score); 1.0 for the query itself.")
    rank: int = Field(ge=0, description="0 for the query, then 1, 2, ... by score.")
    category: str | None = Field(default=None, description="The primary category, when known.")
    terms: list[str] = Field(default_factory=list)


class GraphEdge(Model):
    """Two papers alike: the query and a neighbour, or two neighbours above ``min_cosine``."""

    source: str
    target: str
    weight: float


class Graph(Model):
    """The answer to ``graph``: the query's paper and its neighbours, and how alike they are."""

    query: Query
    min_cosine: float
    nodes: list[GraphNode]
    edges: list[GraphEdge]


class Health(Model):
    """What a running service holds (``GET /health``)."""

    status: Literal["ok"] = "ok"
    model: str | None = Field(description="The model folder's name (not its path), or null for an index never saved.")
    records: int
    papers: int
    format_version: int | None = Field(description="The saved model's format version.")
    version: str = Field(description="The paperlike version serving.")


class ErrorMessage(Model):
    """What the service answers to every request it cannot serve (4xx, 5xx), in one shape:
    ``error``, one line saying why; ``detail``, the field errors of a request its models reject
    (422: each with ``loc``, ``msg`` and ``type``), empty otherwise."""

    error: str = Field(description="Why, in one line.")
    detail: list[dict[str, Any]] = Field(
        default_factory=list, description="A rejected request's field errors (422), as FastAPI lists them; else empty.")


class PaperRecord(Record):
    """One record with the paper it belongs to (``GET /papers/{id}``)."""

    paper: str = Field(description="The id of the paper's canonical (most complete) record.")
    versions: list[str] = Field(description="The ids of the paper's other records.")


class DecideReport(Model):
    """What a decision did: the decisions recorded and the papers the records now belong to."""

    model: str
    decisions: list[Decision]
    papers: dict[str, str] = Field(description="Each id given, and the canonical id of its paper now.")
    total_decisions: int


class Feed(Recommendations):
    """The answer to ``feed``: the papers added since a time, ranked for a reading list."""

    since: str | None = Field(description="The start of the window (exclusive), ISO UTC; null: the model's start.")
    until: str = Field(description="The newest addition looked at (ISO UTC): where the next run starts.")
    new_papers: int = Field(description="Papers first added in the window (the results are the best of them).")
    added: dict[str, str] = Field(default_factory=dict, description="When each result's paper was added (ISO UTC).")
