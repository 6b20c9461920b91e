"""Candidate pairs of texts that may be one paper, and the abstract signals of each.

Candidates come from cheap blocking and sparse joins, never from comparing everything with
everything: titles with TF-IDF cosine >= 0.7, whole texts with cosine >= 0.9 (an exact join,
:mod:`paperlike.allpairs`), and blocks of texts sharing a key: the abstract's opening words (a
truncated copy), the paper's name ("Sortformer" of "Sortformer: A Novel ..." or of "We propose
Sortformer, ..."), the title once case, punctuation and a database's notes are set aside, a
DOI or arXiv id, and a bibliographic locator (volume and first page: a translated title
shares no words with the original).
"""

from __future__ import annotations

import contextlib
from collections import defaultdict
from collections.abc import Callable, Mapping, Sequence

import numpy as np

from .. import biblio, parallel
from ..allpairs import TITLE_LEFT_OUT_SHARE, SharedJoin, dot_products, pairs_above
from ..csr import sp
from ..identifiers import base_id
from ..records import Record, field_chunks, field_values, record_rows, rows_at
from ..text import ascii_word_count, folded_text, tokens
from ..vectorize import Fields, Vectorizer
from .rules import CONTAINMENT_MIN_WORDS, NAME_MIN_ABSTRACT, SHINGLE, name_of, pages_relation, paper_name
from .rules import volume_number as _volume_number

__all__ = ["BLOCKING_KEYS", "TEXT_JOIN", "TITLE_JOIN", "MAX_BLOCK", "candidate_pairs", "abstract_signals",
           "signals_of_rows", "containment_ceilings", "generic_titles", "opening"]

TITLE_JOIN = _TITLE_JOIN = 0.7
TEXT_JOIN = _TEXT_JOIN = 0.9
_OPENING_WORDS = 12
_OPENING_CHARS = 400
MAX_BLOCK = _MAX_BLOCK = 50
_GENERIC_TITLE_COUNT = 3
# Columns and front matter have short titles; a long title that recurs is one paper's copies.
_GENERIC_TITLE_WORDS = 6


def candidate_pairs(records: Sequence[Record], vectorizer: Vectorizer, X: sp.csr_matrix,
                    fields: Fields | None) -> tuple[np.ndarray, np.ndarray]:
    """The candidate pairs (i < j) among texts, given one record per text, their TF-IDF rows
    ``X`` and, when the vectoriser made them, their title rows in ``fields``."""
    n_texts = len(records)
    titles = field_values(records, "title")
    titled = np.array([t for t, title in enumerate(titles) if title], dtype=np.int64)
    T = None
    if len(titled) > 1:
        T = fields.title_rows(titled) if fields is not None else None
        if T is None:
            T = vectorizer.transform_texts([titles[t] for t in titled.tolist()])
    del titles

    def title_pairs() -> tuple[np.ndarray, np.ndarray]:
        if titles is None:
            return titled[:0], titled[:0]
        ti, tj, _ = titles.run()
        return titled[ti], titled[tj]

    def other_pairs() -> set[tuple[int, int]]:
        xi, xj, _ = pairs_above(X, _TEXT_JOIN)
        found = set(zip(xi.tolist(), xj.tolist()))
        found.update(_blocked(records))
        return found

    # On a large corpus a second process starts on the title join while this one does the
    # text join and the blocking, then takes the title chunks still left: the two finish
    # together, each on one thread (a second thread per process only competes for the cores).
    split = parallel.worth_forking("texts", n_texts)
    titles = SharedJoin(T, _TITLE_JOIN, TITLE_LEFT_OUT_SHARE, shared=split) if T is not None else None
    with parallel.one_thread() if split else contextlib.nullcontext():
        with parallel.in_child(title_pairs, parallel=split) as theirs:
            pairs = other_pairs()
            ti, tj = title_pairs()
            pairs.update(zip(ti.tolist(), tj.tolist()))
            ti, tj = theirs()
    pairs.update(zip(ti.tolist(), tj.tolist()))
    ordered = sorted((min(a, b), max(a, b)) for a, b in pairs if a != b)
    arr = np.array(ordered, dtype=np.int64).reshape(-1, 2)
    return arr[:, 0], arr[:, 1]


def _identifier(record: Record) -> str | None:
    """The record's DOI, or the id it was given before paperlike made it unique."""
    return _identifier_of(record.id, record.doi)


def _identifier_of(rid: str, doi: str | None) -> str | None:
    if doi:
        return "doi:" + doi
    base = base_id(rid)
    return None if base.startswith("pl-") else "id:" + base


def _title_key(record: Record) -> str | None:
    """The title as records are compared on (notes such as ``[Review] [72 refs]`` left out):
    a short title's notes can put its TF-IDF cosine with another export under the join's."""
    return _title_key_of(record.title)


def _title_key_of(title: str | None) -> str | None:
    return biblio.title_key(title) or None if title else None


def _locator(record: Record) -> str | None:
    """Volume and first page: where a journal article is, whatever its title's language."""
    return _locator_of(record.volume, record.pages)


