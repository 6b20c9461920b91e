"""The evidence comparing two records, and the rules that read it: same paper, maybe, or not.

Every signal is computed by :func:`pair_evidence` into an :class:`Evidence` (JSON-ready, None
where a side lacks the field), and :func:`decide` turns it into a :class:`Verdict`: ``same`` (a
rule a reviewer can read joined the pair), ``maybe`` (the review queue of ``paperlike dupes
--maybe``), or ``different``. :func:`veto` is the part no other evidence overrides;
:func:`kept_apart` reads the same vetoes off two records, so that
:mod:`paperlike.dedup.grouping` never chains two records a veto keeps apart. The vetoes and the
rules, in order, are listed in docs/duplicates.md.
"""

from __future__ import annotations

import functools
import re
from typing import NamedTuple

from .. import biblio
from ..defaults import RELATIONS
from ..identifiers import base_id
from ..records import Record
from ..text import folded_text, tokens

__all__ = ["Evidence", "Verdict", "pair_evidence", "decide", "veto", "cannot_join", "paper_name", "name_of",
           "containment", "relation", "kept_apart", "EVIDENCE_FIELDS", "pages_relation", "volume_number",
           "RELATIONS", "SHINGLE", "CONTAINMENT", "NAME_MIN_ABSTRACT", "RULE_FIELDS"]

# The fields of a record the rules read (cannot_join, pair_evidence, kept_apart, decide).
RULE_FIELDS = ("id", "title", "authors", "abstract", "date", "doi", "venue", "volume", "pages", "entry_type")

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
# A title of fewer content words than this says little by itself ("Eculizumab", "Keynote
# Address"); a short title that recurs ("Trade Press News") is found by generic_titles.
_SPECIFIC_TITLE_WORDS = 3
# From this many content words a title alone, the same in two records, tells a paper.
_LONG_TITLE_WORDS = 5
_DOI_TITLE_SANITY = 0.5
# DOI prefixes of preprint servers: a preprint's DOI beside its published DOI is no conflict.
_PREPRINT_DOI_PREFIXES = ("10.48550/", "10.1101/", "10.2139/ssrn", "10.21203/rs.", "10.20944/preprints",
                          "10.31219/osf", "10.31234/osf", "10.31235/osf", "10.36227/techrxiv",
                          "10.26434/chemrxiv", "10.22541/au.", "10.31222/osf")
_INTRODUCES_RE = re.compile(
    r"^(?:in this (?:paper|work|report), )?we (?:propose|present|introduce|describe|develop|release)"
    r" (?:the |a |an )?([\w][\w\-\.]*(?: [A-Z0-9][\w\-\.]*){0,2})", re.I)

# RELATIONS, how a version relates to its paper's record, is in paperlike.defaults (for --help).


class Evidence(dict):
    """The signals of one pair, JSON-ready: None where a side lacks the field."""


EVIDENCE_FIELDS = ("abstract", "title", "title_containment", "subtitle_dropped", "authors", "containment",
                   "year_gap", "same_name", "doi", "arxiv_id", "journal", "volume", "pages", "parts",
                   "entry_type", "translated", "notice", "title_words", "words_swapped", "shared_name_word")
"""The keys of every Evidence, in order (the columns of ``dupes --format csv``)."""


class Verdict(NamedTuple):
    """What the rules say of a pair: ``decision`` is same, maybe or different; ``rule`` the
    rule that said it (for a veto, the veto), ``score`` its strength from 0 to 1."""

    decision: str
    rule: str | None
    score: float


def paper_name(record: Record) -> str | None:
    """The paper's name: before the title's colon, or what its abstract's first words introduce."""
    return name_of(record.title, record.abstract)


def name_of(title: str | None, abstract: str | None) -> str | None:
    """:func:`paper_name` of a record with this title and abstract."""
    if title and ":" in title:
        name = title.split(":", 1)[0]
        return folded_text(name) if len(name.split()) <= 4 else None
    if abstract:
        match = _INTRODUCES_RE.match(abstract)
        # A name has a capital ("Sortformer", "SALM"); "we present a decoder-only ..." has none.
        if match and any(c.isupper() for c in match.group(1)):
            return folded_text(match.group(1).rstrip("."))
    return None


@functools.cache
def _indel_similarity():
    """rapidfuzz's normalised Indel similarity, imported when first compared (not to query)."""
    from rapidfuzz.distance import Indel

    return Indel.normalized_similarity


def _title_ratio(a: str, b: str) -> float:
    # The Indel similarity, 2 * (longest common subsequence) / (len a + len b): difflib's ratio
    # without its heuristic, in compiled code (rapidfuzz).
    return 1.0 if a == b else _indel_similarity()(a, b)


