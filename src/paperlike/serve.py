"""The HTTP service (``paperlike serve``): the CLI's operations as JSON endpoints.

FastAPI and uvicorn come with the optional extra ``paperlike[serve]``. The model is loaded
once, before the server starts, and every request shares it read-only; requests and answers are
the pydantic models of :mod:`paperlike.requests`, so ``/openapi.json`` describes them. Every error
is one JSON shape made in one place (:func:`_error_answer`), and the service sheds clients that
would hold it (:class:`Limits`, :class:`_Protocol`, :class:`BodyLimit`, :class:`_Heavy`).
The endpoints, statuses and limits: docs/service.md.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import logging
import os
import socket
import threading
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Annotated, Any, Literal

import pydantic_core
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from . import __version__, api, store
from .dedup.rules import RELATIONS
from .errors import (
    InputError,
    MissingExtraError,
    ModelError,
    NotFoundError,
    PaperlikeError,
    QueryError,
    RequestError,
    UsageError,
)
from .index import PaperIndex
from .lists import ReadingLists, lists_path
from .requests import MAX_K, CheckRequest, DecideRequest, Filters, RecommendRequest, SimilarRequest, build_bodies
from .results import CheckResult, DecideReport, Dupes, ErrorMessage, Health, PaperRecord, Recommendations, Similar

try:
    import h11
    import uvicorn
    from fastapi import APIRouter, Depends, FastAPI, Query, Request
    from fastapi.encoders import jsonable_encoder
    from fastapi.exceptions import RequestValidationError
    from fastapi.responses import JSONResponse, Response
    from starlette.concurrency import run_in_threadpool
    from starlette.exceptions import HTTPException
    from uvicorn.protocols.http.h11_impl import H11Protocol
except ImportError:
    raise MissingExtraError("the HTTP service needs FastAPI and uvicorn: "
                            "pip install 'paperlike[serve]'") from None

from . import page  # noqa: E402  (needs FastAPI too)

__all__ = ["create_app", "config", "run", "router", "Limits", "ServiceBusyError", "WorkLimitError", "MAX_BODY"]

log = logging.getLogger("paperlike.serve")

build_bodies()  # FastAPI wants its bodies' validators built

RelationName = Literal[RELATIONS]  # type: ignore[valid-type]

MAX_BODY = 1_000_000
"""The largest request body, in bytes; a larger one is answered 413."""

# A body answered before it was read (413, 408) is read on and dropped, up to this many bytes,
# before the connection is closed, so that a client that sends its whole request before reading
# its answer can read it (see _Protocol); a body declared larger is not waited for.
_DRAIN = 16 * MAX_BODY

RETRY_AFTER = 5
"""The seconds a 503 asks a client to wait before it tries again (its Retry-After header)."""


class Limits(BaseModel):
    """What one client may take of the service: the timeouts, the body size, and the bounds on
    costly requests. ``create_app(index, limits=Limits(...))`` sets them; the defaults are those
    of docs/service.md."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    max_body: int = Field(MAX_BODY, ge=1, description="The largest request body, in bytes (larger: 413).")
    header_timeout: float = Field(10.0, gt=0, description=(
        "Seconds for a request's line and headers to arrive, from the connection or the previous "
        "answer on it; then the connection is closed."))
    body_timeout: float = Field(30.0, gt=0, description=(
        "Seconds for a request's body to arrive, from the end of its headers; then 408 and the "
        "connection is closed."))
    heavy: int = Field(default_factory=lambda: max(1, (os.cpu_count() or 2) // 2), ge=1, description=(
        "Costly requests served at once (default: half the cores, at least one)."))
    heavy_queue: int = Field(64, ge=0, description=(
        "Costly requests waiting for a slot, at most (each holds its body, 1 MB at most); more: 503."))
    heavy_wait: float = Field(10.0, ge=0, description=(
        "Seconds a costly request waits for a slot (or /dupes for its answer); then 503 with Retry-After."))
    check_records: int = Field(250, ge=1, description=(
        "The most records one /check request holds (more: 422): the work is mostly per record, "
        "a few seconds of one core at the limit (benchmarks/RESULTS.md)."))
    svm_work: int = Field(10_000_000, ge=1, description=(
        "The largest model (non-zero TF-IDF weights) that /recommend serves with method=svm "
        "(larger: 422): a few seconds of one core at the limit (benchmarks/RESULTS.md)."))
    long_query: int = Field(10_000, ge=1, description=(
        "A /similar query longer than this many characters is a costly request."))


