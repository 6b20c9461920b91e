"""A feed of new papers: which papers came into a model since a time, the feed's state between
runs, and the feed as an Atom document a feed reader subscribes to.

A model keeps its additions (:class:`paperlike.records.Addition`: the build, then each ``add``,
with their times). A paper is new since a time when its first record came in after it: a new
version of a paper already there (a v2, its published record) does not make it new. The state
of each named feed is the time of the newest addition its last run looked at, kept beside the
model in ``NAME.feed.json`` (``models/mine.feed.json`` for ``models/mine``), written atomically
under the model's write lock, so that the next run starts where the last one stopped, whatever
the clock said meanwhile.
"""

from __future__ import annotations

import datetime
import json
import os
import xml.etree.ElementTree as ET
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from .errors import ModelError, OutputError
from .identifiers import paper_url
from .records import Addition, Record
from .requests import from_iso
from .results import Feed

__all__ = ["now", "state_path", "read_state", "write_state", "added_times", "new_papers", "atom",
           "ATOM_NS"]

ATOM_NS = "http://www.w3.org/2005/Atom"


def now() -> str:
    """The time now, ISO 8601 UTC to the microsecond (two adds in one second stay in order)."""
    return datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="microseconds")


def state_path(model: str | Path) -> Path:
    """Where the feeds of a model keep their state: beside the model's folder (the folder is
    replaced whole by every save, so nothing of the feed's can live inside it)."""
    model = Path(model)
    return model.parent / f"{model.name}.feed.json"


def read_state(model: str | Path) -> dict[str, str]:
    """Each named feed's last run: the time of the newest addition it looked at."""
    path = state_path(model)
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return {}
    except (OSError, ValueError) as exc:
        raise ModelError(f"{path}: unreadable feed state ({exc}); delete it to start the feeds afresh") from None
    feeds = data.get("feeds") if isinstance(data, dict) else None
    if not isinstance(feeds, dict) or not all(isinstance(v, str) for v in feeds.values()):
        raise ModelError(f"{path}: not a feed state; delete it to start the feeds afresh")
    return feeds


def write_state(model: str | Path, name: str, until: str) -> None:
    """Record that the feed ``name`` has seen the additions up to ``until``, atomically (the
    caller holds the model's write lock)."""
    path = state_path(model)
    feeds = read_state(model)
    feeds[name] = until
    tmp = path.with_name(f".{path.name}.tmp-{os.getpid()}")
    try:
        tmp.write_text(json.dumps({"feeds": feeds}, indent=1) + "\n", encoding="utf-8")
        os.replace(tmp, path)
    except OSError as exc:
        tmp.unlink(missing_ok=True)
        raise OutputError(f"{path}: cannot write the feed state ({exc.strerror}); check the folder") from None


def added_times(additions: Sequence[Addition], n_records: int) -> np.ndarray:
    """When each record came in, as POSIX seconds (float64): its addition's time."""
    times = np.zeros(n_records, dtype=np.float64)
    for addition in additions:
        times[addition.first:addition.first + addition.count] = from_iso(addition.at).timestamp()
    return times


def new_papers(record_times: np.ndarray, paper_of_record: np.ndarray, n_papers: int,
               since: datetime.datetime | None) -> tuple[np.ndarray, np.ndarray]:
    """Which papers' first record came in after ``since`` (all of them for None), and when
    each paper's first record came in (POSIX seconds)."""
    first = np.full(n_papers, np.inf)
    np.minimum.at(first, paper_of_record, record_times)
    mask = np.ones(n_papers, dtype=bool) if since is None else first > since.timestamp()
    return mask, first


def _text(parent: ET.Element, tag: str, text: str | None, **attrs: str) -> ET.Element:
    element = ET.SubElement(parent, f"{{{ATOM_NS}}}{tag}", attrs)
    if text is not None:
        element.text = text
    return element


def atom(feed: Feed, records: Sequence[Record], title: str, feed_id: str) -> str:
    """The feed as an Atom 1.0 document (RFC 4287): one entry per result, best first, each with
    its id (the arXiv or doi.org link, else a ``urn:paperlike:`` one), title, time added, authors,
    link, the abstract as summary and why it was recommended as content. ``records`` are the
    results' records (with their abstracts), in the results' order."""
    ET.register_namespace("", ATOM_NS)
    root = ET.Element(f"{{{ATOM_NS}}}feed")
    _text(root, "id", feed_id)
    _text(root, "title", title)
    _text(root, "updated", _rfc3339(feed.until))
    author = _text(root, "author", None)
    _text(author, "name", "paperlike")
    _text(root, "generator", "paperlike")
    _text(root, "subtitle", f"{feed.new_papers} new papers since {feed.since or 'the model was built'}; "
                            f"the {len(feed.results)} most like the reading list")
    for result, record in zip(feed.results, records):
        entry = _text(root, "entry", None)
        url = result.url or paper_url(result.arxiv, result.doi)
        _text(entry, "id", url or f"urn:paperlike:{result.id}")
        _text(entry, "title", result.title or result.label)
        _text(entry, "updated", _rfc3339(feed.added.get(result.id, feed.until)))
        if result.date:
            _text(entry, "published", _rfc3339(_full_date(result.date)))
        for name in result.authors or ["unknown"]:
            _text(_text(entry, "author", None), "name", name)
        if url:
            _text(entry, "link", None, rel="alternate", href=url)
        if record.abstract:
            _text(entry, "summary", record.abstract)
        why = (f"#{result.rank}, score {result.score:.3f}; shared terms: {', '.join(result.terms) or 'none'}"
               + (f"; versions: {', '.join(result.versions)}" if result.versions else "")
               + (f"; {result.venue}" if result.venue else ""))
        _text(entry, "content", why, type="text")
        for category in record.categories:
            _text(entry, "category", None, term=category)
    return '<?xml version="1.0" encoding="utf-8"?>\n' + ET.tostring(root, encoding="unicode") + "\n"


def _full_date(date: str) -> str:
    parts = date.split("-")
    return "-".join([parts[0], *(parts[1:] + ["01", "01"])[:2]])


def _rfc3339(value: str) -> str:
    """An ISO date or time as Atom's date-time (RFC 3339: a time and a zone)."""
    moment = from_iso(value)
    return moment.astimezone(datetime.timezone.utc).isoformat(timespec="seconds").replace("+00:00", "Z")
