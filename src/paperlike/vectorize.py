"""TF-IDF vectors of papers: which text of a record is embedded, and how it is weighted.

The parameters were chosen by measurement on the arXiv crawl (benchmarks/tfidf_choice.py and
benchmarks/RESULTS.md): every one is written out here with its default, so that a saved model's
manifest says exactly how its vectors were made.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Sequence
from typing import TYPE_CHECKING, Any

import numpy as np

from . import parallel
from .csr import Rows, sp
from .errors import EmptyCorpusError
from .memory import release_free_memory
from .params import Params, check_fitted
from .records import Record, field_chunks
from .terms import Terms
from .text import ascii_word_numbers, strip_accents

if TYPE_CHECKING:  # scikit-learn is imported when a vocabulary is fitted, not to query a saved one
    from sklearn.feature_extraction.text import CountVectorizer, TfidfVectorizer

__all__ = ["Vectorizer", "paper_text", "Fields"]

_BLOCK_TEXTS = 1 << 11  # texts split and numbered at once (a few MB of text: the arrays beside it are several times that)

# scikit-learn's own pattern: keeping hyphenated terms whole ("mixture-of-experts") ranks worse
# (benchmarks/RESULTS.md, "TF-IDF parameters", hyphen tokens).
TOKEN_PATTERN = r"(?u)\b\w\w+\b"


def paper_text(paper: Record, title_weight: int = 2) -> str:
    """The text embedded for a record: the title (repeated) and the abstract.

    A record with no abstract (a bibliographic entry) is embedded on its title, authors and
    venue, the only words it has.
    """
    return " ".join([paper.title or ""] * title_weight + [rest_text(paper.abstract, paper.authors, paper.venue)])


def rest_text(abstract: str | None, authors: list[str], venue: str | None) -> str:
    """What a record's text is besides its title: the abstract, or lacking one, the authors and
    venue."""
    return abstract if abstract else " ".join(authors + [venue or ""])


class Vectorizer(Params):
    """TF-IDF over title and abstract; ``fit`` learns the vocabulary and IDF from a corpus.

    Fitted state: ``vocabulary_`` (terms in column order) and ``idf_``.

    Defaults, chosen on the arXiv crawl (benchmarks/RESULTS.md, "TF-IDF parameters"):
    ``sublinear_tf`` helps both category precision and finding a paper by its title;
    ``min_df=1`` keeps the words found in one paper only, which are what pins a paper down by
    its title, and works on a corpus of any size; ``max_df`` makes no difference once stop
    words are removed; the title twice (``title_weight=2``) is as good as once and better than
    three times. Bigrams gain little precision for a far larger vocabulary and fit time, so they
    are an option, not the default.
    """

    def __init__(
        self,
        *,
        title_weight: int = 2,
        lowercase: bool = True,
        strip_accents: str | None = "unicode",
        token_pattern: str = TOKEN_PATTERN,
        stop_words: str | None = "english",
        ngram_range: tuple[int, int] = (1, 1),
        min_df: int | float = 1,
        max_df: int | float = 1.0,
        max_features: int | None = None,
        sublinear_tf: bool = True,
        smooth_idf: bool = True,
    ) -> None:
        self.title_weight = title_weight
        self.lowercase = lowercase
        self.strip_accents = strip_accents
        self.token_pattern = token_pattern
        self.stop_words = stop_words
        self.ngram_range = tuple(ngram_range)
        self.min_df = min_df
        self.max_df = max_df
        self.max_features = max_features
        self.sublinear_tf = sublinear_tf
        self.smooth_idf = smooth_idf

    def _tfidf(self, *, min_df: int | float, max_df: int | float,
               vocabulary: Sequence[str] | None = None) -> TfidfVectorizer:
        from sklearn.feature_extraction.text import TfidfVectorizer

        return TfidfVectorizer(
            input="content",
            lowercase=self.lowercase,
            strip_accents=self.strip_accents,
            preprocessor=None,          # text is normalised once, by paperlike.text
            tokenizer=None,
            analyzer="word",
            token_pattern=self.token_pattern,
            stop_words=self.stop_words,
            ngram_range=self.ngram_range,
            min_df=min_df,
            max_df=max_df,
            max_features=self.max_features,
            vocabulary=vocabulary,
            binary=False,
            norm="l2",
            use_idf=True,
            smooth_idf=self.smooth_idf,
            sublinear_tf=self.sublinear_tf,
            dtype=np.float32,
        )

    def _texts(self, papers: Iterable[Record]) -> list[str]:
        return [paper_text(p, self.title_weight) for p in papers]

    def _counter(self) -> CountVectorizer:
        from sklearn.feature_extraction.text import CountVectorizer

        return CountVectorizer(
            input="content", lowercase=self.lowercase, strip_accents=self.strip_accents,
            preprocessor=None, tokenizer=None, analyzer="word", token_pattern=self.token_pattern,
            stop_words=self.stop_words, ngram_range=(1, 1), min_df=1, max_df=1.0,
            max_features=None, vocabulary=None, binary=False, dtype=np.int32,
        )

    def fit_fields(self, papers: Sequence[Record]) -> Fields:
        """``fit_transform``, and the title and abstract rows that duplicate detection compares,
        from one tokenising pass (split across the cores on a large corpus).

        Counting the title and the rest of a record apart and adding them (the title
        ``title_weight`` times) gives the same counts as tokenising the joined text, so the
        rows equal ``fit_transform``'s; pruning options other than the defaults and n-grams
        (which would span the join) take the plain path.
        """
        if (self.ngram_range != (1, 1) or self.min_df != 1 or self.max_df != 1.0
                or self.max_features is not None):
            X = self.fit_transform(papers)
            return Fields(X, counts=self.counts(papers))
        n = len(papers)
        # the titles, then the rest, read a batch at a time as they are counted: never all of
        # the corpus's strings at once
        lengths, has_abstract = _text_lengths(papers)
        terms, counts = _count_in_parallel(self._counter(), _FieldTexts(papers), lengths)
        del lengths
        release_free_memory()
        if not terms:
            raise EmptyCorpusError("no terms to index: the texts have only stop words or no words; check the inputs")
        title_counts = counts[:n]
        combined = (self.title_weight * title_counts + counts[n:]).tocsr()
        del counts
        combined.sort_indices()  # so that X's rows share its arrays of term numbers
        idf = _idf(combined, self.smooth_idf).astype(np.float32)
        self._restore(terms, idf)
        return Fields(_tfidf_rows(combined, self.idf_, self.sublinear_tf), counts=combined,
                      weighting=(self.idf_, self.sublinear_tf), title_counts=title_counts,
                      title_weight=self.title_weight, has_abstract=has_abstract)

    def plain(self) -> bool:
        """Whether :meth:`fit_fields` counts titles and the rest apart (the default
        parameters: no n-grams, no pruning), the path a distributed build reproduces."""
        return (self.ngram_range == (1, 1) and self.min_df == 1 and self.max_df == 1.0
                and self.max_features is None)

    def count_fields(self, papers: Sequence[Record]) -> tuple[list[str], sp.csr_matrix, sp.csr_matrix]:
        """The terms (sorted) and the raw count rows of the papers' titles and of the rest of
        their texts (abstract, or authors and venue), tokenised as :meth:`fit_fields`
        tokenises them: a distributed build counts its batches with it and merges the terms."""
        n = len(papers)
        terms, counts = _count(self._counter(), _FieldTexts(papers))
        return terms, counts[:n], counts[n:]

    def weigh(self, counts: sp.csr_matrix) -> sp.csr_matrix:
        """The L2-normalised TF-IDF rows (float32) of raw count rows in the fitted vocabulary,
        in :meth:`fit_fields`'s arithmetic."""
        check_fitted(self, "idf_", "weigh")
        return _tfidf_rows(counts, self.idf_, self.sublinear_tf)

    def fit_transform(self, papers: Sequence[Record]) -> sp.csr_matrix:
        """Learn vocabulary and IDF from the papers; their L2-normalised TF-IDF rows."""
        texts = self._texts(papers)
        tfidf = self._tfidf(min_df=self.min_df, max_df=self.max_df)
        try:
            matrix = tfidf.fit_transform(texts)
        except ValueError as exc:  # only stop words, or min_df/max_df prune every term
            raise EmptyCorpusError(f"no terms to index: {exc}; check the inputs or min_df/max_df") from None
        self._fitted = self._terms(tfidf.vocabulary_, tfidf.idf_)
        self.vocabulary_ = tfidf.get_feature_names_out()
        self.idf_ = tfidf.idf_.astype(np.float32)
        return matrix.tocsr()

    def _terms(self, vocabulary: dict[str, int] | Sequence[str], idf: np.ndarray) -> Terms:
        """What queries a fitted vocabulary: scikit-learn's transform, without scikit-learn."""
        return Terms(vocabulary, idf, lowercase=self.lowercase, strip_accents=self.strip_accents,
                     token_pattern=self.token_pattern, stop_words=self.stop_words, ngram_range=self.ngram_range,
                     sublinear_tf=self.sublinear_tf)

    def fit(self, papers: Sequence[Record]) -> Vectorizer:
        self.fit_transform(papers)
        return self

    def transform(self, papers: Iterable[Record]) -> sp.csr_matrix:
        """TF-IDF rows of papers, in the fitted vocabulary (unknown words are dropped)."""
        return self.transform_texts(self._texts(papers))

    def counts(self, papers: Iterable[Record]) -> sp.csr_matrix:
        """Raw term counts of the papers' embedded texts (the title ``title_weight`` times), in
        the fitted vocabulary: what BM25 weighting starts from (:mod:`paperlike.rank`)."""
        check_fitted(self, "vocabulary_", "counts")
        return self._fitted.counts(self._texts(papers))

    def transform_texts(self, texts: Iterable[str]) -> sp.csr_matrix:
        """TF-IDF rows of free texts (already normalised), in the fitted vocabulary."""
        check_fitted(self, "vocabulary_", "transform")
        return self._fitted.transform(list(texts))

    def rows_of_texts(self, texts: Iterable[str]) -> Rows:
        """The rows of :meth:`transform_texts` as :class:`paperlike.csr.Rows`, without scipy.sparse
        (a query's text)."""
        return self._fitted.rows(list(texts))

    def analyzer(self):
        """The function that splits a text into the terms this vectoriser counts."""
        check_fitted(self, "vocabulary_", "analyzer")
        return self._fitted.build_analyzer()

    def terms_are_words(self) -> bool:
        """Whether every term of an ASCII text is one of its lower-cased words, as
        :func:`paperlike.text.tokens` splits them (scikit-learn's default word tokens, no n-grams)."""
        check_fitted(self, "vocabulary_", "terms_are_words")
        return _plain_words(self._fitted)

    def term_index(self) -> dict[str, int]:
        """Each known term's column."""
        check_fitted(self, "vocabulary_", "term_index")
        return self._fitted.vocabulary_

    @classmethod
    def from_fitted(cls, params: dict[str, Any], vocabulary: Sequence[str], idf: np.ndarray) -> Vectorizer:
        """A fitted Vectorizer rebuilt from saved parameters, vocabulary and IDF (no pickle)."""
        return cls(**{k: tuple(v) if k == "ngram_range" else v for k, v in params.items()})._restore(vocabulary, idf)

    def _restore(self, vocabulary: Sequence[str], idf: np.ndarray) -> Vectorizer:
        """Take a fitted vocabulary and IDF as this vectoriser's own."""
        self._fitted = self._terms(vocabulary, idf)
        self.vocabulary_ = np.asarray(vocabulary, dtype=object)
        self.idf_ = np.asarray(idf, dtype=np.float32)
        return self

    def to_arrays(self) -> dict[str, Any]:
        """The fitted state to save: ``vocabulary`` (the terms in column order, a list of
        strings) and ``idf`` (float32 per term); :meth:`from_arrays` reads them back."""
        return {"vocabulary": [str(t) for t in self.vocabulary_], "idf": np.asarray(self.idf_, dtype=np.float32)}

    @classmethod
    def from_arrays(cls, params: dict[str, Any], arrays: dict[str, Any]) -> Vectorizer:
        """A fitted Vectorizer from its parameters and what :meth:`to_arrays` gave."""
        return cls.from_fitted(params, arrays["vocabulary"], arrays["idf"])