class ServiceBusyError(PaperlikeError):
    """The service cannot take this costly request now (503, with Retry-After)."""

    retry_after = RETRY_AFTER


class WorkLimitError(UsageError):
    """A valid request that asks more work than the service does for one request (422)."""


# The status of each kind of PaperlikeError; the first class that matches wins; others are 500.
_STATUS = ((ServiceBusyError, 503), (WorkLimitError, 422), (NotFoundError, 404), (QueryError, 400),
           (InputError, 400), (UsageError, 400))


def _call_soon(loop: asyncio.AbstractEventLoop, fn: Callable[[], Any]) -> None:
    try:
        loop.call_soon_threadsafe(fn)
    except RuntimeError:  # the loop is closed: the server has stopped
        pass


class _Heavy:
    """The costly requests' own threads, at most ``limits.heavy`` working at once; a request
    waits for one at most ``heavy_wait`` seconds, ``heavy_queue`` requests at most, else
    ServiceBusyError. A slot is freed when its work ends, not when its client leaves, so the
    bound holds on the work itself."""

    def __init__(self, limits: Limits) -> None:
        self.limits = limits
        self._threads = concurrent.futures.ThreadPoolExecutor(limits.heavy, thread_name_prefix="paperlike-heavy")
        self._slots = asyncio.Semaphore(limits.heavy)
        self.waiting = 0

    def _busy(self) -> ServiceBusyError:
        return ServiceBusyError(f"the service is busy with other costly requests ({self.limits.heavy} at once); "
                                f"try again in {RETRY_AFTER} s")

    async def run(self, fn: Callable[..., Any], *args: Any) -> Any:
        """fn(*args) in a heavy thread, when one is free."""
        if not self._slots.locked():
            await self._slots.acquire()  # a free slot: taken at once
        elif self.waiting >= self.limits.heavy_queue:
            raise self._busy()
        else:
            self.waiting += 1
            try:
                await asyncio.wait_for(self._slots.acquire(), self.limits.heavy_wait)
            except asyncio.TimeoutError:
                raise self._busy() from None
            finally:
                self.waiting -= 1
        loop = asyncio.get_running_loop()
        try:
            job = self._threads.submit(fn, *args)
        except BaseException:
            self._slots.release()
            raise
        job.add_done_callback(lambda _: _call_soon(loop, self._slots.release))
        return await asyncio.wrap_future(job)


def _json(value: Any) -> Response:
    """A model (or a list of models) as the body of a JSON answer: made where it is called (a
    worker thread), so that FastAPI does not validate and serialise it again on the event loop."""
    return Response(pydantic_core.to_json(value), media_type="application/json")


def _dumped(fn: Callable[..., Any]) -> Callable[..., Response]:
    def answer(*args: Any) -> Response:
        return _json(fn(*args))
    return answer


