"""The Python API: the functions the CLI calls, one per command, for notebooks and tools.

    >>> import paperlike
    >>> index = paperlike.build_index(paperlike.read_records(paperlike.seed_paths()).records)
    >>> index.similar("FastCorrect 2", k=2).results[0].title
    'Mask the Correct Tokens: An Embarrassingly Simple Approach for Error Correction'
"""

from __future__ import annotations

import contextlib
import datetime
import os
import sys
from collections.abc import Callable, Hashable, Iterable, Iterator, Sequence
from pathlib import Path
from typing import BinaryIO, TextIO, TypeVar

from pydantic import BaseModel, ValidationError

from . import parallel, spill, store
from .arguments import checked
from .citation import citation_fields
from .defaults import DEFAULT_MIN_COSINE, DEFAULT_MODEL, MAX_RECORD_BYTES, RELATIONS
from .errors import (
    ArgumentError,
    BadRecordError,
    InputError,
    NotFoundError,
    OutputError,
    QueryError,
    RequestError,
    UsageError,
)
from .evaluate import DupeScores, Timer, score_grouping, truth_from_field, truth_from_groups, truth_from_pairs
from .index import PaperIndex
from .rank import Ranker
from .records import Corpus, Decision, Record, Skipped
from .requests import (
    CheckRecord,
    CheckRequest,
    DecideRequest,
    FeedRequest,
    Filters,
    RecommendRequest,
    SimilarRequest,
    from_iso,
)
from .results import (
    AddReport,
    CheckResult,
    DecideReport,
    DupeGroup,
    Dupes,
    Feed,
    Graph,
    IndexSummary,
    MaybePair,
    ModelInfo,
    PaperRecord,
    PaperSummary,
    Recommendations,
    Similar,
    SimilarAnswer,
    SourceCount,
    VerifyReport,
)
from .vectorize import Vectorizer

__all__ = ["DEFAULT_MODEL", "build_index", "rebuild", "save_index", "load_index", "open_model", "similar",
           "recommend", "add", "refit", "model_info", "verify", "papers", "paper_record", "paper_summaries", "dupes",
           "check", "as_papers", "evaluate_dupes", "graph", "graph_html", "write_graph", "decide",
           "dupe_groups", "review_queue", "merged_records", "write_merged", "cited_records", "feed", "feed_atom",
           "feed_records", "write_text", "zotero_collection", "read_corpus", "read_stdin_records", "read_query_lines",
           "read_truth", "index_summary"]


Request = TypeVar("Request", bound=BaseModel)


@checked
def build_index(records: Iterable[Record] | Corpus, vectorizer: Vectorizer | None = None,
                decisions: Iterable[Decision] = ()) -> PaperIndex:
    """A fitted index over the records (or over a Corpus's records), with people's decisions
    on pairs of them (:func:`decide`)."""
    if isinstance(records, Corpus):
        records = records.records
    return PaperIndex(vectorizer).fit(records, decisions)


@checked
def rebuild(path: str | Path, records: Iterable[Record] | Corpus, notice: Callable[[str], None] | None = None,
            progress: Callable[[str], object] | None = None) -> PaperIndex:
    """Build an index over the records and save it at path, under the model's write lock,
    keeping the decisions the model held (:func:`decide`). ``progress(description)``, when
    given, is a context manager around each step."""
    step = progress or (lambda description: contextlib.nullcontext())
    with store.writing(path, notice):
        decisions = store.read_decisions(path)
        n = len(records.records) if isinstance(records, Corpus) else None
        with step(f"Vectorising {n} records" if n is not None else "Vectorising"), spill.beside(path):
            index = build_index(records, decisions=decisions)
        with step(f"Saving to {path}"):
            store.save(index, path)
    return index


