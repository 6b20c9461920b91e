"""The evidence comparing two records, and the rules that read it: same paper, maybe, or not.

Every signal is computed by :func:`pair_evidence` into an :class:`Evidence` (JSON-ready, None
where a side lacks the field), and :func:`decide` turns it into a :class:`Verdict`: ``same``
(a rule that a reviewer can read joined the pair), ``maybe`` (close, but not certain: the review
queue of ``paperlike dupes --maybe``), or ``different``. ``veto`` is the part of the rules that
no other evidence overrides; :mod:`paperlike.dedup.grouping` uses it to keep groups from
chaining two records it keeps apart.

Vetoes: two DOIs (a preprint server's DOI beside a publisher's is not a conflict), two arXiv
ids, part or volume markers that differ (``Part I`` / ``Part II``, ``Case A`` / ``Case B``),
two page ranges in one journal and volume, and authors with no surname in common.

Rules that join, in order:

- ``same id``: the same arXiv id, or the same DOI with titles that are not unlike;
- ``truncated``: one abstract contained in the other (>= 0.9 of its word 3-grams, 20 words);
- ``abstract``: abstract TF-IDF cosine >= ``threshold``;
- ``same name``: the same paper name, abstract cosine >= 0.45, a title on at most one side;
- ``same title``: the same specific title and the same authors, both with abstracts (a revision
  whose abstract was rewritten), at most a year apart;
- ``title``: where a side has no abstract (bibliographic records), titles equal once case,
  punctuation, markup, brackets and language tags are set aside (or nearly equal, or one the
  other without its subtitle), half the authors shared, at most a year apart, and a journal,
  volume or first page that agrees where the years differ or the title is short; a title that
  recurs in its source ("Editor's Notes") does not count;
- ``bibliographic``: journal, volume, first page and authors agree, at most a year apart, the
  titles unlike (a translated title).

A pair no rule joins is ``maybe`` when its titles (or abstracts) are close and nothing vetoes it.
"""

from __future__ import annotations

import difflib
import re
from typing import NamedTuple

from .. import biblio
from ..models import Paper
from ..text import text_key, tokens

__all__ = ["Evidence", "Verdict", "pair_evidence", "decide", "veto", "cannot_join", "paper_name",
           "containment", "relation", "kept_apart", "RELATIONS", "SHINGLE", "CONTAINMENT", "NAME_MIN_ABSTRACT"]

SHINGLE = 3
CONTAINMENT = 0.9
CONTAINMENT_MIN_WORDS = 20
NAME_MIN_ABSTRACT = 0.45
_TITLE_VETO = 0.6
_NEAR_IDENTICAL = 0.95
_STRONG_TITLE = 0.95
_MAYBE_TITLE = 0.8
_MAX_YEAR_GAP = 1
_BIBLIOGRAPHIC_AUTHORS = 0.5
_CONTAINED_TITLE_MIN_WORDS = 4
# A title of fewer words than this says little by itself ("Eculizumab", "Editorial").
_SPECIFIC_TITLE_WORDS = 5
_DOI_TITLE_SANITY = 0.5
# DOI prefixes of preprint servers: a preprint's DOI beside its published DOI is no conflict.
_PREPRINT_DOI_PREFIXES = ("10.48550/", "10.1101/", "10.2139/ssrn", "10.21203/rs.", "10.20944/preprints",
                          "10.31219/osf", "10.31234/osf", "10.31235/osf", "10.36227/techrxiv",
                          "10.26434/chemrxiv", "10.22541/au.", "10.31222/osf")
_INTRODUCES_RE = re.compile(
    r"^(?:in this (?:paper|work|report), )?we (?:propose|present|introduce|describe|develop|release)"
    r" (?:the |a |an )?([\w][\w\-\.]*(?: [A-Z0-9][\w\-\.]*){0,2})", re.I)

RELATIONS = ("copy", "truncated", "revised", "same DOI", "preprint and published", "translation",
             "bibliographic match", "decided")


class Evidence(dict):
    """The signals of one pair, JSON-ready: None where a side lacks the field."""


class Verdict(NamedTuple):
    """What the rules say of a pair: ``decision`` is same, maybe or different; ``rule`` the
    rule that said it (for a veto, the veto), ``score`` its strength from 0 to 1."""

    decision: str
    rule: str | None
    score: float


def paper_name(record: Paper) -> str | None:
    """The paper's name: before the title's colon, or what its abstract's first words introduce."""
    if record.title and ":" in record.title:
        name = record.title.split(":", 1)[0]
        return text_key(name) if len(name.split()) <= 4 else None
    if record.abstract:
        match = _INTRODUCES_RE.match(record.abstract)
        # A name has a capital ("Sortformer", "SALM"); "we present a decoder-only ..." has none.
        if match and any(c.isupper() for c in match.group(1)):
            return text_key(match.group(1).rstrip("."))
    return None