class Service:
    """What the endpoints share: the index (read-only), the limits, the costly requests' threads
    and the groups of versions, computed once."""

    def __init__(self, index: PaperIndex, model_path: str | Path | None = None, limits: Limits | None = None) -> None:
        self.index = index
        _ = index.keys  # built now if the index was never saved, not by concurrent first requests
        self.limits = limits or Limits()
        self.model_path = None if model_path is None else Path(model_path)
        self.health = Health(
            model=None if model_path is None else self.model_path.resolve().name,
            records=len(index.records_), papers=index.n_papers, version=__version__,
            format_version=None if model_path is None else store.read_manifest(Path(model_path))["format_version"],
        )
        self.heavy = _Heavy(self.limits)
        self._report: asyncio.Future | None = None
        self._lock = threading.Lock()

    async def dupes(self, maybe: bool = False, relations: Sequence[str] = (), min_size: int = 2) -> Response:
        """The model's groups of versions (filtered as asked): the whole answer is computed once,
        as a costly request started by the first /dupes; a request waits for it at most
        ``heavy_wait`` seconds, then ServiceBusyError (the work goes on for the next one)."""
        report = await self._computed()
        if not maybe and not relations and min_size == 2:
            return Response(report.answer, media_type="application/json")
        return await self.heavy.run(_dumped(report.filtered), maybe, relations, min_size)

    async def review_queue(self) -> Response:
        """The pairs left for a person to decide, without the groups (the page's review queue):
        from the answer /dupes computes once, waited for as it is."""
        report = await self._computed()
        return Response(report.queue, media_type="application/json")

    async def _computed(self) -> _Report:
        if self._report is None or (self._report.done() and (self._report.cancelled()
                                                             or self._report.exception() is not None)):
            self._report = asyncio.ensure_future(self.heavy.run(_Report, self.index))
        try:
            return await asyncio.wait_for(asyncio.shield(self._report), self.limits.heavy_wait)
        except asyncio.TimeoutError:
            raise ServiceBusyError(f"the groups of versions are being computed; try again in {RETRY_AFTER} s") from None

    def decide(self, request: DecideRequest) -> DecideReport:
        """Record a decision in the saved model (under its write lock), and serve the model as
        it is now."""
        if self.model_path is None:
            raise UsageError("this service's model was never saved, so it cannot keep decisions")
        with self._lock:
            try:
                report = api.decide(self.model_path, request)
                index = store.load(self.model_path)
            except ModelError as exc:  # its message names the model's path, which is the server's business
                log.error("POST /decide: %s", exc)
                raise ServiceBusyError("the model cannot be written now (the server's log says why); "
                                       f"try again in {RETRY_AFTER} s") from None
            index.keys  # noqa: B018  built now, not by concurrent first requests
            self.index = index
            self._report = None
            self.health = self.health.model_copy(update={"papers": index.n_papers})
        return report.model_copy(update={"model": self.health.model})


class _Report:
    """The whole ``dupes`` answer of an index (with the pairs to decide), and the usual answer
    (without them) and the pairs alone as JSON, made once."""

    def __init__(self, index: PaperIndex) -> None:
        self.full = api.dupes(index, maybe=True)
        self.answer = pydantic_core.to_json(self.full.model_copy(update={"maybe": []}))
        self.queue = pydantic_core.to_json(self.full.maybe)

    def filtered(self, maybe: bool, relations: Sequence[str], min_size: int) -> Dupes:
        """What ``api.dupes(index, maybe=..., relations=..., min_size=...)`` answers: the groups
        are filtered, not made again."""
        wanted = set(relations)
        groups = [g for g in self.full.groups if len(g.members) >= min_size
                  and (not wanted or any(m.relation in wanted for m in g.members))]
        return self.full.model_copy(update={"groups": groups, "maybe": self.full.maybe if maybe else []})


def _service(request: Request) -> Service:
    return request.app.state.service


Served = Annotated[Service, Depends(_service)]

router = APIRouter(responses={
    400: {"model": ErrorMessage, "description": "A query or record that cannot be read"},
    408: {"model": ErrorMessage, "description": "A body that did not arrive in time"},
    413: {"model": ErrorMessage, "description": f"A request body larger than {MAX_BODY} bytes"},
    422: {"model": ErrorMessage, "description": "A request its models reject, or more work than one request may ask; "
                                                "`detail` lists the fields at fault"},
    503: {"model": ErrorMessage, "description": "Busy with other costly requests: try again after Retry-After seconds"},
})
_not_found = {404: {"model": ErrorMessage, "description": "No such record or paper in the model"}}