@checked
def rebuild_on_spark(path: str | Path, paths: Sequence[str | Path], *, master: str | None = None,
                     notice: Callable[[str], None] | None = None, **options) -> list[Skipped]:
    """:func:`rebuild` on Apache Spark (``master``: ``local[2]``, ``spark://host:7077``, ``yarn``;
    None: spark-submit's or ``local[*]``): the same model, built by :mod:`paperlike.spark`.
    ``options`` are :func:`paperlike.spark.build_index`'s (format, year, strict,
    max_record_bytes). The records skipped as malformed."""
    from .spark import BuildReport, session  # pyspark only when asked
    from .spark import rebuild as spark_rebuild

    report = BuildReport()
    spark_rebuild(path, session(master), paths, notice=notice, report=report, **options)
    return report.skipped


@checked
def save_index(index: PaperIndex, path: str | Path) -> Path:
    """Save atomically to a model folder; see :mod:`paperlike.store`."""
    return store.save(index, path)


@checked
def load_index(path: str | Path) -> PaperIndex:
    """Load a model folder, checking its format version and checksums."""
    return store.load(path)


@checked
def open_model(path: str | Path = DEFAULT_MODEL, notice: Callable[[str], None] | None = None) -> PaperIndex:
    """The model at path; the default model is built from the bundled seeds when missing."""
    path = Path(path)
    if not path.exists() and path == DEFAULT_MODEL:
        from .sources import read_records, seed_paths

        with store.writing(path, notice):
            if not path.exists():  # not built meanwhile by another paperlike that held the lock
                corpus = read_records(seed_paths())
                if notice:
                    notice(f"no model at {path}; building it from the bundled seed corpus "
                           f"({len(corpus.records)} records)")
                index = build_index(corpus)
                store.save(index, path)
                return index
    return store.load(path)


@checked
def similar(index: PaperIndex, request: SimilarRequest | str, k: int | None = None, kind: str | None = None,
            filters: Filters | None = None, diverse: bool | None = None) -> Similar:
    """The papers most like a query: a record id, an arXiv id, a title, or free text.

    ``request`` is a SimilarRequest (what the CLI and the service build), or the query itself
    with the request's other fields as keywords, None leaving the request's default (k 10):
    ``filters`` keeps papers of some categories or dates; ``diverse`` re-ranks by maximal
    marginal relevance so that the results are not all alike. RequestError when the request
    breaks a limit (k from 1 to MAX_K, ...)."""
    request = _as_request(SimilarRequest, request, "query", k=k, kind=kind, filters=filters, diverse=diverse)
    return index.similar(request.query, k=request.k, kind=request.kind, filters=request.filters,
                         diverse=request.diverse)


BATCH_IN_TWO = 64  # queries from which a batch is split between two processes


@checked(own_items=("requests",))
def similar_many(index: PaperIndex, requests: Iterable[SimilarRequest | str], k: int | None = None,
                 kind: str | None = None, filters: Filters | None = None,
                 diverse: bool | None = None) -> list[SimilarAnswer]:
    """``similar`` for many queries, answered in their order; a query that cannot be answered
    (an unknown id, no known word) gets its error instead of an answer, and the rest go on.

    Each element is a SimilarRequest or a query, the keywords filling in what a query alone
    leaves out, as in :func:`similar`. From ``BATCH_IN_TWO`` queries the second half is answered
    in a forked process on the other core (``PAPERLIKE_JOBS=1``: one process), each walk on one
    thread. RequestError (with the query's number) when a request breaks a limit."""
    batch = []
    for n, request in enumerate(requests, 1):
        try:
            batch.append(_as_request(SimilarRequest, request, "query", k=k, kind=kind, filters=filters,
                                     diverse=diverse))
        except RequestError as exc:
            raise RequestError(f"query {n}: {exc}") from None
    cut = len(batch) // 2 if len(batch) >= BATCH_IN_TWO else len(batch)
    with parallel.one_thread():
        mine, theirs = parallel.both(lambda: _answers(index, batch[:cut]), lambda: _answers(index, batch[cut:]),
                                     parallel=cut < len(batch))
    return mine + theirs