def _locator_of(volume: str | None, pages: str | None) -> str | None:
    found = biblio.page_range(pages) if volume and pages else None
    return f"{folded_text(volume)}|{found[0]}" if found else None


def opening(record: Record) -> str | None:
    """The abstract's opening words, when it is long enough for a truncated copy to be told."""
    return _opening_of(record.abstract)


def _opening_of(abstract: str | None) -> str | None:
    abstract = abstract or ""
    # Only the opening words are kept, so a head of the text is tokenised: a word cut at the
    # head's end comes after more than CONTAINMENT_MIN_WORDS others, so it changes nothing.
    words = tokens(abstract[:_OPENING_CHARS])
    if len(words) <= CONTAINMENT_MIN_WORDS and len(abstract) > _OPENING_CHARS:
        words = tokens(abstract)
    return " ".join(words[:_OPENING_WORDS]) if len(words) >= CONTAINMENT_MIN_WORDS else None


def _blocked(records: Sequence[Record]) -> set[tuple[int, int]]:
    """Pairs of texts sharing a value of one of the :data:`BLOCKING_KEYS` (blocks of more than
    50 are too common to mean anything, and would cost quadratic time); the records' fields
    read once, a batch at a time, each key taken of the fields it reads."""
    blocks: list[dict[str, list[int]]] = [defaultdict(list) for _ in BLOCKING_KEYS]
    first = 0
    for ids, titles, abstracts, dois, volumes, pages in field_chunks(records, _BLOCKING_FIELDS):
        keys = (map(_opening_of, abstracts), map(name_of, titles, abstracts), map(_identifier_of, ids, dois),
                map(_locator_of, volumes, pages), map(_title_key_of, titles))
        for found, values in zip(blocks, keys):
            for t, value in enumerate(values, first):
                if value:
                    found[value].append(t)
        first += len(ids)
    return {(a, b) for found in blocks for members in found.values() if 1 < len(members) <= _MAX_BLOCK
            for x, a in enumerate(members) for b in members[x + 1:]}


# The keys whose blocks of texts are candidates, each apart (a key of one and of another never
# meet), and the fields of a record they read (in the order _blocked takes them).
BLOCKING_KEYS: tuple[Callable[[Record], str | None], ...] = (opening, paper_name, _identifier, _locator, _title_key)
_BLOCKING_FIELDS = ("id", "title", "abstract", "doi", "volume", "pages")


def generic_titles(records: Sequence[Record]) -> set[str]:
    """Short title keys that recur in one source file (three times or more) at two places:
    another year, volume, first page or first author. Those are columns and front matter
    ("Editor's Notes"), not papers. A paper exported from several databases into one file
    recurs too, but at one place: an e-locator beside a page range, or a field one export
    lacks, is no other place."""
    by_title: dict[tuple[str, str], list[Record]] = defaultdict(list)
    for record in record_rows(records, _GENERIC_FIELDS):
        if record.title and not record.abstract:
            by_title[(record.source.path if record.source else "", folded_text(record.title))].append(record)
    return {key for (_, key), found in by_title.items()
            if len(found) >= _GENERIC_TITLE_COUNT and len(key.split()) <= _GENERIC_TITLE_WORDS
            and _two_places(found)}


# The fields of a record generic_titles reads.
_GENERIC_FIELDS = ("title", "abstract", "authors", "date", "volume", "pages", "source_path", "source_line")


def _two_places(records: list[Record]) -> bool:
    volumes = [_volume_number(r.volume) for r in records]
    for values in (volumes, [_first_author(r) for r in records]):
        if len(set(values) - {None}) > 1:
            return True
    # Two years in one volume are an online-first record and the printed one.
    one_volume = None not in volumes and len(set(volumes)) == 1
    if not one_volume and len({r.year for r in records} - {None}) > 1:
        return True
    return any(pages_relation(a.pages, b.pages) == "different"
               for k, a in enumerate(records) for b in records[k + 1:])


def _first_author(record: Record) -> str | None:
    key = biblio.author_key(record.authors[0]) if record.authors else None
    return key[0] if key else None


def abstract_signals(records: Sequence[Record], vectorizer: Vectorizer, i: np.ndarray, j: np.ndarray,
                     fields: Fields | None, low_below: float, rows: Mapping[int, Record] | None = None
                     ) -> tuple[list[float | None], list[float | None]]:
    """Each candidate pair's abstract cosine (None where a side has no abstract) and, for
    the pairs whose cosine is below ``low_below``, a ceiling on their containment where one can
    be read off the abstracts' terms (None elsewhere). The pairs are taken
    :data:`_SIGNAL_PAIRS` at a time: the abstracts' rows of a few pairs are held at once, not
    those of every text a candidate names (each row is weighed alone, so the values are the same).
    ``rows``: the records of every text the pairs name, with their abstracts, when the caller
    has read them already (else they are read here, a chunk of pairs at a time)."""
    cosines: list[float | None] = []
    ceilings: list[float | None] = []
    for start in range(0, len(i), _SIGNAL_PAIRS):
        c, g = _signals(records, vectorizer, i[start:start + _SIGNAL_PAIRS], j[start:start + _SIGNAL_PAIRS],
                        fields, low_below, rows)
        cosines += c
        ceilings += g
    return cosines, ceilings