def _title_ratio(a: str, b: str) -> float:
    return 1.0 if a == b else difflib.SequenceMatcher(None, a, b, autojunk=False).ratio()


def _title_containment(a: str, b: str) -> float | None:
    """Share of the shorter title's words found in the other ("X" in "X - Book Review")."""
    wa, wb = set(a.split()), set(b.split())
    if min(len(wa), len(wb)) < _CONTAINED_TITLE_MIN_WORDS:
        return None
    return len(wa & wb) / min(len(wa), len(wb))


def _shingles(text: str | None) -> set[tuple[str, ...]]:
    words = tokens(text or "")
    return set(zip(*(words[k:] for k in range(SHINGLE))))


def containment(a: Paper, b: Paper) -> float | None:
    """Share of the shorter abstract's word 3-grams found in the other (None if too short)."""
    if not (a.abstract and b.abstract):
        return None
    if a.abstract == b.abstract:
        return 1.0
    ga, gb = _shingles(a.abstract), _shingles(b.abstract)
    shorter = min(len(ga), len(gb))
    return len(ga & gb) / shorter if shorter >= CONTAINMENT_MIN_WORDS - SHINGLE + 1 else None


def cannot_join(a: Paper, b: Paper, abstract_cosine: float | None, threshold: float,
                containment_ceiling: float | None = None) -> bool:
    """True when no rule of :func:`decide` can join the pair nor call it maybe, whatever its
    other signals: two abstracts too far apart, neither cut from the other, under titles that
    are not the same and no identifier or bibliographic field in common. Most candidates from
    similar titles end here, without the costlier comparisons. ``containment_ceiling``, when
    known, is at least the pair's containment: below the rule's level, the 3-grams are not
    compared."""
    # Rounded as pair_evidence rounds them, so that the rules see the same numbers.
    if abstract_cosine is None or round(float(abstract_cosine), 4) >= min(threshold, NAME_MIN_ABSTRACT):
        return False
    if _identifiers_meet(a, b) or (a.title and b.title and biblio.title_key(a.title) == biblio.title_key(b.title)):
        return False
    if containment_ceiling is not None and round(containment_ceiling, 4) < CONTAINMENT:
        return True
    found = containment(a, b)
    return found is None or round(found, 4) < CONTAINMENT


def _identifiers_meet(a: Paper, b: Paper) -> bool:
    """Whether the two share an identifier or a bibliographic locator (so rules other than the
    abstract's may hold)."""
    return bool((a.doi and a.doi == b.doi) or (_arxiv(a) and _arxiv(a) == _arxiv(b))
                or (a.pages and a.pages == b.pages and a.volume and a.volume == b.volume))


_ARXIV_ID_RE = re.compile(r"^(?:\d{4}\.\d{4,5}|[a-z\-]+(?:\.[A-Z]{2})?/\d{7})$")


def _arxiv(record: Paper) -> str | None:
    """The arXiv id the record's own id is (a reader makes it the id when the input names one)."""
    base = record.id.split("#", 1)[0]
    return base if _ARXIV_ID_RE.match(base) else None


# A title the database translated: wholly in brackets, or tagged with its language or "transl".
_TRANSLATED_RE = re.compile(r"^\s*\[|[\[(](?:in )?(?:" + biblio._LANGUAGES + r")[\])]\s*\.?\s*$|\btransl\b",
                            re.I)


def _translated(title: str | None) -> bool:
    return bool(title and _TRANSLATED_RE.search(title))


def _preprint_doi(value: str) -> bool:
    return value.startswith(_PREPRINT_DOI_PREFIXES)


def _same_or_different(a: str | None, b: str | None) -> str | None:
    if not a or not b:
        return None
    return "same" if a == b else "different"


def _first_page(pages: str | None) -> str | None:
    found = biblio.page_range(pages) if pages else None
    return found[0] if found else None