def _answers(index: PaperIndex, batch: list[SimilarRequest]) -> list[SimilarAnswer]:
    out = []
    for request in batch:
        try:
            out.append(SimilarAnswer(query=request.query, answer=similar(index, request)))
        except QueryError as exc:
            out.append(SimilarAnswer(query=request.query, error=str(exc)))
    return out


@checked
def recommend(index: PaperIndex, request: RecommendRequest | Sequence[str | Path | Record | CheckRecord],
              not_: Sequence[str | Path | Record | CheckRecord] | None = None,
              exclude: Sequence[str | Path | Record | CheckRecord] | None = None, k: int | None = None,
              filters: Filters | None = None, diverse: bool | None = None, method: str | None = None,
              *, files: bool = True, max_record_bytes: int = MAX_RECORD_BYTES) -> Recommendations:
    """Papers for a reading list (ids, titles, files of records or plain lists, or records):
    like ``like``, unlike ``not_``, leaving out all of them and ``exclude``.

    ``request`` is a RecommendRequest (what the CLI and the service build), or its ``like``
    list with the request's other fields as keywords, None leaving the request's default.
    ``method``: "centroid" (the default, an exact query) or "svm" (arxiv-sanity's per-list
    classifier; slower, see recommend.METHODS). ``files=False`` never reads a string as a path
    (for a service); a record of a file over ``max_record_bytes`` is skipped as malformed.
    RequestError when the request breaks a limit."""
    from .listfiles import expand_items

    request = _as_request(RecommendRequest, request, "like", not_=not_, exclude=exclude, k=k, filters=filters,
                          diverse=diverse, method=method)

    def entries(items: list) -> list:  # a record given field by field, as check reads it; files read
        return expand_items([_as_paper(item, "<request>", 1) if isinstance(item, CheckRecord) else item
                             for item in items], files, max_record_bytes)

    return index.recommend(entries(request.like), entries(request.not_), entries(request.exclude), k=request.k,
                           filters=request.filters, diverse=request.diverse, method=request.method)


def _as_request(model: type[Request], given: object, first: str, **fields: object) -> Request:
    """``given`` if it is already the request, else the request of ``given`` (its field
    ``first``) and the other fields (None: the model's default); a RequestError, one line, for
    one the model rejects."""
    if isinstance(given, model):
        if any(value is not None for value in fields.values()):
            raise ArgumentError(f"give a {model.__name__} or its fields as arguments, not both")
        return given
    try:
        return model.model_validate({first: given, **{n: v for n, v in fields.items() if v is not None}})
    except ValidationError as exc:
        raise RequestError.of(exc.errors()) from None


@checked
def add(path: str | Path, records: Iterable[Record] | Corpus, notice: Callable[[str], None] | None = None) -> AddReport:
    """Add records to the saved model at path, atomically and under its write lock, without
    refitting its vocabulary."""
    skipped = len(records.skipped) if isinstance(records, Corpus) else 0
    if isinstance(records, Corpus):
        records = records.records
    with store.writing(path, notice):
        index = store.load(path)
        report = index.extend(list(records))
        store.save(index, path)
    return AddReport(model=str(path), skipped=skipped, **report)


@checked
def refit(path: str | Path) -> PaperIndex:
    """Rebuild the saved model at path from its own records: a new vocabulary, IDF, BM25
    statistics and LSA. Reads models of older format versions too (store.REFIT_READS)."""
    from .dedup import Deduplicator

    with store.writing(path):
        additions = store.read_additions(path)  # the same records in the same order: the same additions
        records, params, decisions = store.load_for_refit(path)
        vectorizer = dict(params["vectorizer"])
        vectorizer["ngram_range"] = tuple(vectorizer["ngram_range"])
        with spill.beside(path):
            index = PaperIndex(Vectorizer(**vectorizer), dedup=Deduplicator(**params["dedup"]),
                               ranker=Ranker(**params.get("ranker", {}))).fit(records, decisions, additions)
        store.save(index, path)
    return index