class Fields:
    """The TF-IDF rows of a corpus (``X``), the raw term counts that ``X`` was weighted from
    (``counts``, same rows and non-zeros as ``X``), and the rows of its titles and abstracts
    alone, weighted on demand for the texts asked for (:meth:`title_rows`, :meth:`abstract_rows`;
    None when the counts were not kept): duplicate detection needs only some of them, and
    weighting every abstract would cost a second matrix the size of ``X``."""

    def __init__(self, X: sp.csr_matrix, counts: sp.csr_matrix | None = None, *, weighting: tuple[np.ndarray, bool] | None = None,
                 title_counts: sp.csr_matrix | None = None, title_weight: int = 1,
                 has_abstract: np.ndarray | None = None) -> None:
        self.X = X
        self.counts = counts
        self._weighting = weighting
        self._title_counts = title_counts
        self._title_weight = title_weight
        self._has_abstract = has_abstract
        self._values: np.ndarray | None = None

    def drop_counts(self) -> None:
        """Let ``counts`` go, keeping of it only what :meth:`abstract_rows` reads."""
        counts, self.counts = self.counts, None
        # An abstract's counts are its text's counts less its title's (title_weight times):
        # the text counts' values are kept alone, beside X's own term numbers (the same
        # non-zeros), in 16 bits when they fit, instead of a matrix of abstract counts held
        # through the whole duplicate search.
        if counts is not None and self._title_counts is not None and self._has_abstract is not None:
            small = counts.nnz == 0 or int(counts.data.max()) <= np.iinfo(np.uint16).max
            self._values = counts.data.astype(np.uint16 if small else np.int64)

    def title_rows(self, rows: np.ndarray) -> sp.csr_matrix | None:
        """TF-IDF rows of these texts' titles alone (empty where a text has none)."""
        if self._title_counts is None or self._weighting is None:
            return None
        return _tfidf_rows(self._title_counts[rows], *self._weighting)

    def abstract_rows(self, rows: np.ndarray) -> sp.csr_matrix | None:
        """TF-IDF rows of these texts' abstracts alone (empty where a text has none: a
        bibliographic record's authors and venue are no abstract)."""
        values = self._values if self.counts is None else self.counts.data
        if values is None or self._title_counts is None or self._has_abstract is None or self._weighting is None:
            return None
        rows = np.asarray(rows, dtype=np.int64)
        X = self.X
        texts = sp.csr_matrix((values, X.indices, X.indptr), shape=X.shape)[rows]
        counts = sp.csr_matrix(sp.csr_matrix(texts, dtype=np.int64) - self._title_weight * self._title_counts[rows])
        counts.data *= np.repeat(self._has_abstract[rows], np.diff(counts.indptr))
        counts.eliminate_zeros()
        return _tfidf_rows(counts, *self._weighting)


