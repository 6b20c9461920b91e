"""The page that ``paperlike serve`` answers at ``/``, and the endpoints only the page needs.

The page is three package files, ``static/index.html``, ``app.js`` and ``style.css``: plain
HTML, JavaScript and CSS, no build step, nothing fetched from elsewhere. Beside the service's
JSON endpoints it calls ``/review``, ``/graph`` (with where :func:`paperlike.graph.layout`
places each node) and ``/lists`` (reading lists, :mod:`paperlike.lists`), defined here; each
is listed in docs/service.md.
"""

from __future__ import annotations

import datetime
from importlib import resources
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query, Request
from fastapi.responses import Response
from pydantic import BaseModel, ConfigDict, Field, ValidationError
from starlette.concurrency import run_in_threadpool

from . import api
from . import graph as graphs
from .errors import NotFoundError, RequestError, UsageError
from .export import merge_records, write_records
from .lists import AddToList, ListSummary, ReadingList, ReadingLists
from .records import DATE_PATTERN, Record
from .requests import MAX_K, FeedRequest, Filters
from .results import Feed, Graph, MaybePair

__all__ = ["router", "GraphView", "NodePlace", "STATIC_FILES"]

STATIC_FILES = {"index.html": "text/html", "app.js": "text/javascript", "style.css": "text/css"}
"""The page's files (package data under ``paperlike/static``) and their media types."""

_POLICY = ("default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
           "connect-src 'self'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'")

_MEDIA = {"bibtex": ("application/x-bibtex", "bib"), "ris": ("application/x-research-info-systems", "ris")}


class NodePlace(BaseModel):
    """Where the page draws a node: centre, radius, label lines and where they start."""

    x: float
    y: float
    r: float
    lines: list[str]
    anchor: str
    lx: float
    ly: float


class GraphView(Graph):
    """A graph with its layout: ``places[i]`` is where ``nodes[i]`` goes in a width x height box."""

    width: float
    height: float
    places: list[NodePlace]