@checked
def graph(index: PaperIndex, query: str, k: int = 10, kind: str | None = None,
          min_cosine: float = DEFAULT_MIN_COSINE, filters: Filters | None = None,
          diverse: bool = False) -> Graph:
    """The query's paper and its k nearest papers as a graph: one node per paper, edges
    weighted by cosine (query to neighbour, and neighbour to neighbour from ``min_cosine``).
    ``filters`` and ``diverse`` choose the neighbours as they do for :func:`similar`."""
    from .graph import build_graph

    return build_graph(index, query, k=k, kind=kind, min_cosine=min_cosine, filters=filters, diverse=diverse)


@checked
def graph_html(graph: Graph) -> str:
    """The graph drawn as a self-contained HTML page (inline SVG, nothing fetched)."""
    from .graph import render_html

    return render_html(graph)


@checked
def write_graph(graph: Graph, path: str | Path) -> Path:
    """Write the graph's HTML page to path, atomically."""
    from .graph import write_html

    return write_html(graph, path)


@checked
def papers(index: PaperIndex) -> list[Record]:
    """Every record the index holds, in index order."""
    return list(index.records_)


@checked
def paper_record(index: PaperIndex, id: str) -> PaperRecord:
    """The record with this id (an arXiv id in any version, or a DOI, will do), the id of its
    paper's canonical record and the ids of the paper's other records; NotFoundError if none."""
    record = index.record_by_id(id)
    if record is None:
        raise NotFoundError(f"no record with id {id.strip()!r} in this model")
    found = index.records_[record]
    ids = [index.records_[r].id for r in index.records_of_paper(index.paper_of_record(record))]
    return PaperRecord(**dict(found), paper=ids[0], versions=[i for i in ids if i != found.id])


@checked
def model_info(path: str | Path) -> ModelInfo:
    """What a saved model holds, from its manifest."""
    folder = Path(path)
    manifest = store.read_manifest(folder)
    counts = manifest["counts"]
    return ModelInfo(
        path=str(folder), format_version=manifest["format_version"], created=manifest["created"],
        records=counts["records"], texts=counts["texts"], papers=counts["papers"],
        vocabulary=counts["vocabulary"], parameters=manifest["parameters"],
        versions=manifest["versions"],
        sources=[SourceCount(**s) for s in manifest["sources"]],
        size_bytes=sum(f["bytes"] for f in manifest["files"].values()),
        updates=manifest.get("updates", {}),
    )


@checked
def verify(path: str | Path = DEFAULT_MODEL) -> VerifyReport:
    """Check the saved model at path now, whatever its ``.verified`` cache says: the manifest,
    every file's size and SHA-256, and the structure of its arrays. ``ok`` is False, with every
    problem found, for a damaged model or a folder that is not one (nothing is raised for it)."""
    return VerifyReport(**store.verify(path))


@checked
def dupes(index: PaperIndex, threshold: float | None = None, title_threshold: float | None = None,
          maybe: bool = False, relations: Iterable[str] | None = None, min_size: int = 2) -> Dupes:
    """The papers with several records (versions), each member with its evidence and relation,
    the groups worth a look first; with ``maybe``, the pairs left for a person to decide.
    ``relations`` keeps the groups with a member of one of them, ``min_size`` those of that
    many records or more."""
    _known_relations(relations)
    return index.dupes(threshold=threshold, title_threshold=title_threshold, maybe=maybe,
                       relations=relations, min_size=min_size)


@checked
def dupe_groups(index: PaperIndex, relations: Iterable[str] | None = None, min_size: int = 2) -> Iterator[DupeGroup]:
    """The groups of :func:`dupes` with the model's thresholds, one at a time (for a large
    model's answer to stream)."""
    _known_relations(relations)
    return index.dupe_groups(relations=relations, min_size=min_size)


@checked
def review_queue(index: PaperIndex) -> list[MaybePair]:
    """The pairs that may be one paper, left for a person to decide (``dupes --maybe``)."""
    return index.review_queue()