@router.get("/health", response_model=Health)
def health(service: Served) -> Health:
    """What the service holds: the model's name, its record and paper counts, the versions."""
    return service.health


_SIMILAR = SimilarRequest.model_fields  # GET /similar's parameters are these fields, one by one


@router.get("/similar", response_model=Similar, responses=_not_found)
def similar(
    service: Served,
    q: Annotated[str, Query(min_length=1, description="A record id, an arXiv id, a DOI, a title, or free text.",
                            examples=["FastCorrect 2"])],
    k: Annotated[int, Query(ge=1, le=MAX_K, description=_SIMILAR["k"].description)] = 10,
    kind: Annotated[Literal["id", "title", "text"] | None, Query(
        description="Read q only as an id, a title or text; default: an id, then a title, then text.")] = None,
    category: Annotated[list[str], Query(description="Only papers of these categories.")] = [],  # noqa: B006
    since: Annotated[str | None, Query(pattern=r"^\d{4}(-\d{2}(-\d{2})?)?$")] = None,
    until: Annotated[str | None, Query(pattern=r"^\d{4}(-\d{2}(-\d{2})?)?$")] = None,
    diverse: Annotated[bool, Query(description=_SIMILAR["diverse"].description)] = False,
) -> Similar:
    """Papers like this one: the k nearest papers by TF-IDF cosine, with the terms they share."""
    try:
        request = SimilarRequest(query=q, k=k, kind=kind, diverse=diverse,
                                 filters=Filters(categories=category, since=since, until=until))
    except ValidationError as exc:  # a month 13, since after until, diverse past its k: a 422 like the rest
        errors = exc.errors(include_url=False)  # as FastAPI's own 422s show them
        raise RequestValidationError([{**e, "loc": ("query", *e["loc"])} for e in errors]) from None
    return api.similar(service.index, request)


@router.post("/similar", response_model=Similar, responses=_not_found)
async def similar_post(service: Served, request: SimilarRequest) -> Response:
    """``GET /similar`` with the query in the body, for long texts (one longer than the
    service's ``long_query`` characters is a costly request)."""
    work = _dumped(api.similar)
    if len(request.query) > service.limits.long_query:
        return await service.heavy.run(work, service.index, request)
    return await run_in_threadpool(work, service.index, request)


@router.post("/check", response_model=list[CheckResult])
async def check(service: Served, request: CheckRequest) -> Response:
    """Is this paper already known? For each incoming record (one, or a list): the known paper
    it is a version of, or ``new``. Records are numbered ``<request>:1``, ``:2``, ... in errors.
    A request holds at most the service's ``check_records`` records."""
    most = service.limits.check_records
    if len(request.records) > most:
        raise WorkLimitError(f"this service checks at most {most} records per request, not "
                             f"{len(request.records)}; send them in several requests")
    return await service.heavy.run(_dumped(api.check), service.index, request, "<request>")


@router.get("/papers/{id:path}", response_model=PaperRecord, responses=_not_found)
def paper(service: Served, id: str) -> PaperRecord:
    """One record by id (an arXiv id in any version, or a DOI, will do), with the ids of the
    other records of its paper."""
    return api.paper_record(service.index, id)


@router.get("/dupes", response_model=Dupes)
async def dupes(
    service: Served,
    maybe: Annotated[bool, Query(description="Also the pairs that may be one paper, for a person to decide.")] = False,
    relation: Annotated[list[RelationName], Query(description="Only groups with a member of these relations.")] = [],  # noqa: B006
    min_size: Annotated[int, Query(ge=2, description="Only groups of at least this many records.")] = 2,
) -> Response:
    """The groups of records that are versions of one paper, with the evidence and relation of
    each, the groups worth a look first; with ``maybe``, the review queue. Computed once, on the
    first request (which may be answered 503 while it is)."""
    return await service.dupes(maybe=maybe, relations=relation, min_size=min_size)