def field_texts(papers: Sequence[Record]) -> tuple[list[str], list[str]]:
    """The titles of the papers, and the rest of their embedded texts (:func:`rest_text`)."""
    texts = list(_FieldTexts(papers))
    return texts[:len(papers)], texts[len(papers):]


class _FieldTexts(Sequence[str]):
    """:func:`field_texts` as one sequence, the titles then the rest, made a batch of records at
    a time as it is read (``[a:b]`` is a view): what counting needs, without every string."""

    def __init__(self, papers: Sequence[Record], start: int = 0, stop: int | None = None) -> None:
        self._papers = papers
        self._start = start
        self._stop = 2 * len(papers) if stop is None else stop

    def __len__(self) -> int:
        return self._stop - self._start

    def __getitem__(self, i):
        if isinstance(i, slice):
            a, b, step = i.indices(len(self))
            if step != 1:
                raise ValueError("a step is not supported")
            return _FieldTexts(self._papers, self._start + a, self._start + max(a, b))
        return list(self)[i]

    def __iter__(self) -> Iterator[str]:
        n = len(self._papers)
        a, b = self._start, min(self._stop, n)
        if a < b:
            for (titles,) in field_chunks(self._papers[a:b], ("title",)):
                yield from (title or "" for title in titles)
        a, b = max(self._start, n) - n, self._stop - n
        if a < b:
            for chunk in field_chunks(self._papers[a:b], ("abstract", "authors", "venue")):
                yield from map(rest_text, *chunk)


