"""The terms of a text as scikit-learn's word analyzer makes them, and their TF-IDF rows in a fitted
vocabulary, without importing scikit-learn.

A saved model is queried with the vocabulary and IDF it was fitted with: importing scikit-learn
for that would cost a command-line query most of its time (about a second of imports). These are
the steps of ``TfidfVectorizer.transform`` for ``analyzer="word"`` (lower-casing, stripping
accents, the token pattern, the stop list, word n-grams, counting, sublinear TF, IDF, L2 norm),
in the same order and the same floating-point operations, so that the rows are bit-identical
(tests/test_terms.py holds them to scikit-learn's own). Fitting a vocabulary still uses
scikit-learn (:mod:`paperlike.vectorize`).
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Iterable, Mapping, Sequence

import numpy as np

from .csr import Rows, from_lists, sp

__all__ = ["ENGLISH_STOP_WORDS", "Terms", "l2_normalize_rows"]

# scikit-learn's English stop list (sklearn.feature_extraction.text.ENGLISH_STOP_WORDS, from the
# Glasgow Information Retrieval Group's list); tests/test_terms.py checks it is still the same.
ENGLISH_STOP_WORDS = frozenset("""
    a about above across after afterwards again against all almost alone along already also although
    always am among amongst amoungst amount an and another any anyhow anyone anything anyway
    anywhere are around as at back be became because become becomes becoming been before beforehand
    behind being below beside besides between beyond bill both bottom but by call can cannot cant co
    con could couldnt cry de describe detail do done down due during each eg eight either eleven
    else elsewhere empty enough etc even ever every everyone everything everywhere except few
    fifteen fifty fill find fire first five for former formerly forty found four from front full
    further get give go had has hasnt have he hence her here hereafter hereby herein hereupon hers
    herself him himself his how however hundred i ie if in inc indeed interest into is it its itself
    keep last latter latterly least less ltd made many may me meanwhile might mill mine more
    moreover most mostly move much must my myself name namely neither never nevertheless next nine
    no nobody none noone nor not nothing now nowhere of off often on once one only onto or other
    others otherwise our ours ourselves out over own part per perhaps please put rather re same see
    seem seemed seeming seems serious several she should show side since sincere six sixty so some
    somehow someone something sometime sometimes somewhere still such system take ten than that the
    their them themselves then thence there thereafter thereby therefore therein thereupon these
    they thick thin third this those though three through throughout thru thus to together too top
    toward towards twelve twenty two un under until up upon us very via was we well were what
    whatever when whence whenever where whereafter whereas whereby wherein whereupon wherever
    whether which while whither who whoever whole whom whose why will with within without would yet
    you your yours yourself yourselves
""".split())


def strip_accents_unicode(text: str) -> str:
    """scikit-learn's ``strip_accents_unicode``: NFKD, combining marks dropped (ASCII untouched)."""
    if text.isascii():
        return text
    return "".join([c for c in unicodedata.normalize("NFKD", text) if not unicodedata.combining(c)])


def strip_accents_ascii(text: str) -> str:
    """scikit-learn's ``strip_accents_ascii``: NFKD, then what is not ASCII dropped."""
    return unicodedata.normalize("NFKD", text).encode("ASCII", "ignore").decode("ASCII")


_ACCENTS = {None: None, "unicode": strip_accents_unicode, "ascii": strip_accents_ascii}