@router.post("/decide", response_model=DecideReport, responses=_not_found)
async def decide(service: Served, request: DecideRequest) -> Response:
    """Record that records are one paper (``same``: each joins the first) or different papers;
    kept with the model and followed by every later answer (``/dupes``, ``/check``, ...)."""
    return await service.heavy.run(_dumped(service.decide), request)


@router.post("/recommend", response_model=Recommendations, responses=_not_found)
async def recommend(service: Served, request: RecommendRequest) -> Response:
    """Papers for a reading list: like ``like``, unlike ``not``, none of them nor ``exclude``.
    Entries are ids or titles, or records (never paths: the service reads no files).
    ``method=svm`` is served on models up to the service's ``svm_work``."""
    index = service.index
    if request.method == "svm" and index.X_.nnz > service.limits.svm_work:
        raise WorkLimitError(f"method=svm is not served on a model this large ({index.X_.nnz} TF-IDF weights, "
                             f"the limit is {service.limits.svm_work}); use method=centroid")
    return await service.heavy.run(_dumped(lambda: api.recommend(index, request, files=False)))


# -- Errors: one shape, made in one place ------------------------------------------------------

def _error_answer(status: int, error: str, detail: Sequence[Any] = (), *, close: bool = False,
                  headers: dict[str, str] | None = None) -> JSONResponse:
    """The service's one error answer: ``{"error": "one line", "detail": [...]}``."""
    headers = dict(headers or {})
    if close:
        headers["connection"] = "close"
    if status == 503:
        headers.setdefault("retry-after", str(RETRY_AFTER))
    return JSONResponse(ErrorMessage(error=error, detail=list(detail)).model_dump(), status_code=status,
                        headers=headers)


def _sentence(text: str) -> str:
    return text[:1].lower() + text[1:] if text[1:2].islower() else text


def _summary(errors: Sequence[dict]) -> str:
    """A rejected request's errors in one line, the field named as the request names it."""
    first = dict(errors[0])
    loc = list(first.get("loc", ()))
    if first.get("type") == "json_invalid":
        where = f" at character {loc[1]}" if len(loc) > 1 else ""
        line = f"the body is not valid JSON ({_sentence(str((first.get('ctx') or {}).get('error', 'JSON decode error')))}{where})"
    else:
        if loc[:1] in (["body"], ["query"], ["path"]) and len(loc) > 1 and isinstance(loc[1], str):
            loc = loc[1:]
        line = str(RequestError.of([{**first, "loc": tuple(loc)}]))
    more = len(errors) - 1
    return line + (f" (and {more} more in detail)" if more else "")


async def _paperlike_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, PaperlikeError)
    status = next((code for kind, code in _STATUS if isinstance(exc, kind)), 500)
    headers = {"retry-after": str(exc.retry_after)} if isinstance(exc, ServiceBusyError) else None
    return _error_answer(status, exc.for_http(), headers=headers)


async def _invalid_request(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)
    errors = jsonable_encoder(exc.errors())
    return _error_answer(422, _summary(errors), errors)


async def _http_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, HTTPException)
    if exc.status_code == 404:
        error = f"no endpoint at {request.url.path}; GET /openapi.json lists them"
    elif exc.status_code == 405:
        error = f"{request.method} is not served at {request.url.path}"
    else:
        error = _sentence(str(exc.detail))
    if exc.status_code in (204, 304) or exc.status_code < 200:
        return Response(status_code=exc.status_code, headers=exc.headers)
    return _error_answer(exc.status_code, error, headers=exc.headers)


async def _internal_error(request: Request, exc: Exception) -> JSONResponse:
    # Starlette logs the traceback after this answer is sent.
    return _error_answer(500, "internal error; the server's log has the details")


