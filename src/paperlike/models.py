"""The pydantic models at paperlike's boundaries: records coming in, results going out.

Their JSON form (``model_dump(mode="json")``) is what ``--json`` prints and what the saved model
stores, so a field added here is a change of the documented shapes.
"""

from __future__ import annotations

import datetime
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    RootModel,
    ValidationError,
    ValidationInfo,
    ValidatorFunctionWrapHandler,
    WrapValidator,
    field_validator,
    model_validator,
)
from pydantic_core import PydanticCustomError

from .defaults import MAX_DIVERSE_K, MAX_K

__all__ = [
    "Source", "Paper", "Query", "Neighbour", "Similar", "Skipped", "Corpus", "SourceCount",
    "ModelInfo", "IndexSummary", "VerifyReport", "DupeMember", "DupeGroup", "Dupes", "MaybePair", "CheckMatch", "CheckResult", "PaperSummary",
    "Filters", "ListItem", "Recommendations", "AddReport", "GraphNode", "GraphEdge", "Graph",
    "Health", "PaperRecord", "ErrorMessage", "MAX_K", "MAX_DIVERSE_K", "MAX_BATCH", "SimilarRequest",
    "CheckRecord", "CheckRequest", "ListEntry", "RecommendRequest", "Decision", "DecideRequest", "DecideReport",
    "Addition", "FeedRequest", "Feed",
]


class Model(BaseModel):
    """The base of paperlike's models. Each builds its validator at its first use, not when this
    module is imported (``defer_build``): a command uses a few of them, and building all of them
    was a large part of a cold query's start. The service's request bodies are built at import
    (``defer_build=False``): FastAPI given a deferred model as a body makes pydantic warn that
    the body's alias has no effect."""

    model_config = ConfigDict(defer_build=True)


class Source(Model):
    """Where a record was read: the file and the 1-based line on which it starts."""

    model_config = ConfigDict(frozen=True)

    path: str
    line: int = Field(ge=1)


class Paper(Model):
    """One record of a paper, as one input line or entry described it.

    Several records may describe one paper (copies, versions); the index groups them.
    ``date`` is ISO 8601: ``YYYY-MM-DD``, ``YYYY-MM``, ``YYYY``, or ``--MM-DD`` when a listing
    gave a day without a year.
    """

    id: str
    title: str | None = None
    authors: list[str] = Field(default_factory=list)
    abstract: str | None = None
    categories: list[str] = Field(default_factory=list)
    date: str | None = None
    doi: str | None = None
    venue: str | None = None
    volume: str | None = None
    issue: str | None = None
    pages: str | None = Field(default=None, description="first-last page (\"91-92\"), or one page")
    isbn: str | None = None
    pmid: str | None = None
    entry_type: str | None = Field(default=None, description="article, inproceedings, book, ... "
                                   "(BibTeX's entry types, lower-cased)")
    extra: dict[str, Any] = Field(default_factory=dict)
    source: Source | None = None

    @property
    def year(self) -> int | None:
        """The year of ``date``, or None when it is not known."""
        if self.date and self.date[:4].isdigit():
            return int(self.date[:4])
        return None

    @property
    def label(self) -> str:
        """A short human label: the title, or the abstract's opening words when untitled."""
        if self.title:
            return self.title
        words = (self.abstract or "").split()
        return " ".join(words[:12]) + (" …" if len(words) > 12 else "")


class Skipped(Model):
    """A record that was not read, and why."""

    path: str
    line: int
    reason: str


class Corpus(Model):
    """What reading some inputs gave: the records, and the records skipped as malformed."""

    records: list[Paper]
    skipped: list[Skipped] = Field(default_factory=list)


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


DATE_PATTERN = r"^\d{4}(-\d{2}(-\d{2})?)?$"


def _date_form(value: Any, handler: ValidatorFunctionWrapHandler) -> Any:
    # The pattern's own message shows a regular expression; this one says the forms.
    try:
        return handler(value)
    except ValidationError as exc:
        if exc.errors()[0]["type"] != "string_pattern_mismatch":
            raise
        raise PydanticCustomError("date_form", "a date is YYYY, YYYY-MM or YYYY-MM-DD") from None


DateText = Annotated[str, Field(pattern=DATE_PATTERN), WrapValidator(_date_form)]


