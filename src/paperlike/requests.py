"""Requests: the one description of a similar, recommend, check, decide or feed request.

The command line builds these from its options, the HTTP service from its bodies, and
:mod:`paperlike.api` takes them, so a limit here holds everywhere.
"""

from __future__ import annotations

import datetime
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import (
    ConfigDict,
    Field,
    RootModel,
    ValidationInfo,
    ValidatorFunctionWrapHandler,
    WrapValidator,
    field_validator,
    model_validator,
)

from .defaults import MAX_DIVERSE_K, MAX_K
from .records import DateText, Model, Record

__all__ = ["CheckRecord", "CheckRequest", "DecideRequest", "FeedRequest", "Filters", "ListEntry", "MAX_BATCH", "RecommendRequest", "SimilarRequest", "build_bodies", "from_iso", "MAX_K", "MAX_DIVERSE_K"]


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

    model_config = ConfigDict(extra="forbid")

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

    model_config = ConfigDict(defer_build=True)  # built at first use, as Model's

    root: CheckRecord | Annotated[list[CheckRecord], Field(min_length=1, max_length=MAX_BATCH)]

    @property
    def records(self) -> list[CheckRecord]:
        return self.root if isinstance(self.root, list) else [self.root]


def _python_entry(value: Any, handler: ValidatorFunctionWrapHandler) -> Any:
    # From Python, a reading-list entry may also be a Path (a file of records or a plain list)
    # or a Record: kept as they are. JSON has neither, so the schema and a body's errors name
    # only an id/title string and a record.
    return value if isinstance(value, (Path, Record)) else handler(value)


ListEntry = Annotated[str | CheckRecord, WrapValidator(_python_entry)]


"""A reading-list entry: an id or a title (or a file's path, where the front end reads files),
or a record; from Python also a ``pathlib.Path`` or a ``Record``."""


class RecommendRequest(Model):
    """A reading list: papers liked, papers not liked, papers to leave out. Each entry is an id
    or a title of a paper in the model, or a record (title and/or abstract) that may not be;
    the command line's entries may also be files, never the service's."""

    model_config = ConfigDict(extra="forbid", populate_by_name=True)

    like: list[ListEntry] = Field(min_length=1, max_length=MAX_BATCH, examples=[["FastCorrect 2", "SoftCorrect"]])
    not_: list[ListEntry] = Field(default_factory=list, alias="not", max_length=MAX_BATCH)
    exclude: list[ListEntry] = Field(default_factory=list, max_length=MAX_BATCH)
    k: int = Field(10, ge=1, le=MAX_K, description=_K_DESCRIPTION)
    filters: Filters = Field(default_factory=Filters)
    diverse: bool = Field(False, description=_DIVERSE_DESCRIPTION)
    method: Literal["centroid", "svm"] = "centroid"

    _diverse_k = field_validator("diverse")(_diverse_k)


class DecideRequest(Model):
    """Records that are one paper (``same``: every id joins the first), or that are all
    different papers (``different``: every pair of them)."""

    model_config = ConfigDict(extra="forbid")

    verdict: Literal["same", "different"]
    ids: list[str] = Field(min_length=2, max_length=MAX_BATCH, examples=[["id_0000001", "id_0000002"]])


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


def build_bodies() -> None:
    """Build the validators of the service's request bodies now, and mark them built: FastAPI
    given a model whose validator is deferred builds it at each request, and pydantic warns then
    that the body's alias has no effect. The command line builds only the one it uses."""
    for body in (SimilarRequest, CheckRequest, RecommendRequest, DecideRequest, FeedRequest):
        body.model_config["defer_build"] = False
        body.model_rebuild(force=True)


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
