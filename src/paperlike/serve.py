"""The HTTP service (``paperlike serve``): the CLI's operations as JSON endpoints.

FastAPI and uvicorn come with an optional extra, ``pip install 'paperlike[serve]'``. The model
is loaded once, before the server starts, and every request shares it read-only. Requests and
answers are the pydantic models of :mod:`paperlike.models`, so ``GET /openapi.json`` (and the
pages at ``/docs``) describe them.

Every error is one JSON shape, :class:`~paperlike.models.ErrorMessage`
(``{"error": "one line", "detail": [...]}``), made in one place, :func:`_error_answer`.
"""

from __future__ import annotations

import socket
import threading
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import ValidationError

from . import __version__, api, store
from .errors import InputError, MissingExtraError, NotFoundError, PaperlikeError, QueryError, RequestError, UsageError
from .index import PaperIndex
from .dedup.rules import RELATIONS
from .models import (MAX_K, CheckRequest, CheckResult, DecideReport, DecideRequest, Dupes, ErrorMessage, Filters,
                     Health, PaperRecord,
                     RecommendRequest, Recommendations, Similar,
                     SimilarRequest)

try:
    import uvicorn
    from fastapi import APIRouter, Depends, FastAPI, Query, Request
    from fastapi.encoders import jsonable_encoder
    from fastapi.exceptions import RequestValidationError
    from fastapi.responses import JSONResponse, Response
    from starlette.exceptions import HTTPException
except ImportError:
    raise MissingExtraError("the HTTP service needs FastAPI and uvicorn: "
                            "pip install 'paperlike[serve]'") from None

__all__ = ["create_app", "run", "router", "MAX_BODY"]

RelationName = Literal[RELATIONS]  # type: ignore[valid-type]

MAX_BODY = 1_000_000
"""The largest request body, in bytes; a larger one is answered 413."""

# Reading on past MAX_BODY, up to this, lets a client that sent too much read its 413 (a server
# that closes with unread bytes resets the connection); beyond it the connection is dropped.
_DRAIN = 16 * MAX_BODY

# The status of each kind of PaperlikeError; the first class that matches wins; others are 500.
_STATUS = ((NotFoundError, 404), (QueryError, 400), (InputError, 400), (UsageError, 400))


class Service:
    """What the endpoints share: the index (read-only) and the answers computed once."""

    def __init__(self, index: PaperIndex, model_path: str | Path | None = None) -> None:
        self.index = index
        index.keys  # built now if the index was never saved, not by concurrent first requests
        self.health = Health(
            model=None if model_path is None else Path(model_path).resolve().name,
            records=len(index.records_), papers=index.n_papers, version=__version__,
            format_version=None if model_path is None else store.read_manifest(Path(model_path))["format_version"],
        )
        self.model_path = None if model_path is None else Path(model_path)
        self._dupes: Dupes | None = None
        self._lock = threading.Lock()

    def dupes(self) -> Dupes:
        """The model's groups of versions: computed on first use, then the same answer."""
        with self._lock:
            if self._dupes is None:
                self._dupes = api.dupes(self.index)
            return self._dupes

    def decide(self, request: DecideRequest) -> DecideReport:
        """Record a decision in the saved model (under its write lock), and serve the model as
        it is now."""
        if self.model_path is None:
            raise UsageError("this service's model was never saved, so it cannot keep decisions")
        with self._lock:
            report = api.decide(self.model_path, request)
            self.index = store.load(self.model_path)
            self.index.keys  # noqa: B018  built now, not by concurrent first requests
            self._dupes = None
            self.health = self.health.model_copy(update={"papers": self.index.n_papers})
        return report.model_copy(update={"model": self.health.model})


def _service(request: Request) -> Service:
    return request.app.state.service


Served = Annotated[Service, Depends(_service)]