class Filters(Model):
    """Which papers a recommendation may return.

    ``categories``: a paper passes when one of its records has one of these categories
    (``cs.CL``, or ``CL`` for any archive's CL, or ``cs`` for every cs.* category).
    ``since`` / ``until``: ``YYYY``, ``YYYY-MM`` or ``YYYY-MM-DD``, inclusive, compared with the
    paper's first known date; papers with no known date are left out when either is given.
    """

    categories: list[str] = Field(default_factory=list)
    since: DateText | None = None
    until: DateText | None = None

    @field_validator("since", "until")
    @classmethod
    def _a_real_date(cls, value: str | None) -> str | None:
        if value is not None:
            parts = [int(p) for p in value.split("-")] + [1, 1]
            try:
                datetime.date(*parts[:3])
            except ValueError:
                raise ValueError(f"{value!r} is not a calendar date (a month 01-12, a day the month has)") from None
        return value

    @model_validator(mode="after")
    def _since_before_until(self) -> Filters:
        # Both are padded alike (2025 as 2025-01-01, 2025-06 as 2025-06-01), so that
        # since=2025-06, until=2025 is accepted: until 2025 runs to the end of the year.
        if self.since and self.until and self.since[:len(self.until)] > self.until:
            raise ValueError(f"since {self.since} is after until {self.until}: no paper could pass")
        return self

    @property
    def active(self) -> bool:
        return bool(self.categories or self.since or self.until)


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


# -- The HTTP service (``paperlike serve``): its answers ----------------------------------

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


class PaperRecord(Paper):
    """One record with the paper it belongs to (``GET /papers/{id}``)."""

    paper: str = Field(description="The id of the paper's canonical (most complete) record.")
    versions: list[str] = Field(description="The ids of the paper's other records.")


# -- Requests: the one description of a similar, recommend or check request ------------------
# The command line builds these from its options, the HTTP service from its bodies, and
# paperlike.api takes them (or builds them from keywords), so a limit here holds everywhere.

# MAX_K (the most results one request may ask for) and MAX_DIVERSE_K (the most a diverse one may)
# are in paperlike.defaults, where the command line's help reads them without pydantic.

MAX_BATCH = 1000
"""The most records one ``check`` request may carry, and the most entries of each of a reading
list's ``like``, ``not`` and ``exclude``."""

_K_DESCRIPTION = f"How many papers to return: 1 to {MAX_K}, to {MAX_DIVERSE_K} when diverse."
_DIVERSE_DESCRIPTION = (f"Re-rank by maximal marginal relevance, so the results are not all alike "
                        f"(k at most {MAX_DIVERSE_K}).")


def _diverse_k(diverse: bool, info: ValidationInfo) -> bool:
    k = info.data.get("k", 0)  # declared before diverse; absent when k itself was rejected
    if diverse and k > MAX_DIVERSE_K:
        raise ValueError(f"gives at most {MAX_DIVERSE_K} results, and k is {k} (maximal marginal relevance "
                         "compares every two candidates: its cost grows with the square of k)")
    return diverse


class SimilarRequest(Model):
    """A ``similar`` query: an id, a title or free text; ``kind`` forces one reading."""

    model_config = ConfigDict(extra="forbid", defer_build=False)  # a body of the service (Model)

    query: str = Field(min_length=1, examples=["FastCorrect 2"])
    k: int = Field(10, ge=1, le=MAX_K, description=_K_DESCRIPTION)
    kind: Literal["id", "title", "text"] | None = None
    filters: Filters = Field(default_factory=Filters)
    diverse: bool = Field(False, description=_DIVERSE_DESCRIPTION)

    _diverse_k = field_validator("diverse")(_diverse_k)


class CheckRecord(Model):
    """An incoming record to check: a title and/or an abstract, the rest optional."""

    model_config = ConfigDict(extra="forbid")

    id: str | None = None
    title: str | None = None
    abstract: str | None = None
    authors: list[str] | str = Field(default_factory=list, description="A list, or one string joined by ';'.")
    year: int | None = Field(None, ge=0, le=9999)
    date: str | None = Field(None, description="ISO 8601; wins over year.")
    doi: str | None = None
    venue: str | None = None
    categories: list[str] = Field(default_factory=list)


class CheckRequest(RootModel):
    """One incoming record, or a list of at most MAX_BATCH."""

    model_config = ConfigDict(defer_build=False)  # a body of the service (Model)

    root: CheckRecord | Annotated[list[CheckRecord], Field(min_length=1, max_length=MAX_BATCH)]

    @property
    def records(self) -> list[CheckRecord]:
        return self.root if isinstance(self.root, list) else [self.root]


def _python_entry(value: Any, handler: ValidatorFunctionWrapHandler) -> Any:
    # From Python, a reading-list entry may also be a Path (a file of records or a plain list)
    # or a Paper: kept as they are. JSON has neither, so the schema and a body's errors name
    # only an id/title string and a record.
    return value if isinstance(value, (Path, Paper)) else handler(value)


ListEntry = Annotated[str | CheckRecord, WrapValidator(_python_entry)]
"""A reading-list entry: an id or a title (or a file's path, where the front end reads files),
or a record; from Python also a ``pathlib.Path`` or a ``Paper``."""