class Terms:
    """A fitted word vocabulary with its IDF: the terms of texts, their counts and TF-IDF rows.

    The attributes scikit-learn's ``CountVectorizer`` has for the same settings (``analyzer``,
    ``lowercase``, ``strip_accents``, ``token_pattern``, ``ngram_range``, ``preprocessor``,
    ``tokenizer``, ``vocabulary_``), so that code asking which analyzer made the vocabulary can
    ask either.
    """

    analyzer = "word"
    preprocessor = None
    tokenizer = None

    def __init__(self, vocabulary: Mapping[str, int] | Sequence[str], idf: np.ndarray, *, lowercase: bool = True,
                 strip_accents: str | None = None, token_pattern: str = r"(?u)\b\w\w+\b",
                 stop_words: str | Iterable[str] | None = None, ngram_range: tuple[int, int] = (1, 1),
                 sublinear_tf: bool = False) -> None:
        if strip_accents not in _ACCENTS:
            raise ValueError(f"strip_accents must be 'unicode', 'ascii' or None, not {strip_accents!r}")
        if isinstance(stop_words, str) and stop_words != "english":
            raise ValueError(f"not a built-in stop list: {stop_words!r}")
        # A saved model gives its terms in column order: their dict is made at the first text
        # vectorised, not for a query by id, which never needs it.
        self._terms = vocabulary if not isinstance(vocabulary, Mapping) else None
        self._vocabulary = dict(vocabulary) if isinstance(vocabulary, Mapping) else None
        self.idf_ = np.asarray(idf, dtype=np.float64)
        self.lowercase = lowercase
        self.strip_accents = strip_accents
        self.token_pattern = token_pattern
        self.stop_words = stop_words
        self.ngram_range = tuple(ngram_range)
        self.sublinear_tf = sublinear_tf
        n_terms = len(vocabulary)
        if len(self.idf_) != n_terms:
            raise ValueError(f"{len(self.idf_)} IDF values for {n_terms} terms")

    @property
    def vocabulary_(self) -> dict[str, int]:
        """Each term's column."""
        if self._vocabulary is None:
            self._vocabulary = dict(zip(self._terms, range(len(self._terms))))
        return self._vocabulary

    def get_stop_words(self) -> frozenset[str] | None:
        if self.stop_words is None:
            return None
        return ENGLISH_STOP_WORDS if self.stop_words == "english" else frozenset(self.stop_words)

    def build_analyzer(self) -> Callable[[str], list[str]]:
        """The function that makes a text's terms, as ``CountVectorizer.build_analyzer``."""
        pattern = re.compile(self.token_pattern)
        if pattern.groups > 1:
            raise ValueError("More than 1 capturing group in token pattern. Only a single group should be captured.")
        findall = pattern.findall
        accents = _ACCENTS[self.strip_accents]
        lower = self.lowercase
        stop = self.get_stop_words()
        min_n, max_n = self.ngram_range

        def analyze(text: str) -> list[str]:
            if isinstance(text, bytes):
                text = text.decode("utf-8", "strict")
            if lower:
                text = text.lower()
            if accents is not None:
                text = accents(text)
            tokens = findall(text)
            if stop is not None:
                tokens = [w for w in tokens if w not in stop]
            if max_n != 1:
                return _word_ngrams(tokens, min_n, max_n)
            return tokens

        return analyze

    def _counted(self, texts: Iterable[str]) -> tuple[list[int], list[int], list[int]]:
        """The texts' term counts in the vocabulary (unknown terms dropped), as CSR lists:
        values, columns (unsorted within a row) and row pointers."""
        if isinstance(texts, str):
            raise ValueError("Iterable over raw text documents expected, string object received.")
        analyze = self.build_analyzer()
        vocabulary = self.vocabulary_
        j_indices: list[int] = []
        values: list[int] = []
        indptr = [0]
        for text in texts:
            counter: dict[int, int] = {}
            for term in analyze(text):
                column = vocabulary.get(term)
                if column is not None:
                    counter[column] = counter.get(column, 0) + 1
            j_indices.extend(counter.keys())
            values.extend(counter.values())
            indptr.append(len(j_indices))
        return values, j_indices, indptr

    def counts(self, texts: Iterable[str], dtype: type = np.float32) -> sp.csr_matrix:
        """The term counts of the texts in the vocabulary (unknown terms dropped), in ``dtype``:
        ``CountVectorizer.transform``'s matrix, indices sorted."""
        values, j_indices, indptr = self._counted(texts)
        vocabulary = self.vocabulary_
        index_dtype = np.int64 if indptr[-1] > np.iinfo(np.int32).max else np.int32
        matrix = sp.csr_matrix((np.asarray(values, dtype=np.intc), np.asarray(j_indices, dtype=index_dtype),
                                np.asarray(indptr, dtype=index_dtype)),
                               shape=(len(indptr) - 1, len(vocabulary)), dtype=dtype)
        matrix.sort_indices()
        return matrix

    def transform(self, texts: Iterable[str]) -> sp.csr_matrix:
        """L2-normalised TF-IDF rows (float32) of the texts: ``TfidfVectorizer.transform``."""
        return self._weigh(self.counts(texts, np.float32))

    def rows(self, texts: Iterable[str]) -> Rows:
        """The rows of :meth:`transform`, the same values, as :class:`paperlike.csr.Rows` (a
        query's text, vectorised without importing scipy.sparse)."""
        values, columns, indptr = self._counted(texts)
        return self._weigh(from_lists(values, columns, indptr, len(self.vocabulary_), np.float32))

    def _weigh(self, X):
        """Counts (float32, CSR, sorted) to L2-normalised TF-IDF, in place; returns X."""
        if self.sublinear_tf:
            np.log(X.data, X.data)
            X.data += 1.0
        X.data *= self.idf_[X.indices]
        l2_normalize_rows(X)
        return X


def _word_ngrams(tokens: list[str], min_n: int, max_n: int) -> list[str]:
    """scikit-learn's word n-grams of a list of tokens (stop words already dropped), in its order."""
    original = tokens
    if min_n == 1:
        tokens = list(original)
        min_n += 1
    else:
        tokens = []
    n_original = len(original)
    for n in range(min_n, min(max_n + 1, n_original + 1)):
        for i in range(n_original - n + 1):
            tokens.append(" ".join(original[i:i + n]))
    return tokens


def l2_normalize_rows(X: sp.csr_matrix) -> None:
    """Scale each row of a float32 CSR matrix to unit length, in place, exactly as scikit-learn's
    ``normalize(X, norm="l2")``: each row's squares (in float32) summed in float64 one after the
    other, from the row's first stored value, and each value divided by the root in float64.

    The sum runs over the rows' k-th values together, for k = 0, 1, ...: a row's additions
    happen in its own order, as in the loop of scikit-learn's kernel, so that its rounding is
    the same (numpy's pairwise sum would round differently).
    """
    data = X.data
    lengths = np.diff(X.indptr).astype(np.int64)
    n = len(lengths)
    if n == 0 or data.size == 0:
        return
    squares = data * data
    order = np.argsort(-lengths, kind="stable")
    longest_first = lengths[order]
    starts = X.indptr[:-1].astype(np.int64)[order]
    # active[k]: how many rows (the longest ones first) have a k-th value.
    active = np.searchsorted(-longest_first, -np.arange(int(longest_first[0])), side="left")
    sums = np.zeros(n)
    for k, rows in enumerate(active.tolist()):
        sums[:rows] += squares[starts[:rows] + k]
    norms = np.empty(n)
    norms[order] = np.sqrt(sums)
    norms[norms == 0.0] = 1.0  # an empty (or all-zero) row is left as it is
    data[:] = data / np.repeat(norms, lengths)