# -- The connection: timeouts and sizes ----------------------------------------------------------

class BodyLimit:
    """ASGI middleware that reads a request's body before the application does: 413 at once,
    before reading, for a Content-Length over ``limit`` bytes, or as soon as a streamed
    (chunked) body passes it; 408 when the body has not all arrived ``timeout`` seconds after
    the headers. Either closes the connection (with ``paperlike serve``'s protocol, after
    reading and dropping what the client still sends, within bounds: :class:`_Protocol`). The
    body is held in memory only up to the limit."""

    def __init__(self, app: Callable, limit: int = MAX_BODY, timeout: float = 30.0) -> None:
        self.app, self.limit, self.timeout = app, limit, timeout

    async def __call__(self, scope, receive, send) -> None:
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        declared = dict(scope["headers"]).get(b"content-length", b"")
        if declared.isdigit() and int(declared) > self.limit:
            return await self._refuse(scope, receive, send, 413, f"the request body is larger than {self.limit} bytes")
        loop = asyncio.get_running_loop()
        deadline = loop.time() + self.timeout
        chunks: list[bytes] = []
        size, more = 0, True
        while more:
            try:
                message = await asyncio.wait_for(receive(), max(0.0, deadline - loop.time()))
            except asyncio.TimeoutError:
                return await self._refuse(scope, receive, send, 408,
                                          f"the request body did not arrive within {self.timeout:g} s")
            if message["type"] == "http.disconnect":
                return
            body = message.get("body", b"")
            size += len(body)
            if size > self.limit:
                return await self._refuse(scope, receive, send, 413, f"the request body is larger than {self.limit} bytes")
            chunks.append(body)
            more = message.get("more_body", False)
        replayed = False

        async def replay():
            nonlocal replayed
            if replayed:
                return await receive()
            replayed = True
            return {"type": "http.request", "body": b"".join(chunks), "more_body": False}

        await self.app(scope, replay, send)

    @staticmethod
    async def _refuse(scope, receive, send, status: int, error: str) -> None:
        await _error_answer(status, error, close=True)(scope, receive, send)


class _Transport:
    """A connection's transport as uvicorn's protocol sees it: closing it is the protocol's
    :meth:`_Protocol.close_lingering`."""

    def __init__(self, transport: asyncio.Transport, protocol: _Protocol) -> None:
        self._transport, self._protocol = transport, protocol

    def __getattr__(self, name: str) -> Any:
        return getattr(self._transport, name)

    def close(self) -> None:
        self._protocol.close_lingering()

    def is_closing(self) -> bool:
        return self._protocol.lingering or self._transport.is_closing()


def _no_delay(transport: asyncio.BaseTransport) -> None:
    """TCP_NODELAY on the connection's socket. asyncio sets it only on sockets whose ``proto`` is
    IPPROTO_TCP, and a socket made by ``socket.create_server`` (as :func:`run` makes it) has
    proto 0: without it, an answer's body waits for the ACK of its headers, and a kept-alive
    connection (a browser's) waits for the client's delayed ACK on every request."""
    sock = transport.get_extra_info("socket")
    if sock is not None and sock.family in (socket.AF_INET, socket.AF_INET6) and sock.type == socket.SOCK_STREAM:
        try:
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        except OSError:  # pragma: no cover  (a socket already closed)
            pass