def _known_relations(relations: Iterable[str] | None) -> None:
    unknown = sorted(set(relations or ()) - set(RELATIONS))
    if unknown:
        raise UsageError(f"unknown relation {unknown[0]!r}; choose among {', '.join(RELATIONS)}")


@checked
def decide(path: str | Path, request: DecideRequest | str, ids: Sequence[str] | None = None,
           notice: Callable[[str], None] | None = None) -> DecideReport:
    """Record that records of the saved model at path are one paper or different papers
    (``request``: a DecideRequest, or the verdict with ``ids``), regroup, and save the model
    atomically under its write lock. Every later ``dupes``, ``check`` and ``add`` follows it,
    and so does ``index`` building the model again at the same place."""
    request = _as_request(DecideRequest, request, "verdict", ids=ids)
    with store.writing(path, notice):
        index = store.load(path)
        at = datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds")
        made = index.decide(request.verdict, request.ids, at)
        store.save(index, path)
    papers = {}
    for given in request.ids:
        paper = index.paper_of_record(index.record_by_id(given))
        papers[given] = index.records_[index.canonical_record(paper)].id
    return DecideReport(model=str(path), decisions=made, papers=papers, total_decisions=len(index.decisions_))


@checked
def merged_records(index: PaperIndex) -> Iterator[Record]:
    """One record per paper of the index, its versions' most complete fields merged into it
    (:func:`paperlike.export.merge_records`), in the order of the papers' canonical ids; each
    keeps the ids of the records merged in ``extra["merged_ids"]``."""
    from .export import merge_records

    order = sorted(range(index.n_papers), key=lambda p: index.records_[index.canonical_record(p)].id)
    for paper in order:
        yield merge_records([index.records_[r] for r in index.records_of_paper(paper)])


@checked
def feed(path: str | Path, request: FeedRequest | Sequence[str | Path | Record | CheckRecord],
         not_: Sequence[str | Path | Record | CheckRecord] | None = None, since: str | None = None,
         name: str | None = None, k: int | None = None, *, reading_list: str | None = None,
         save_state: bool | None = None, notice: Callable[[str], None] | None = None,
         max_record_bytes: int = MAX_RECORD_BYTES, index: PaperIndex | None = None, files: bool = True) -> Feed:
    """The papers added to the saved model at ``path`` since ``since`` (a date or an ISO time),
    or since the feed ``name`` last ran, ranked for a reading list (``like``, ``not_``,
    ``exclude``: as :func:`recommend`), each with why.

    A paper is new when its first record came in after that time (a new version of a known
    paper is not). With neither ``since`` nor a last run, the papers of the model's latest
    addition (its last ``add``, or its build) are the new ones. A run without ``since`` records
    where it stopped (the newest addition it looked at), atomically under the model's write
    lock, so that the next run starts there; ``save_state`` (default: when ``since`` is not
    given) says otherwise.

    ``reading_list`` (or the request's): a reading list of the page's, kept beside the model
    (:mod:`paperlike.lists`, read only), whose liked papers join ``like`` and whose
    not-interested ones join ``not_``; NotFoundError, naming the lists there are, when there is
    none of that name. ``index``: the model at ``path`` already loaded (a service's);
    ``files=False`` never reads an entry as a path."""
    from .feed import added_times, new_papers, read_state, write_state
    from .listfiles import expand_items

    request = _as_request(FeedRequest, request, "like", not_=not_, since=since, name=name, k=k,
                          reading_list=reading_list)
    request = _with_reading_list(path, request)
    if index is None:
        index = open_model(path, notice=notice)
    additions = index.additions_
    until = max(additions, key=lambda a: from_iso(a.at)).at
    if request.since is not None:
        start = from_iso(request.since)
    else:
        last = read_state(path).get(request.name)
        # No run yet: the latest addition's papers (what the last add brought, or the build's).
        start = from_iso(last) if last else from_iso(until) - datetime.timedelta(microseconds=1)
    times = added_times(additions, len(index.records_))
    paper_of_record = index.paper_of_text_[index.text_of_record_]
    among, first = new_papers(times, paper_of_record, index.n_papers, start)
    found = index.recommend(*(expand_items(items, files, max_record_bytes)
                              for items in (request.like, request.not_, request.exclude)),
                            k=request.k, filters=request.filters, diverse=request.diverse, method=request.method,
                            among=among)
    added = {}
    for result in found.results:
        paper = index.paper_of_record(index.record_by_id(result.id))
        added[result.id] = datetime.datetime.fromtimestamp(first[paper], datetime.timezone.utc).isoformat(
            timespec="seconds")
    answer = Feed(**dict(found), since=start.isoformat(timespec="microseconds"), until=until,
                  new_papers=int(among.sum()), added=added)
    if save_state if save_state is not None else request.since is None:
        with store.writing(path, notice):
            write_state(path, request.name, until)
    return answer