def _idf(counts: sp.csr_matrix, smooth: bool) -> np.ndarray:
    """scikit-learn's IDF of the terms of a count matrix."""
    return idf_of(np.bincount(counts.indices, minlength=counts.shape[1]), counts.shape[0], smooth)


def idf_of(df: np.ndarray, n: int, smooth: bool = True) -> np.ndarray:
    """scikit-learn's IDF (float64) of terms found in ``df`` of ``n`` texts:
    ln((1 + n) / (1 + df)) + 1 when smoothed, ln(n / df) + 1 otherwise."""
    n = n + int(smooth)
    df = np.asarray(df).astype(np.float64) + int(smooth)
    return np.log(n / df) + 1.0


def _tfidf_rows(counts: sp.csr_matrix, idf: np.ndarray, sublinear: bool) -> sp.csr_matrix:
    """TfidfTransformer's rows (norm="l2") in float32, made in one copy of the counts' values:
    scikit-learn works in float64 and copies the matrix at each step, which on a large corpus
    costs gigabytes and much of the vectorising time."""
    counts = sp.csr_matrix(counts)
    if not counts.has_sorted_indices:  # the rows share the counts' indices: sorted here, not in place
        counts = counts.sorted_indices()
    data = counts.data.astype(np.float32)
    if sublinear:
        np.log(data, out=data)
        data += 1.0
    data *= np.asarray(idf, dtype=np.float32)[counts.indices]
    from sklearn.preprocessing import normalize

    return normalize(sp.csr_matrix((data, counts.indices, counts.indptr), shape=counts.shape), norm="l2", copy=False)