class _Protocol(H11Protocol):
    """uvicorn's HTTP/1.1 protocol (h11) with deadlines on what a connection waits for from its
    client, and a lingering close.

    uvicorn's keep-alive timeout closes a connection idle after an answer, but any byte resets
    it, and a new connection has none: here a request's line and headers must arrive within
    ``header_timeout`` of the connection or of the previous answer, else the connection is
    closed. A connection closed while its client is still sending a body (answered 413 or 408
    before it was all read) is half-closed, and what the client still sends is read and dropped,
    for ``body_timeout`` seconds and ``_DRAIN`` bytes at most, before it is closed: closing with
    unread bytes would reset it, and the client would see the reset, not its answer. A body
    declared larger than ``_DRAIN`` is not waited for. The 400 for a request that is not HTTP is
    the service's JSON."""

    header_timeout = 10.0
    body_timeout = 30.0

    _raw: asyncio.Transport
    _deadline: asyncio.TimerHandle | None = None
    _lingering = False
    _dropped = 0  # bytes read and dropped while lingering

    def connection_made(self, transport) -> None:  # type: ignore[override]
        self._raw = transport
        _no_delay(transport)
        super().connection_made(_Transport(transport, self))  # type: ignore[arg-type]
        self._watch()

    def data_received(self, data: bytes) -> None:
        if self._lingering:
            self._dropped += len(data)
            if self._dropped > _DRAIN:
                self._raw.close()
            return
        super().data_received(data)
        self._watch()

    def on_response_complete(self) -> None:
        super().on_response_complete()
        self._watch()

    def connection_lost(self, exc: Exception | None) -> None:
        self._disarm()
        super().connection_lost(exc)

    def _watch(self) -> None:
        """While the connection waits for a request, the head's deadline runs."""
        waiting = not self.transport.is_closing() and self.conn.their_state is h11.IDLE
        if waiting and self._deadline is None:
            self._deadline = self.loop.call_later(self.header_timeout, self._too_slow)
        elif not waiting and not self._lingering:
            self._disarm()

    def _disarm(self) -> None:
        if self._deadline is not None:
            self._deadline.cancel()
            self._deadline = None

    def _too_slow(self) -> None:
        self._deadline = None
        log.debug("closing a connection from %s: no request within %g s", self.client, self.header_timeout)
        try:
            self.conn.send(h11.ConnectionClosed())
        except h11.LocalProtocolError:
            pass
        self.transport.close()

    @property
    def lingering(self) -> bool:
        """Whether the connection is closing: its answer sent, the rest of the body read and dropped."""
        return self._lingering

    def close_lingering(self) -> None:
        """Close the connection, after reading what the client still sends of its body (within bounds)."""
        if self._lingering or self._raw.is_closing():
            return
        self._disarm()
        declared = dict(self.headers or ()).get(b"content-length", b"0")
        if self.conn.their_state is h11.SEND_BODY and (not declared.isdigit() or int(declared) <= _DRAIN):
            self._lingering = True
            if self._raw.can_write_eof():
                self._raw.write_eof()  # after the answer: the client reads it, then the end
            self._raw.resume_reading()  # uvicorn pauses reading past 64 KiB of body unread
            self._deadline = self.loop.call_later(self.body_timeout, self._raw.close)
        else:
            self._raw.close()

    def shutdown(self) -> None:
        if self._lingering:  # the server stops: no more waiting for the rest of a body
            self._raw.close()
        else:
            super().shutdown()

    def send_400_response(self, msg: str) -> None:
        body = ErrorMessage(error="the request is not valid HTTP/1.1, or its headers are too large").model_dump_json()
        headers = [(b"content-type", b"application/json"), (b"connection", b"close")]
        self.transport.write(self.conn.send(h11.Response(status_code=400, headers=headers, reason=b"Bad Request")))
        self.transport.write(self.conn.send(h11.Data(data=body.encode())))
        self.transport.write(self.conn.send(h11.EndOfMessage()))
        self.transport.close()