def pair_evidence(a: Paper, b: Paper, abstract_cosine: float | None) -> Evidence:
    """Every signal comparing two records."""
    key_a, key_b = biblio.title_key(a.title), biblio.title_key(b.title)
    both_titled = bool(key_a and key_b)
    title = _title_ratio(key_a, key_b) if both_titled else None
    title_containment = _title_containment(key_a, key_b) if both_titled else None
    subtitle = both_titled and key_a != key_b and (biblio.main_title(a.title) == key_b
                                                   or biblio.main_title(b.title) == key_a)
    authors = biblio.authors_match(a.authors, b.authors)
    found = containment(a, b)
    year_gap = abs(a.year - b.year) if a.year is not None and b.year is not None else None
    name_a, name_b = paper_name(a), paper_name(b)
    doi = None
    if a.doi and b.doi:
        doi = "same" if a.doi == b.doi else ("different" if not (_preprint_doi(a.doi) or _preprint_doi(b.doi))
                                             else None)
    journal = None
    if a.venue and b.venue:
        journal = "same" if biblio.journals_match(a.venue, b.venue) else "different"
    markers_a, markers_b = biblio.part_markers(a.title), biblio.part_markers(b.title)
    return Evidence(
        abstract=None if abstract_cosine is None else round(float(abstract_cosine), 4),
        title=None if title is None else round(title, 4),
        title_containment=None if title_containment is None else round(title_containment, 4),
        subtitle_dropped=bool(subtitle),
        authors=None if authors is None else round(authors, 4),
        containment=None if found is None else round(found, 4),
        year_gap=year_gap,
        same_name=bool(name_a and name_a == name_b),
        doi=doi,
        arxiv_id=_same_or_different(_arxiv(a), _arxiv(b)),
        journal=journal,
        volume=_same_or_different(_plain(a.volume), _plain(b.volume)),
        pages=_same_or_different(_first_page(a.pages), _first_page(b.pages)),
        parts="different" if markers_a and markers_b and markers_a != markers_b else None,
        entry_type=_same_or_different(a.entry_type, b.entry_type),
        translated=_translated(a.title) or _translated(b.title),
        title_words=min(len(key_a.split()), len(key_b.split())) if both_titled else None,
    )


def _plain(value: str | None) -> str | None:
    return text_key(value) or None if value else None


def veto(e: Evidence) -> str | None:
    """The veto that keeps the pair apart whatever else agrees, if any."""
    if e["doi"] == "different":
        return "two DOIs"
    if e["arxiv_id"] == "different":
        return "two arXiv ids"
    if e["parts"] == "different":
        return "different parts"
    publication = _other_publication(e["journal"], e["volume"], e["pages"], e["entry_type"])
    if publication:
        return publication
    if e["authors"] == 0:
        return "no shared author"
    return None


def kept_apart(a: Paper, b: Paper) -> str | None:
    """:func:`veto` of two records from the fields it reads alone (no title or abstract
    comparison): what a group may not hold together even where no pair joined the two."""
    if a.doi and b.doi and a.doi != b.doi and not (_preprint_doi(a.doi) or _preprint_doi(b.doi)):
        return "two DOIs"
    if _same_or_different(_arxiv(a), _arxiv(b)) == "different":
        return "two arXiv ids"
    markers_a, markers_b = biblio.part_markers(a.title), biblio.part_markers(b.title)
    if markers_a and markers_b and markers_a != markers_b:
        return "different parts"
    volume = _same_or_different(_plain(a.volume), _plain(b.volume))
    pages = _same_or_different(_first_page(a.pages), _first_page(b.pages))
    if a.venue and b.venue and "different" in (volume, pages):
        journal = "same" if biblio.journals_match(a.venue, b.venue) else "different"
        return _other_publication(journal, volume, pages, _same_or_different(a.entry_type, b.entry_type))
    return None


def _other_publication(journal: str | None, volume: str | None, pages: str | None,
                       entry_type: str | None) -> str | None:
    """Two places of publication: another volume or page range of one journal, or another
    journal and page range (a conference abstract and the article, a paper published twice);
    a conference paper and its journal version (two entry types) are not kept apart for it."""
    if journal == "same" and volume == "different":
        return "different volumes"
    if journal == "same" and pages == "different":
        return "different pages"
    if journal == "different" and "different" in (pages, volume) and entry_type != "different":
        return "two publications"
    return None


def _bibliographic_support(e: Evidence) -> int:
    return sum(1 for field in ("journal", "volume", "pages") if e[field] == "same")