def _title_containment(a: str, b: str) -> float | None:
    """Share of the shorter title's words found in the other ("X" in "X - Book Review")."""
    wa, wb = set(a.split()), set(b.split())
    if min(len(wa), len(wb)) < _CONTAINED_TITLE_MIN_WORDS:
        return None
    return len(wa & wb) / min(len(wa), len(wb))


def _shingles(text: str | None) -> set[tuple[str, ...]]:
    words = tokens(text or "")
    return set(zip(*(words[k:] for k in range(SHINGLE))))


def containment(a: Record, b: Record) -> float | None:
    """Share of the shorter abstract's word 3-grams found in the other (None if too short)."""
    if not (a.abstract and b.abstract):
        return None
    if a.abstract == b.abstract:
        return 1.0
    ga, gb = _shingles(a.abstract), _shingles(b.abstract)
    shorter = min(len(ga), len(gb))
    return len(ga & gb) / shorter if shorter >= CONTAINMENT_MIN_WORDS - SHINGLE + 1 else None


def cannot_join(a: Record, b: Record, abstract_cosine: float | None, threshold: float,
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


def _identifiers_meet(a: Record, b: Record) -> bool:
    """Whether the two share an identifier or a bibliographic locator (so rules other than the
    abstract's may hold)."""
    return bool((a.doi and a.doi == b.doi) or (_arxiv(a) and _arxiv(a) == _arxiv(b))
                or (a.volume and pages_relation(a.pages, b.pages) == "same" and volume_number(a.volume) == volume_number(b.volume)))


_ARXIV_ID_RE = re.compile(r"^(?:\d{4}\.\d{4,5}|[a-z\-]+(?:\.[A-Z]{2})?/\d{7})$")


def _arxiv(record: Record) -> str | None:
    """The arXiv id the record's own id is (a reader makes it the id when the input names one)."""
    base = base_id(record.id)
    return base if _ARXIV_ID_RE.match(base) else None


# A title the database translated: wholly in brackets, or tagged with its language or "transl".
_TRANSLATED_RE = re.compile(r"^\s*\[|[\[(](?:in )?(?:" + biblio.titles.LANGUAGES + r")[\])]\s*\.?\s*$|\btransl\b",
                            re.I)


# A record about another paper: an erratum, an addendum, a retraction, a reply or a comment.
_NOTICE_RE = re.compile(
    r"^(?:erratum|errata|corrigendum|addendum|correction|retraction(?: note| notice)?|notice of retraction)\b"
    r"|^(?:in )?reply\b|^(?:response|comments?)(?: to| on)?\s*:|\breply to\b"
    r"|[-\u2013\u2014:]\s*(?:(?:the )?authors?'?s?'? )?(?:reply|response)\s*\.?$", re.I)


def _notice(title: str | None) -> bool:
    return bool(title and _NOTICE_RE.search(title.strip()))


def _translated(title: str | None) -> bool:
    return bool(title and _TRANSLATED_RE.search(title))


def _preprint_doi(value: str) -> bool:
    return value.startswith(_PREPRINT_DOI_PREFIXES)


def _same_or_different(a: str | None, b: str | None) -> str | None:
    if not a or not b:
        return None
    return "same" if a == b else "different"


_PAGE_RE = re.compile(r"^([a-z]*)(\d+)$")


def _page_span(pages: str | None) -> tuple[str, int, int] | None:
    """(prefix, first, last) of a page range whose pages are numbers with an optional letter
    prefix (``S230``, ``e12724``); None for what is not (``Suppl-2``, a damaged field). A range
    that runs backwards (``2297-2108``) has a typo in one page: its first is given as -1."""
    found = biblio.page_range(pages) if pages else None
    if not found:
        return None
    first, last = (_PAGE_RE.match(p.casefold()) for p in found)
    if not first:
        return None
    if not last or last.group(1) != first.group(1):
        last = first
    start, end = int(first.group(2)), int(last.group(2))
    return first.group(1), (start if start <= end else -1), max(start, end) if start <= end else end


def pages_relation(a: str | None, b: str | None) -> str | None:
    """same, different, or None where the page ranges cannot be compared: an e-locator or an
    article number beside a page range (``e12724`` / ``1-6``), or a single page inside the
    other's range (one database gives the last page alone). A letter one journal puts before
    its pages and another export drops (``C37-C42`` / ``37-42``) is not another range; a range
    running backwards is compared by its last page alone."""
    span_a, span_b = _page_span(a), _page_span(b)
    if not span_a or not span_b:
        return None
    if span_a[0] != span_b[0]:
        if not (span_a[0] and span_b[0]) and span_a[1:] == span_b[1:] and span_a[1] != span_a[2]:
            return "same"
        return None
    if -1 in (span_a[1], span_b[1]):
        return "same" if span_a[2] == span_b[2] else None
    if span_a[1] == span_b[1] or (span_a[1] != span_a[2] and span_b[1] != span_b[2] and span_a[2] == span_b[2]):
        return "same"  # the same first page, or two ranges ending on one page (a typo in the first)
    for one, other in ((span_a, span_b), (span_b, span_a)):
        if one[1] == one[2] and other[1] <= one[1] <= other[2]:
            return None
    return "different"


_NUMBER_RE = re.compile(r"\d+")


def volume_number(value: str | None) -> str | None:
    """A volume as its first number (``24 Suppl 3`` is 24), or its text when it has none."""
    if not value:
        return None
    number = _NUMBER_RE.search(value)
    return number.group().lstrip("0") or "0" if number else _plain(value)


def pair_evidence(a: Record, b: Record, abstract_cosine: float | None) -> Evidence:
    """Every signal comparing two records."""
    key_a, key_b = biblio.title_key(a.title), biblio.title_key(b.title)
    both_titled = bool(key_a and key_b)
    title = _title_ratio(key_a, key_b) if both_titled else None
    title_containment = _title_containment(key_a, key_b) if both_titled else None
    subtitle = both_titled and key_a != key_b and (biblio.main_title(a.title) == key_b
                                                   or biblio.main_title(b.title) == key_a)
    # A group's name ("ALTS Group") beside people's names says nothing of the authors.
    authors = None if _group_only(a.authors) or _group_only(b.authors) else biblio.authors_match(a.authors, b.authors)
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
        volume=_same_or_different(volume_number(a.volume), volume_number(b.volume)),
        pages=pages_relation(a.pages, b.pages),
        parts=("different" if markers_a and markers_b and markers_a != markers_b
               else "one side" if bool(markers_a) != bool(markers_b) else None),
        entry_type=_same_or_different(a.entry_type, b.entry_type),
        translated=_translated(a.title) or _translated(b.title),
        notice="different" if a.title and b.title and _notice(a.title) != _notice(b.title) else None,
        title_words=min(_content_words(key_a), _content_words(key_b)) if both_titled else None,
        words_swapped=both_titled and _swapped(key_a, key_b),
        shared_name_word=authors == 0 and _shared_name_word(a.authors, b.authors),
    )