class NewList(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str = Field(min_length=1, max_length=200, examples=["to read"])


router = APIRouter()


def _file(name: str) -> Response:
    text = (resources.files("paperlike") / "static" / name).read_bytes()
    headers = {"cache-control": "no-cache", "x-content-type-options": "nosniff"}
    if name == "index.html":
        headers["content-security-policy"] = _POLICY
    return Response(text, media_type=STATIC_FILES[name], headers=headers)


@router.get("/", include_in_schema=False)
def page() -> Response:
    """The page."""
    return _file("index.html")


@router.get("/static/{name}", include_in_schema=False)
def static(name: str) -> Response:
    if name not in STATIC_FILES:
        raise NotFoundError(f"no page file {name!r}")
    return _file(name)


@router.get("/graph", response_model=GraphView)
async def graph(
    request: Request,
    q: Annotated[str, Query(min_length=1, description="A record id, a title, or free text.")],
    k: Annotated[int, Query(ge=1, le=50, description="How many neighbours (1 to 50: a picture).")] = 10,
    kind: Annotated[Literal["id", "title", "text"] | None, Query()] = None,
    min_cosine: Annotated[float, Query(ge=0, le=1)] = graphs.DEFAULT_MIN_COSINE,
    category: Annotated[list[str], Query()] = [],  # noqa: B006
    since: Annotated[str | None, Query(pattern=DATE_PATTERN)] = None,
    until: Annotated[str | None, Query(pattern=DATE_PATTERN)] = None,
) -> GraphView:
    """The query's paper and its k nearest papers, with the edges between them (see ``paperlike
    graph``) and where each node is drawn."""
    service = request.app.state.service
    filters = Filters(categories=category, since=since, until=until)

    def work() -> GraphView:
        found = api.graph(service.index, q, k=k, kind=kind, min_cosine=min_cosine, filters=filters)
        places = [NodePlace(x=p.x, y=p.y, r=p.r, lines=p.lines, anchor=p.anchor, lx=p.lx, ly=p.ly)
                  for p in graphs.layout(found)]
        return GraphView(**dict(found), width=graphs.WIDTH, height=graphs.HEIGHT, places=places)

    return await service.heavy.run(work)


@router.get("/review", response_model=list[MaybePair])
async def review(request: Request) -> Response:
    """The review queue alone: the pairs ``GET /dupes?maybe=true`` lists for a person to decide,
    without the groups (computed once with them; 503 while it is)."""
    return await request.app.state.service.review_queue()


# -- Reading lists -----------------------------------------------------------------------------

def _lists(request: Request) -> ReadingLists:
    lists = getattr(request.app.state, "lists", None)
    if lists is None:
        raise UsageError("this service's model was never saved, so it cannot keep reading lists")
    return lists


@router.get("/lists", response_model=list[ListSummary])
def all_lists(request: Request) -> list[ListSummary]:
    """Every reading list, by name, with how many papers it likes and does not."""
    return _lists(request).names()


@router.post("/lists", response_model=ReadingList, status_code=201)
def new_list(request: Request, body: NewList) -> ReadingList:
    """A new, empty reading list (400 if one of that name exists)."""
    return _lists(request).create(body.name)


@router.get("/lists/{name}", response_model=ReadingList)
def one_list(request: Request, name: str) -> ReadingList:
    """A reading list and its papers, in the order they were added."""
    return _lists(request).get(name)


@router.delete("/lists/{name}", status_code=204)
def delete_list(request: Request, name: str) -> Response:
    """Delete a reading list."""
    _lists(request).delete(name)
    return Response(status_code=204)


@router.post("/lists/{name}/papers", response_model=ReadingList)
def add_paper(request: Request, name: str, body: AddToList) -> ReadingList:
    """Add a paper of the model to a list as liked or not (or change its role). The id must
    be one the model knows; the title kept with it is the model's (or its label) when none is given."""
    index = request.app.state.service.index
    record = index.record_by_id(body.id)
    if record is None:
        raise NotFoundError(f"no record with id {body.id.strip()!r} in this model")
    found = index.records_[record]
    return _lists(request).add(name, found.id, body.role, body.title or found.title or found.label)


@router.delete("/lists/{name}/papers/{id:path}", response_model=ReadingList)
def remove_paper(request: Request, name: str, id: str) -> ReadingList:
    """Take a paper off a list."""
    return _lists(request).remove(name, id)


def _merged(index: Any, id: str, title: str | None) -> Record:
    """The paper's records merged into one, or the list's own id and title if the model (since
    rebuilt) no longer holds it."""
    record = index.record_by_id(id)
    if record is None:
        return Record(id=id, title=title)
    return merge_records([index.records_[r] for r in index.records_of_paper(index.paper_of_record(record))])


FEED_DAYS = 7
"""How far back ``GET /lists/{name}/feed`` looks without a ``since``: the papers added to the
model in the last week."""


@router.get("/lists/{name}/feed", response_model=Feed)
async def list_feed(
    request: Request, name: str,
    since: Annotated[str | None, Query(max_length=40, description=(
        f"Papers added to the model after this date or ISO time (default: the last {FEED_DAYS} days)."))] = None,
    k: Annotated[int, Query(ge=1, le=MAX_K, description="How many papers.")] = 20,
) -> Response:
    """New papers like a reading list: the papers added to the model since ``since``, ranked for
    the list's liked papers against its not-interested ones (``paperlike feed --list NAME``).
    It only looks back: the feed's saved last run (``MODEL.feed.json``) does not move."""
    _lists(request)  # a service without a saved model keeps no lists: say so
    service = request.app.state.service
    if since is None:
        since = (datetime.datetime.now(datetime.timezone.utc) - datetime.timedelta(days=FEED_DAYS)).isoformat(
            timespec="seconds")
    try:
        wanted = FeedRequest(reading_list=name, since=since, k=k)
    except ValidationError as exc:
        raise RequestError.of(exc.errors()) from None

    def work() -> Response:
        answer = api.feed(service.model_path, wanted, save_state=False, index=service.index, files=False)
        return Response(answer.model_dump_json(), media_type="application/json")

    return await service.heavy.run(work)


@router.get("/lists/{name}/export", responses={200: {"content": {m: {} for m, _ in _MEDIA.values()}}})
async def export_list(
    request: Request, name: str,
    format: Annotated[Literal["bibtex", "ris"], Query(description="bibtex or ris.")] = "bibtex",
    role: Annotated[Literal["like", "not", "all"], Query(description="Which papers: liked (default), not, all.")] = "like",
) -> Response:
    """The list's papers as a BibTeX or RIS file, for a reference manager to import."""
    lists = _lists(request)
    index = request.app.state.service.index

    def work() -> str:
        chosen = [p for p in lists.get(name).items if role == "all" or p.role == role]
        return write_records([_merged(index, p.id, p.title) for p in chosen], format)

    text = await run_in_threadpool(work)
    media, extension = _MEDIA[format]
    safe = "".join(c if c.isascii() and (c.isalnum() or c in "-_") else "-" for c in name).strip("-") or "list"
    return Response(text, media_type=f"{media}; charset=utf-8",
                    headers={"content-disposition": f'attachment; filename="{safe}.{extension}"'})