def decide(e: Evidence, threshold: float, title_threshold: float, generic: bool = False) -> Verdict:
    """What the rules say of a pair (see the module doc).

    ``generic`` says the title recurs in one source ("Editor's Notes", "Chair's Message"), so
    it cannot tell records without abstracts apart.
    """
    vetoed = veto(e)
    if vetoed:
        return Verdict("different", vetoed, 0.0)
    title = e["title"]
    abstract = e["abstract"]
    if e["arxiv_id"] == "same":
        return Verdict("same", "same id", 1.0)
    if e["doi"] == "same":
        sane = max(title or 0.0, e["title_containment"] or 0.0, 1.0 if e["subtitle_dropped"] or e["translated"] else 0.0)
        if title is None or sane >= _DOI_TITLE_SANITY:
            return Verdict("same", "same id", 1.0)
        return Verdict("maybe", "same id", sane)
    near_identical = abstract is not None and abstract >= _NEAR_IDENTICAL
    unlike_titles = title is not None and title < _TITLE_VETO and not e["subtitle_dropped"] and not near_identical
    authors = e["authors"]
    years_close = e["year_gap"] is None or e["year_gap"] <= _MAX_YEAR_GAP
    # Journal, volume and page range agree: the same place of publication.
    located = e["journal"] == "same" and e["volume"] == "same" and e["pages"] == "same" and years_close
    if unlike_titles:
        if located and e["translated"] and authors is not None and authors >= _BIBLIOGRAPHIC_AUTHORS:
            return Verdict("same", "bibliographic", 0.9)
        return Verdict("different", "unlike titles", title)
    if e["containment"] is not None and e["containment"] >= CONTAINMENT:
        return Verdict("same", "truncated", e["containment"])
    # The shorter title wholly in the longer counts as close only for maybe; a dropped subtitle
    # (the title before its colon is the other title) counts as close.
    close_title = max(title or 0.0, 0.95 if e["subtitle_dropped"] else 0.0)
    near_title = max(close_title, e["title_containment"] or 0.0)
    specific = (e["title_words"] or 0) >= _SPECIFIC_TITLE_WORDS and not generic
    if abstract is not None:
        if abstract >= threshold:
            return Verdict("same", "abstract", abstract)
        if e["same_name"] and title is None and abstract >= NAME_MIN_ABSTRACT:
            return Verdict("same", "same name", abstract)
        if title == 1.0 and specific and years_close and authors is not None and authors >= _BIBLIOGRAPHIC_AUTHORS:
            return Verdict("same", "same title", title)
        if title == 1.0 and authors != 0:
            return Verdict("maybe", "title", title)
        return Verdict("different", None, abstract)
    agreed = authors is not None and authors >= _BIBLIOGRAPHIC_AUTHORS
    if close_title >= title_threshold and years_close:
        if located and (agreed or authors is None):
            return Verdict("same", "title", close_title)
        support = _bibliographic_support(e)
        # Where the years differ or the title says little, a journal, volume or page must agree;
        # a journal, volume or page that differs leaves it to a person.
        disagree = "different" in (e["volume"], e["pages"])
        needs_support = (e["year_gap"] or 0) > 0 or not specific or authors is None
        if agreed and not generic and not (disagree and support == 0) and (support >= 1 or not needs_support):
            return Verdict("same", "title", close_title)
        # One side names no authors: the same specific title, or two fields more that agree.
        if authors is None and not generic and not disagree and (
                (support >= 2 and e["year_gap"] == 0) or (title == 1.0 and specific)):
            return Verdict("same", "title", close_title)
        return Verdict("maybe", "title", close_title)
    if near_title >= _MAYBE_TITLE or (_bibliographic_support(e) >= 2 and agreed):
        return Verdict("maybe", "title", near_title)
    return Verdict("different", None, near_title)


def relation(e: Evidence, rule: str, a: Paper, b: Paper) -> str:
    """How two records of one paper relate: copy, truncated, revised, same DOI, preprint and
    published, translation or bibliographic match."""
    if rule == "decided":
        return "decided"
    if rule == "bibliographic":
        return "translation"
    if rule == "truncated":
        return "truncated"
    if _preprint_and_published(a, b):
        return "preprint and published"
    if rule == "same id" and e["doi"] == "same":
        return "same DOI"
    if e["abstract"] is not None:
        identical_titles = e["title"] is None or e["title"] == 1.0
        return "copy" if e["abstract"] >= _NEAR_IDENTICAL and identical_titles else "revised"
    if rule == "same id":
        return "revised"
    return "copy" if e["title"] == 1.0 and _bibliographic_support(e) >= 2 else "bibliographic match"


def _preprint_and_published(a: Paper, b: Paper) -> bool:
    def preprint(r: Paper) -> bool:
        return bool(_arxiv(r) or (r.doi and _preprint_doi(r.doi))) and not (r.doi and not _preprint_doi(r.doi))

    def published(r: Paper) -> bool:
        return bool((r.doi and not _preprint_doi(r.doi)) or (r.venue and not _arxiv(r)))

    return (preprint(a) and published(b) and not preprint(b)) or (preprint(b) and published(a) and not preprint(a))