_GROUP_RE = re.compile(r"\b(?:group|study|studies|consortium|committee|investigators|collaboration|"
                       r"collaborators|society|association|network|trial|team|working party|task force|"
                       r"corporate|university|univ|institute|inc|ltd|corporation|pharmaceuticals)\b", re.I)


def _shared_name_word(a: list[str], b: list[str]) -> bool:
    """Whether the author lists share a name word of three letters or more: a nickname
    ("Bob" / "Robert Gerber") or a second surname ("Rafael Camps" / "Rafael Camps Paré") is
    not two different people."""
    def words(names: list[str]) -> set[str]:
        return {w for name in names for w in folded_text(name).split() if len(w) >= 3}
    return bool(words(a) & words(b))


def _group_only(authors: list[str]) -> bool:
    """Whether the authors are one group or organisation (the other export names its people)."""
    return bool(authors) and all(_GROUP_RE.search(name) for name in authors[:1]) and len(authors) <= 2


_STOP_WORDS = frozenset("a an the of for and in on to with by at from as or its their into via".split())


def _content_words(key: str) -> int:
    """The words of a title key that carry content (not "of", "the", "s" of "Chair's")."""
    return sum(1 for w in key.split() if len(w) > 1 and w not in _STOP_WORDS)


def _swapped(key_a: str, key_b: str) -> bool:
    """Whether each title has a word the other lacks ("... in Adult Patients" / "... in Pediatric
    Patients"): a close title that names another population, part or method, not a copy."""
    only_a, only_b = set(key_a.split()) - set(key_b.split()), set(key_b.split()) - set(key_a.split())

    def unmatched(words: set[str], others: set[str]) -> bool:
        # A word spelt two ways ("tumour" / "tumor", a typo) is not another word.
        similarity = _indel_similarity()
        return any(all(similarity(w, v) < 0.75 for v in others) for w in words)

    # Each side must have a word with no spelling of it on the other side (a word only added
    # on one side is not a swap); asked both ways, so the answer is the same for (b, a).
    return unmatched(only_a, only_b) and unmatched(only_b, only_a)


def _plain(value: str | None) -> str | None:
    return folded_text(value) or None if value else None


def veto(e: Evidence) -> str | None:
    """The veto that keeps the pair apart whatever else agrees, if any."""
    if e["doi"] == "different":
        return "two DOIs"
    if e["arxiv_id"] == "different":
        return "two arXiv ids"
    if e["parts"] == "different":
        return "different parts"
    if e["notice"] == "different":
        return "a notice and its paper"
    publication = _other_publication(e["journal"], e["volume"], e["pages"], e["entry_type"])
    if publication:
        return publication
    if e["authors"] == 0 and not e["shared_name_word"]:
        return "no shared author"
    return None