def _with_reading_list(path: str | Path, request: FeedRequest) -> FeedRequest:
    """The request with its reading list's papers in like and not (the list read, never written)."""
    if request.reading_list is None:
        return request
    from .lists import ReadingLists, lists_path

    where = lists_path(path)
    if not where.exists():
        raise NotFoundError(f"there is no reading list named {request.reading_list!r}: this model has "
                            "no reading lists yet", hint="make one in the page of 'paperlike serve'",
                            http_hint="POST /lists makes one")
    lists = ReadingLists(where)
    try:
        chosen = lists.get(request.reading_list)
    except NotFoundError:
        names = ", ".join(repr(s.name) for s in lists.names()) or "none"
        raise NotFoundError(f"there is no reading list named {request.reading_list!r}; the lists are: {names}") from None
    like = [p.id for p in chosen.items if p.role == "like"]
    if not request.like and not like:
        raise QueryError(f"the reading list {chosen.name!r} likes no paper yet: give it a thumbs up "
                         "on a result first")
    fields = request.model_dump(by_alias=True)
    fields.update({"like": request.like + like, "not": request.not_ + [p.id for p in chosen.items
                                                                          if p.role == "not"]})
    try:
        return FeedRequest.model_validate(fields)
    except ValidationError as exc:  # more papers than a request may have
        raise RequestError.of(exc.errors()) from None


@checked
def feed_records(index: PaperIndex, answer: Feed) -> list[Record]:
    """The canonical record of each result of a feed (its abstract, categories), in order."""
    return [index.records_[index.canonical_record(index.paper_of_record(index.record_by_id(r.id)))]
            for r in answer.results]


@checked
def feed_atom(index: PaperIndex, answer: Feed, title: str = "paperlike: new papers like your library",
              feed_id: str | None = None) -> str:
    """A feed's answer as an Atom 1.0 document a feed reader subscribes to."""
    from .feed import atom

    return atom(answer, feed_records(index, answer), title, feed_id or "urn:paperlike:feed")


@checked
def write_text(text: str, out: str | Path) -> Path:
    """Write text to a file atomically (a feed reader never reads half a feed)."""
    out = Path(out)
    tmp = out.with_name(f".{out.name}.tmp-{os.getpid()}")
    try:
        tmp.write_text(text, encoding="utf-8")
        os.replace(tmp, out)
    except OSError as exc:
        tmp.unlink(missing_ok=True)
        raise OutputError(f"{out}: cannot write ({exc.strerror}); check the path") from None
    return out


@checked
def zotero_collection(path: str | Path, name: str) -> list[Record]:
    """The records of a Zotero database's collection (its name or path ``Parent/Child``, with
    its subcollections), read safely while Zotero runs (:mod:`paperlike.sources.zotero`), to
    use as a reading list; InputError naming the collections there are for an unknown one."""
    from .sources import zotero

    return zotero.collection_records(path, name)