router = APIRouter(responses={
    400: {"model": ErrorMessage, "description": "A query or record that cannot be read"},
    413: {"model": ErrorMessage, "description": f"A request body larger than {MAX_BODY} bytes"},
    422: {"model": ErrorMessage, "description": "A request its models reject; `detail` lists the fields at fault"},
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
def similar_post(service: Served, request: SimilarRequest) -> Similar:
    """``GET /similar`` with the query in the body, for long texts."""
    return api.similar(service.index, request)


@router.post("/check", response_model=list[CheckResult])
def check(service: Served, request: CheckRequest) -> list[CheckResult]:
    """Is this paper already known? For each incoming record (one, or a list): the known paper
    it is a version of, or ``new``. Records are numbered ``<request>:1``, ``:2``, ... in errors."""
    return api.check(service.index, request, "<request>")


@router.get("/papers/{id:path}", response_model=PaperRecord, responses=_not_found)
def paper(service: Served, id: str) -> PaperRecord:
    """One record by id (an arXiv id in any version, or a DOI, will do), with the ids of the
    other records of its paper."""
    return api.paper_record(service.index, id)


@router.get("/dupes", response_model=Dupes)
def dupes(
    service: Served,
    maybe: Annotated[bool, Query(description="Also the pairs that may be one paper, for a person to decide.")] = False,
    relation: Annotated[list[RelationName], Query(description="Only groups with a member of these relations.")] = [],  # noqa: B006
    min_size: Annotated[int, Query(ge=2, description="Only groups of at least this many records.")] = 2,
) -> Dupes:
    """The groups of records that are versions of one paper, with the evidence and relation of
    each, the groups worth a look first; with ``maybe``, the review queue."""
    if not maybe and not relation and min_size == 2:
        return service.dupes()
    return api.dupes(service.index, maybe=maybe, relations=relation, min_size=min_size)


@router.post("/decide", response_model=DecideReport, responses=_not_found)
def decide(service: Served, request: DecideRequest) -> DecideReport:
    """Record that records are one paper (``same``: each joins the first) or different papers;
    kept with the model and followed by every later answer (``/dupes``, ``/check``, ...)."""
    return service.decide(request)


@router.post("/recommend", response_model=Recommendations, responses=_not_found)
def recommend(service: Served, request: RecommendRequest) -> Recommendations:
    """Papers for a reading list: like ``like``, unlike ``not``, none of them nor ``exclude``.
    Entries are ids or titles, or records (never paths: the service reads no files)."""
    return api.recommend(service.index, request, files=False)


# -- Errors: one shape, made in one place ------------------------------------------------------

def _error_answer(status: int, error: str, detail: Sequence[Any] = (), *, close: bool = False,
                  headers: dict[str, str] | None = None) -> JSONResponse:
    """The service's one error answer: ``{"error": "one line", "detail": [...]}``."""
    headers = dict(headers or {})
    if close:
        headers["connection"] = "close"
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
    return _error_answer(status, exc.for_http())


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


class BodyLimit:
    """ASGI middleware answering 413 to a request body over ``limit`` bytes, whether its
    Content-Length says so or it streams (chunked) past it; the body is held in memory only
    up to the limit."""

    def __init__(self, app: Callable, limit: int = MAX_BODY) -> None:
        self.app, self.limit = app, limit

    async def __call__(self, scope, receive, send) -> None:
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        declared = dict(scope["headers"]).get(b"content-length", b"")
        too_large = declared.isdigit() and int(declared) > self.limit
        chunks: list[bytes] = []
        size, more = 0, True
        while more:
            message = await receive()
            if message["type"] == "http.disconnect":
                return
            size += len(message.get("body", b""))
            more = message.get("more_body", False)
            too_large = too_large or size > self.limit
            if too_large:
                chunks.clear()
                if size > _DRAIN:
                    break
            else:
                chunks.append(message.get("body", b""))
        if too_large:
            answer = _error_answer(413, f"the request body is larger than {self.limit} bytes")
            return await answer(scope, receive, send)
        replayed = False

        async def replay():
            nonlocal replayed
            if replayed:
                return await receive()
            replayed = True
            return {"type": "http.request", "body": b"".join(chunks), "more_body": False}

        await self.app(scope, replay, send)


def create_app(index: PaperIndex, model_path: str | Path | None = None) -> FastAPI:
    """The service over a loaded index; ``model_path`` (its folder, if saved) is for /health and
    /decide, which give its name."""
    app = FastAPI(
        title="paperlike",
        version=__version__,
        summary="Papers like this, and is this the same paper? TF-IDF over titles and abstracts.",
    )
    app.state.service = Service(index, model_path)
    app.include_router(router)
    app.add_exception_handler(PaperlikeError, _paperlike_error)
    app.add_exception_handler(RequestValidationError, _invalid_request)
    app.add_exception_handler(HTTPException, _http_error)
    app.add_exception_handler(Exception, _internal_error)
    app.add_middleware(BodyLimit, limit=MAX_BODY)
    return app


def run(model_path: str | Path, host: str = "127.0.0.1", port: int = 8000,
        notice: Callable[[str], None] | None = None) -> None:
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
        app = create_app(api.open_model(model_path, notice=notice), model_path)
        if notice:
            address = f"http://{f'[{host}]' if ':' in host else host}:{sock.getsockname()[1]}"
            notice(f"serving {model_path} at {address} (endpoints at {address}/docs; Ctrl-C stops)")
        try:
            uvicorn.Server(uvicorn.Config(app, host=host, port=port)).run(sockets=[sock])
        except KeyboardInterrupt:
            pass