def kept_apart(a: Record, b: Record) -> str | None:
    """:func:`veto` of two records from the fields it reads alone (no title or abstract
    comparison): what a group may not hold together even where no pair joined the two."""
    if a.doi and b.doi and a.doi != b.doi and not (_preprint_doi(a.doi) or _preprint_doi(b.doi)):
        return "two DOIs"
    if _same_or_different(_arxiv(a), _arxiv(b)) == "different":
        return "two arXiv ids"
    markers_a, markers_b = biblio.part_markers(a.title), biblio.part_markers(b.title)
    if markers_a and markers_b and markers_a != markers_b:
        return "different parts"
    if a.title and b.title and _notice(a.title) != _notice(b.title):
        return "a notice and its paper"
    volume = _same_or_different(volume_number(a.volume), volume_number(b.volume))
    pages = pages_relation(a.pages, b.pages)
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
        # The same specific title by the same authors in one journal volume at another page (a
        # meeting abstract, an erratum printed under the paper's title) is for a person to judge.
        if (vetoed == "different pages" and e["title"] == 1.0 and (e["title_words"] or 0) >= _LONG_TITLE_WORDS
                and (e["authors"] or 0) >= _BIBLIOGRAPHIC_AUTHORS):
            return Verdict("maybe", vetoed, 0.5)
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
    # Volume and first page agree (a journal's name may be written two ways): one place.
    located = e["volume"] == "same" and e["pages"] == "same" and years_close
    # A translated title beside the original's, at one place in one journal by the same authors.
    if (located and e["journal"] == "same" and e["translated"] and authors is not None
            and authors >= _BIBLIOGRAPHIC_AUTHORS and (title or 0.0) < title_threshold):
        return Verdict("same", "bibliographic", 0.9)
    if unlike_titles:
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
        if (title == 1.0 and (e["title_words"] or 0) >= _LONG_TITLE_WORDS and not generic and years_close
                and authors is not None and authors >= _BIBLIOGRAPHIC_AUTHORS):
            return Verdict("same", "same title", title)
        if title == 1.0 and authors != 0:
            return Verdict("maybe", "title", title)
        return Verdict("different", None, abstract)
    agreed = authors is not None and authors >= _BIBLIOGRAPHIC_AUTHORS
    if located and near_title >= title_threshold and (agreed or authors is None):
        return Verdict("same", "title", near_title)
    if close_title >= title_threshold and years_close:
        support = _bibliographic_support(e)
        # A volume or page that differs, or a part marker on one side only, leaves it to a
        # person. A short title ("Keynote Address") needs the year and a volume or page that
        # agree; so does a year apart (a journal's column recurs yearly), but for a conference
        # paper and its journal version (two entry types).
        disagree = "different" in (e["volume"], e["pages"]) or e["parts"] == "one side"
        located_part = "same" in (e["volume"], e["pages"])
        if not specific:
            certain = e["year_gap"] == 0 and located_part
        else:
            certain = (e["year_gap"] or 0) == 0 or located_part or e["entry_type"] == "different"
        if agreed and not generic and not disagree and certain and not e["words_swapped"]:
            return Verdict("same", "title", close_title)
        # One side names no authors: the same specific title, or two fields more that agree.
        if authors is None and not generic and not disagree and not e["words_swapped"] and (
                (support >= 2 and e["year_gap"] == 0) or (title == 1.0 and (e["title_words"] or 0) >= _LONG_TITLE_WORDS)):
            return Verdict("same", "title", close_title)
        return Verdict("maybe", "title", close_title)
    if near_title >= _MAYBE_TITLE or (_bibliographic_support(e) >= 2 and agreed):
        return Verdict("maybe", "title", near_title)
    return Verdict("different", None, near_title)


def relation(e: Evidence, rule: str, a: Record, b: Record) -> str:
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
    if rule == "same id":
        return "revised"  # one arXiv id, two texts: another version of it
    if e["abstract"] is not None:
        identical_titles = e["title"] is None or e["title"] == 1.0
        return "copy" if e["abstract"] >= _NEAR_IDENTICAL and identical_titles else "revised"
    return "copy" if e["title"] == 1.0 and _bibliographic_support(e) >= 2 else "bibliographic match"


def _preprint_and_published(a: Record, b: Record) -> bool:
    def preprint(r: Record) -> bool:
        return bool(_arxiv(r) or (r.doi and _preprint_doi(r.doi))) and not (r.doi and not _preprint_doi(r.doi))

    def published(r: Record) -> bool:
        return bool((r.doi and not _preprint_doi(r.doi)) or (r.venue and not _arxiv(r)))

    return (preprint(a) and published(b) and not preprint(b)) or (preprint(b) and published(a) and not preprint(a))