@checked
def cited_records(index: PaperIndex, ids: Iterable[str]) -> list[Record]:
    """One record for each paper named (a result's id, or any id of the paper's records), its
    versions' most complete fields merged (:func:`merged_records`), to export results as entries
    a reference manager imports; NotFoundError for an id the index does not hold."""
    from .export import merge_records

    out = []
    for given in ids:
        record = index.record_by_id(given)
        if record is None:
            raise NotFoundError(f"no record with id {given!r} in this model")
        paper = index.paper_of_record(record)
        out.append(merge_records([index.records_[r] for r in index.records_of_paper(paper)]))
    return out


@checked
def write_merged(index: PaperIndex, out: str | Path, fmt: str | None = None) -> int:
    """Write the deduplicated library (:func:`merged_records`) to ``out`` as BibTeX, RIS, CSV
    or JSON lines (``fmt``, or the file's extension), atomically; the number of records."""
    from .export import format_for_path, write_records

    out = Path(out)
    fmt = fmt or format_for_path(out)
    records = list(merged_records(index))
    write_text(write_records(records, fmt), out)
    return len(records)


@checked
def check(index: PaperIndex, records: CheckRequest | Iterable[Record | CheckRecord],
          source: str = "<request>") -> list[CheckResult]:
    """For each incoming record, the known paper it is a version of, or "new".

    Records given field by field (a CheckRequest or CheckRecords: ``check --title``, ``POST
    /check``) are normalised and identified like records read from files, the n-th as line n
    of ``source``; BadRecordError (an InputError) for one with neither a title nor an abstract,
    before any is checked."""
    if isinstance(records, CheckRequest):
        records = records.records
    papers = [r if isinstance(r, Record) else _as_paper(r, source, line) for line, r in enumerate(records, 1)]
    return [index.check(paper) for paper in papers]


@checked
def as_papers(records: Iterable[CheckRecord], path: str) -> list[Record]:
    """Incoming records given field by field as Papers, the n-th as line n of ``path`` (see
    :func:`check`)."""
    return [_as_paper(r, path, line) for line, r in enumerate(records, 1)]


def _as_paper(r: CheckRecord, path: str, line: int) -> Record:
    from .sources.base import Bad, make_paper

    try:
        return make_paper(path, line, id=r.id, title=r.title, abstract=r.abstract, authors=r.authors,
                          categories=r.categories, date=r.date or (str(r.year) if r.year is not None else None),
                          doi_value=r.doi, venue=r.venue)
    except Bad as exc:
        raise BadRecordError(path, line, str(exc)) from None


@checked
def paper_summaries(index: PaperIndex) -> list[PaperSummary]:
    """One entry per paper: its canonical record and the ids of its other records."""
    out = []
    for paper in range(index.n_papers):
        records = [index.records_[r] for r in index.records_of_paper(paper)]
        head = records[0]
        out.append(PaperSummary(id=head.id, title=head.title, label=head.label, **citation_fields(records),
                                versions=[r.id for r in records[1:]]))
    return out


@checked
def evaluate_dupes(
    records: Sequence[Record],
    truth: Sequence[Hashable],
    threshold: float | None = None,
    title_threshold: float | None = None,
    unread: Sequence[Hashable] = (),
) -> DupeScores:
    """Pairwise and B-cubed scores of paperlike's grouping of the records against truth labels
    (see :func:`paperlike.evaluate.truth_from_field`, ``truth_from_pairs`` and
    ``truth_from_groups``); ``unread`` holds the truth labels of records that could not be read,
    which count as papers of their own."""
    from .dedup import Deduplicator

    defaults = Deduplicator()
    dedup = Deduplicator(
        threshold=defaults.threshold if threshold is None else threshold,
        title_threshold=defaults.title_threshold if title_threshold is None else title_threshold,
    )
    with Timer() as timer:
        index = PaperIndex(dedup=dedup).fit(records)
    predicted = index.paper_of_text_[index.text_of_record_].tolist() + [("unread", k) for k in range(len(unread))]
    scores = score_grouping(predicted, list(truth) + list(unread))
    return scores.model_copy(update={"seconds": round(timer.seconds, 3), "threshold": dedup.threshold,
                                     "unread": len(unread)})