def _description(limits: Limits) -> str:
    """The OpenAPI description: the error shape, and this service's limits."""
    return f"""\
Papers like this, and is this the same paper? TF-IDF over titles and abstracts.

**Errors** have one shape, `{{"error": "one line", "detail": [...]}}`: `detail` lists the field
errors of a request the models reject (422), and is empty otherwise. 400: a query or record
that cannot be read; 404: no such record or paper; 408: a body that did not arrive in time;
413: a body over {limits.max_body} bytes (answered before it is read); 422: a request the models
reject, or more work than one request may ask; 503: busy, try again after `Retry-After` seconds.

**Limits** of this service: the request line and headers within {limits.header_timeout:g} s of the
connection or of the previous answer, else the connection is closed; the body within
{limits.body_timeout:g} s of its headers, else 408. `/check`, `/recommend`, `/dupes`, `/review`,
`/decide`, `/graph`, `/lists/{{name}}/feed` and `/similar` texts over {limits.long_query} characters are costly: {limits.heavy} run at once,
{limits.heavy_queue} more wait for at most {limits.heavy_wait:g} s, others get 503. A `/check`
request holds at most {limits.check_records} records; `method=svm` is served on models of up to
{limits.svm_work} TF-IDF weights; `/dupes` is computed once, from its first request.
"""


def create_app(index: PaperIndex, model_path: str | Path | None = None, limits: Limits | None = None) -> FastAPI:
    """The service over a loaded index; ``model_path`` (its folder, if saved) is for /health and
    /decide; ``limits`` (default: ``Limits()``) for every request. The header timeout is the
    server's (:func:`config`)."""
    limits = limits or Limits()
    app = FastAPI(
        title="paperlike",
        version=__version__,
        summary="Papers like this, and is this the same paper? TF-IDF over titles and abstracts.",
        description=_description(limits),
    )
    app.state.service = Service(index, model_path, limits)
    app.state.limits = limits
    app.state.lists = None if model_path is None else ReadingLists(lists_path(model_path))
    app.include_router(router)
    app.include_router(page.router)
    app.add_exception_handler(PaperlikeError, _paperlike_error)
    app.add_exception_handler(RequestValidationError, _invalid_request)
    app.add_exception_handler(HTTPException, _http_error)
    app.add_exception_handler(Exception, _internal_error)
    app.add_middleware(BodyLimit, limit=limits.max_body, timeout=limits.body_timeout)
    return app


def config(app: FastAPI, host: str = "127.0.0.1", port: int = 8000, **options: Any) -> uvicorn.Config:
    """uvicorn's configuration for the app of :func:`create_app`: its HTTP protocol with the
    app's header and body timeouts (h11, whether or not httptools is installed). ``options``
    are uvicorn.Config's others (``log_level``, ...)."""
    limits: Limits = getattr(app.state, "limits", None) or Limits()
    protocol = type("PaperlikeH11Protocol", (_Protocol,), {"header_timeout": limits.header_timeout,
                                                           "body_timeout": limits.body_timeout})
    return uvicorn.Config(app, host=host, port=port, http=protocol, **options)


def run(model_path: str | Path, host: str = "127.0.0.1", port: int = 8000,
        notice: Callable[[str], None] | None = None, limits: Limits | None = None) -> None:
    """Load the model at model_path once and serve it until interrupted (Ctrl-C).

    The address is taken before the model is loaded, so a port in use is a one-line
    PaperlikeError, not a log line after the load.
    """
    try:
        sock = socket.create_server((host, port), family=socket.AF_INET6 if ":" in host else socket.AF_INET)
    except OSError as exc:
        reason = (exc.strerror or str(exc)).split(" (while attempting")[0]  # create_server adds the address
        raise PaperlikeError(f"cannot listen on {host}:{port}: {reason}") from None
    with sock:
        app = create_app(api.open_model(model_path, notice=notice), model_path, limits)
        if notice:
            address = f"http://{f'[{host}]' if ':' in host else host}:{sock.getsockname()[1]}"
            notice(f"serving {model_path} at {address} (the page at {address}/, endpoints at {address}/docs; "
                   "Ctrl-C stops)")
        try:
            uvicorn.Server(config(app, host, port)).run(sockets=[sock])
        except KeyboardInterrupt:
            pass