class RecommendRequest(Model):
    """A reading list: papers liked, papers not liked, papers to leave out. Each entry is an id
    or a title of a paper in the model, or a record (title and/or abstract) that may not be;
    the command line's entries may also be files, never the service's."""

    model_config = ConfigDict(extra="forbid", populate_by_name=True, defer_build=False)  # a body of the service (Model)

    like: list[ListEntry] = Field(min_length=1, max_length=MAX_BATCH, examples=[["FastCorrect 2", "SoftCorrect"]])
    not_: list[ListEntry] = Field(default_factory=list, alias="not", max_length=MAX_BATCH)
    exclude: list[ListEntry] = Field(default_factory=list, max_length=MAX_BATCH)
    k: int = Field(10, ge=1, le=MAX_K, description=_K_DESCRIPTION)
    filters: Filters = Field(default_factory=Filters)
    diverse: bool = Field(False, description=_DIVERSE_DESCRIPTION)
    method: Literal["centroid", "svm"] = "centroid"

    _diverse_k = field_validator("diverse")(_diverse_k)


class Decision(Model):
    """A person's word on two records: the same paper, or different papers. Kept with the model
    and applied to every later ``dupes``, ``check`` and ``add`` (it overrides the rules)."""

    model_config = ConfigDict(extra="forbid")

    a: str
    b: str
    verdict: Literal["same", "different"]
    at: str = Field(description="When it was recorded (ISO 8601, UTC).")


class DecideRequest(Model):
    """Records that are one paper (``same``: every id joins the first), or that are all
    different papers (``different``: every pair of them)."""

    model_config = ConfigDict(extra="forbid", defer_build=False)  # a body of the service (Model)

    verdict: Literal["same", "different"]
    ids: list[str] = Field(min_length=2, max_length=MAX_BATCH, examples=[["id_0000001", "id_0000002"]])


class DecideReport(Model):
    """What a decision did: the decisions recorded and the papers the records now belong to."""

    model: str
    decisions: list[Decision]
    papers: dict[str, str] = Field(description="Each id given, and the canonical id of its paper now.")
    total_decisions: int


# -- The feed: what was added when, and the papers added since a time ranked for a library -------

class Addition(Model):
    """Records that came into a model together: ``count`` records from index ``first`` on, at
    ``at`` (ISO 8601, UTC, to the microsecond). Kept with the model (additions.json): the build
    is the first, each ``add`` one more."""

    model_config = ConfigDict(extra="forbid")

    at: str
    first: int = Field(ge=0)
    count: int = Field(ge=0)


class FeedRequest(RecommendRequest):
    """A feed: the papers added to the model since ``since`` (a date, or an ISO time), or since
    the feed named ``name`` last ran, ranked for a reading list as :class:`RecommendRequest`."""

    since: str | None = Field(default=None, description=(
        "YYYY, YYYY-MM, YYYY-MM-DD or an ISO time (UTC unless it says); none: since the last run."))
    name: str = Field(default="default", min_length=1, max_length=100, pattern=r"^[A-Za-z0-9_.-]+$",
                      description="Which feed's last run to start from (several libraries, one model).")
    like: list[ListEntry] = Field(default_factory=list, max_length=MAX_BATCH, description=(
        "Papers liked (ids, titles, records; on the command line, files too); may be empty with a reading_list."))
    reading_list: str | None = Field(default=None, min_length=1, max_length=200, description=(
        "A reading list of the page's (kept beside the model): its liked papers join like, its "
        "not-interested ones join not."))

    @model_validator(mode="after")
    def _something_liked(self) -> FeedRequest:
        if not self.like and self.reading_list is None:
            raise ValueError("give like (papers of your library) or a reading_list")
        return self

    @field_validator("since")
    @classmethod
    def _a_time(cls, value: str | None) -> str | None:
        if value is not None:
            from_iso(value)
        return value


def from_iso(value: str) -> datetime.datetime:
    """A date (``YYYY``, ``YYYY-MM``, ``YYYY-MM-DD``: its first instant) or an ISO time, in UTC;
    ValueError for anything else."""
    text = value.strip()
    try:
        if len(text) == 4 and text.isdigit():
            moment = datetime.datetime(int(text), 1, 1)
        elif len(text) == 7 and text[4] == "-":
            moment = datetime.datetime(int(text[:4]), int(text[5:]), 1)
        else:
            moment = datetime.datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        raise ValueError(f"{value!r} is not a date or a time (YYYY, YYYY-MM, YYYY-MM-DD or "
                         "YYYY-MM-DDTHH:MM[:SS][+HH:MM])") from None
    return moment if moment.tzinfo else moment.replace(tzinfo=datetime.timezone.utc)


class Feed(Recommendations):
    """The answer to ``feed``: the papers added since a time, ranked for a reading list."""

    since: str | None = Field(description="The start of the window (exclusive), ISO UTC; null: the model's start.")
    until: str = Field(description="The newest addition looked at (ISO UTC): where the next run starts.")
    new_papers: int = Field(description="Papers first added in the window (the results are the best of them).")
    added: dict[str, str] = Field(default_factory=dict, description="When each result's paper was added (ISO UTC).")