# Reading what a command is given: its inputs (files, standard input, a file of queries, a truth
# file), each skipped record reported through ``notice``, as the commands report them.

@checked
def read_corpus(paths: Sequence[str | Path], format: str | None = None, strict: bool = False, year: int | None = None,
                max_record_bytes: int = MAX_RECORD_BYTES, notice: Callable[[str], None] | None = None,
                progress: Callable[[str], object] | None = None, columnar: bool = False) -> Corpus:
    """:func:`~paperlike.sources.read_records` with a notice for each record skipped as
    malformed; ``progress(description)``, when given, is a context manager around the reading
    that yields a function taking the fraction done (or None). ``columnar``: the records as a
    RecordTable (what a build reads), as read_records gives them."""
    from .sources import read_records

    step = progress or (lambda description: contextlib.nullcontext())
    with step("Reading records") as advance:
        corpus = read_records(paths, format=format, strict=strict, year=year, progress=advance,
                              max_record_bytes=max_record_bytes, columnar=columnar)
    for bad in corpus.skipped:
        if notice is not None:
            notice(f"skipped {bad.path}:{bad.line}: {bad.reason}")
    return corpus


def read_stdin_records(stream: BinaryIO | None = None, max_record_bytes: int = MAX_RECORD_BYTES,
                       notice: Callable[[str], None] | None = None) -> list[Record]:
    """The records of JSON lines on standard input (or ``stream``), read a line at a time, with a
    notice for each one skipped; UsageError when there is none."""
    from .sources import arxiv

    records = []
    stream = sys.stdin.buffer if stream is None else stream
    for item in arxiv.read_stream(stream, "<stdin>", limit=max_record_bytes):
        if not isinstance(item, Skipped):
            records.append(Record.from_row(item))
        elif notice is not None:
            notice(f"skipped <stdin>:{item.line}: {item.reason}")
    if not records:
        raise UsageError("no records on stdin; send JSON lines with a title or an abstract")
    return records


def read_query_lines(path: str, stdin: TextIO | None = None) -> list[tuple[int, str]]:
    """The non-blank lines of a file of queries (``-``: standard input, or ``stdin``), with their
    numbers; InputError for a file that is missing, not UTF-8 or without a query."""
    try:
        text = (stdin or sys.stdin).read() if path == "-" else Path(path).read_text(encoding="utf-8")
    except FileNotFoundError:
        raise InputError(f"{path}: no such file; give a file of queries, one per line") from None
    except UnicodeDecodeError as exc:
        raise InputError(f"{path}: not UTF-8 text ({exc.reason} at byte {exc.start}); save it as UTF-8") from None
    lines = [(n, line.strip()) for n, line in enumerate(text.splitlines(), 1) if line.strip()]
    if not lines:
        raise InputError(f"{path}: no queries; give one id, title or text per line")
    return lines


def read_truth(records: Sequence[Record], field: str | None = None, pairs: str | Path | None = None,
               groups: str | Path | None = None) -> tuple[list[Hashable], list[Hashable]]:
    """The truth labels of the records, from one of a field naming the paper, a CSV of matching
    pairs or a file of duplicate groups (:mod:`paperlike.evaluate`), and the labels of the
    records a groups file names that were not read."""
    if groups is not None:
        return truth_from_groups(records, groups)
    return (truth_from_field(records, field) if field else truth_from_pairs(records, pairs)), []


@checked
def index_summary(path: str | Path, skipped: int = 0) -> IndexSummary:
    """What an index build left at path (``paperlike index``'s answer): its records, papers and
    vocabulary, and how many records were skipped as malformed."""
    info = model_info(path)
    return IndexSummary(model=str(path), records=info.records, papers=info.papers, vocabulary=info.vocabulary,
                        skipped=skipped)