_SIGNAL_PAIRS = 1 << 17


def _signals(records: Sequence[Record], vectorizer: Vectorizer, i: np.ndarray, j: np.ndarray,
             fields: Fields | None, low_below: float, rows: Mapping[int, Record] | None
             ) -> tuple[list[float | None], list[float | None]]:
    involved = np.unique(np.concatenate([i, j]))
    if rows is None:
        rows = rows_at(records, involved.tolist(), ("abstract",))
    with_abstract = [t for t in involved.tolist() if rows[t].abstract]
    if not with_abstract:
        return [None] * len(i), [None] * len(i)
    A = fields.abstract_rows(np.array(with_abstract, dtype=np.int64)) if fields is not None else None
    if A is None:
        A = vectorizer.transform_texts([rows[t].abstract for t in with_abstract])
    position = np.full(len(records), -1, dtype=np.int64)
    position[with_abstract] = np.arange(len(with_abstract))
    return signals_of_rows(rows, A, position, i, j, low_below, vectorizer.terms_are_words())


def signals_of_rows(records: Sequence[Record] | Mapping[int, Record], A: sp.csr_matrix, position: np.ndarray, i: np.ndarray,
                    j: np.ndarray, low_below: float, terms_are_words: bool
                    ) -> tuple[list[float | None], list[float | None]]:
    """:func:`abstract_signals` from the abstracts' TF-IDF rows ``A``, the row of each text's
    abstract there (``position``, -1 for a text without one), and whether the vectoriser's terms
    are words (:meth:`Vectorizer.terms_are_words`): a distributed build calls it on a block of
    candidate pairs and the rows of their abstracts. ``records[t]`` is the record of text ``t``
    (a sequence, or a mapping holding those of the pairs)."""
    A = sp.csr_matrix(A, dtype=np.float32)
    both = (position[i] >= 0) & (position[j] >= 0)
    cosines = np.full(len(i), np.nan)
    ceilings = np.full(len(i), np.nan)
    if both.any():
        cosines[both] = dot_products(A, position[i[both]], position[j[both]])
        # Rounded as cannot_join rounds them: the pairs it would compare the 3-grams of.
        low = both & (np.round(cosines, 4) < min(low_below, NAME_MIN_ABSTRACT))
        if low.any() and terms_are_words:
            ceilings[low] = containment_ceilings(A, position[i[low]], position[j[low]],
                                                 _word_counts(records, position, i[low], j[low], len(A.indptr) - 1))
    return ([None if np.isnan(c) else float(c) for c in cosines.tolist()],
            [None if np.isnan(c) else c for c in ceilings.tolist()])


def _word_counts(records: Sequence[Record] | Mapping[int, Record], position: np.ndarray, i: np.ndarray, j: np.ndarray,
                 n_abstracts: int) -> np.ndarray:
    """The number of words of each abstract (by its row in the abstracts' matrix) that the
    pairs (i, j) touch (-1 for the others, and for an abstract that is not ASCII)."""
    counts = np.full(n_abstracts, -1, dtype=np.int64)
    for t in np.unique(np.concatenate([i, j])).tolist():
        abstract = records[t].abstract
        if abstract.isascii():
            counts[position[t]] = ascii_word_count(abstract)
    return counts


def containment_ceilings(A: sp.csr_matrix, rows_a: np.ndarray, rows_b: np.ndarray, words: np.ndarray) -> np.ndarray:
    """A ceiling on :func:`paperlike.dedup.rules.containment` of each pair of abstracts (rows
    ``rows_a[k]`` and ``rows_b[k]`` of their term matrix ``A``, with ``words`` words each; nan
    where a side's count is -1), from which terms each has that the other lacks, without their
    3-grams.

    Each term of a that b lacks is a word of a that b lacks (ASCII text, lower-cased words as
    terms: :meth:`Vectorizer.terms_are_words`). The 3-gram that starts at its first occurrence (or, in the
    last two words, the last 3-gram) is one b cannot have, and these 3-grams differ but for the
    last two words': with ``m`` such terms, a has at least ``m - 2`` of its at most ``words - 2``
    3-grams outside b. Whichever side has fewer 3-grams, the share of them found in the other
    is at most ``1 - min over the sides of (m - 2) / (words - 2)``.
    """
    binary = sp.csr_matrix((np.ones(A.nnz, dtype=np.float32), A.indices, A.indptr), shape=A.shape)
    shared = np.rint(dot_products(binary, rows_a, rows_b))
    terms = np.diff(A.indptr)
    edge = SHINGLE - 1

    def missing_share(rows: np.ndarray) -> np.ndarray:
        missing = np.maximum(terms[rows] - shared - edge, 0)
        return missing / np.maximum(words[rows] - edge, 1)

    ceiling = 1.0 - np.minimum(missing_share(rows_a), missing_share(rows_b))
    unknown = (words[rows_a] < 0) | (words[rows_b] < 0)
    # A hair above, so that float rounding never puts the ceiling below the share itself.
    return np.where(unknown, np.nan, np.minimum(ceiling + 1e-9, 1.0))