def _text_lengths(papers: Sequence[Record]) -> tuple[np.ndarray, np.ndarray]:
    """The length in characters of each text :class:`_FieldTexts` gives (the titles, then the
    rest), and whether each paper has an abstract: the fields read once for both."""
    lengths = [len(title or "") for (titles,) in field_chunks(papers, ("title",)) for title in titles]
    has_abstract: list[bool] = []
    for abstracts, authors, venues in field_chunks(papers, ("abstract", "authors", "venue")):
        has_abstract += map(bool, abstracts)
        lengths += map(len, map(rest_text, abstracts, authors, venues))
    return np.array(lengths, dtype=np.int64), np.array(has_abstract, dtype=bool)


def _count_in_parallel(counter: CountVectorizer, texts: Sequence[str], lengths: np.ndarray
                       ) -> tuple[list[str], sp.csr_matrix]:
    """The vocabulary (sorted) and the count rows of the texts (of these ``lengths``); on a
    large input the texts are cut in two halves of equal length in characters (titles are
    short, abstracts long), counted in two processes, and their vocabularies merged."""
    if not parallel.worth_forking("texts", len(texts)):
        return _count(counter, texts)
    lengths = np.cumsum(lengths)
    half = int(np.searchsorted(lengths, lengths[-1] // 2)) + 1
    (first_terms, first), (second_terms, second) = parallel.both(
        lambda: _count(counter, texts[:half]), lambda: _count(counter, texts[half:]))
    terms = sorted(set(first_terms) | set(second_terms))
    column = {t: i for i, t in enumerate(terms)}
    parts = []
    for part_terms, part in ((first_terms, first), (second_terms, second)):
        remap = np.array([column[t] for t in part_terms], dtype=np.int32)
        part = sp.csr_matrix((part.data, remap[part.indices], part.indptr), shape=(part.shape[0], len(terms)))
        part.sort_indices()
        parts.append(part)
    return terms, sp.vstack(parts, format="csr")


def _count(counter: CountVectorizer, texts: Sequence[str]) -> tuple[list[str], sp.csr_matrix]:
    if _plain_words(counter):
        return _count_words(counter, texts)
    try:
        counts = counter.fit_transform(list(texts))
    except ValueError:  # nothing but stop words
        return [], sp.csr_matrix((len(texts), 0), dtype=np.int32)
    return [str(t) for t in counter.get_feature_names_out()], counts.tocsr()


def _numbered_block(texts: list[str], words_of: Callable[[str], list[bytes]], number: Callable[[bytes], int],
                    counts: np.ndarray) -> np.ndarray:
    """The column numbers of the words of these texts, one text after the other (``number``
    gives a word's column, a new word the next one); each text's count of words into
    ``counts``. ASCII texts are split at once (:func:`paperlike.text.ascii_word_numbers`), the
    others one by one (``words_of``)."""
    plain = [text.isascii() for text in texts]
    ascii_texts = [text for text, is_ascii in zip(texts, plain) if is_ascii]
    words, numbers, ascii_counts = ascii_word_numbers(ascii_texts)
    numbers = np.fromiter(map(number, words), dtype=np.int32, count=len(words))[numbers]
    if len(ascii_texts) == len(texts):
        counts[:] = ascii_counts
        return numbers
    others = [[number(w) for w in words_of(text)] for text, is_ascii in zip(texts, plain) if not is_ascii]
    plain_rows = np.array(plain, dtype=bool)
    counts[plain_rows] = ascii_counts
    counts[~plain_rows] = [len(found) for found in others]
    # The ASCII texts' numbers, then the others', put back in the texts' order.
    order = np.concatenate([np.flatnonzero(plain_rows), np.flatnonzero(~plain_rows)])
    sizes = counts[order]
    moved = (np.cumsum(counts) - counts)[order] - (np.cumsum(sizes) - sizes)
    out = np.empty(int(sizes.sum()), dtype=np.int32)
    out[np.repeat(moved, sizes) + np.arange(len(out))] = np.concatenate(
        [numbers, np.fromiter((n for found in others for n in found), dtype=np.int32)])
    return out


def _plain_words(counter: CountVectorizer | Terms) -> bool:
    """Whether the counter splits lower-cased text into scikit-learn's default word tokens, the
    case :func:`_count_words` reproduces."""
    return (counter.analyzer == "word" and counter.lowercase and counter.token_pattern == TOKEN_PATTERN
            and counter.ngram_range == (1, 1) and counter.preprocessor is None and counter.tokenizer is None
            and counter.strip_accents in (None, "ascii", "unicode"))


class _Columns(dict):
    """Column numbers of the words, a new word taking the next number."""

    def __missing__(self, word: bytes) -> int:
        column = self[word] = len(self)
        return column


def _analyzer(counter: CountVectorizer) -> Callable[[str], list[str]]:
    """The counter's analyzer (:func:`_plain_words`), its unicode accent stripping done by
    :func:`paperlike.text.strip_accents`: the same words, lower-cased, accents stripped,
    split by the token pattern, stop words left out."""
    if counter.strip_accents != "unicode":
        return counter.build_analyzer()
    tokenize, stop = counter.build_tokenizer(), counter.get_stop_words()

    def analyze(text: str) -> list[str]:
        words = tokenize(strip_accents(text.lower()))
        return words if stop is None else [w for w in words if w not in stop]

    return analyze


def _count_words(counter: CountVectorizer, texts: Sequence[str]) -> tuple[list[str], sp.csr_matrix]:
    """CountVectorizer's vocabulary and counts, most of the work left to compiled code.

    scikit-learn's per-token Python loop is most of a build's tokenising time. Here the ASCII
    texts (nearly every title and abstract) of each block are split and their words numbered at
    once (:func:`paperlike.text.ascii_word_numbers`); other texts go through scikit-learn's own
    analyzer. One-letter words and stop words, which the token pattern and the stop list drop,
    are numbered too and their columns dropped at the end, so the result is the same vocabulary
    and the same counts.
    """
    analyze = _analyzer(counter)

    def words_of(text: str) -> list[bytes]:
        return [w.encode("utf-8") for w in analyze(text)]

    columns = _Columns()
    number = columns.__getitem__
    blocks: list[np.ndarray] = []  # numbers in int32 blocks: a list of every token would not fit at 1M abstracts
    indptr = np.zeros(len(texts) + 1, dtype=np.int64)
    block: list[str] = []
    row = 0
    for text in texts:
        block.append(text)
        if len(block) == _BLOCK_TEXTS:
            blocks.append(_numbered_block(block, words_of, number, indptr[row + 1:row + 1 + len(block)]))
            row += len(block)
            block = []
    blocks.append(_numbered_block(block, words_of, number, indptr[row + 1:row + 1 + len(block)]))
    np.cumsum(indptr, out=indptr)
    words = [w.decode("utf-8") for w in columns]
    stop = counter.get_stop_words() or frozenset()
    kept = [c for c, w in enumerate(words) if len(w) > 1 and w not in stop]
    kept.sort(key=words.__getitem__)
    column = np.full(len(words), -1, dtype=np.int32)
    column[kept] = np.arange(len(kept), dtype=np.int32)
    cols = column[np.concatenate(blocks)]
    del blocks
    keep = cols >= 0
    kept_before = np.concatenate([[0], np.cumsum(keep, dtype=np.int64)])
    cols = cols[keep]
    counts = sp.csr_matrix((np.ones(len(cols), dtype=np.int32), cols, kept_before[indptr]),
                           shape=(len(texts), len(kept)))
    counts.sum_duplicates()
    return [words[c] for c in kept], counts
