"""Text normalisation: the one place where formatting is taken out of titles and abstracts.

Every source reader and every query goes through :func:`normalize`, so a line wrap, an HTML
entity, a LaTeX command or a decomposed accent never changes a similarity score.
"""

from __future__ import annotations

import hashlib
import html
import re
import unicodedata
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # numpy and pyarrow are imported to count a corpus's words, not to normalise a text
    import numpy as np

__all__ = ["normalize", "folded_text", "folded_digest", "joined_ascii_tokens", "plain_ascii", "tokens",
           "ascii_word_count", "ascii_word_numbers", "strip_accents"]

# LaTeX symbols that appear in abstracts; mapped to the character a typeset PDF shows.
_LATEX_SYMBOLS = {
    "times": "×", "sim": "~", "approx": "≈", "leq": "≤", "le": "≤", "geq": "≥", "ge": "≥",
    "neq": "≠", "pm": "±", "cdot": "·", "to": "→", "rightarrow": "→", "leftarrow": "←",
    "infty": "∞", "alpha": "α", "beta": "β", "gamma": "γ", "delta": "δ", "epsilon": "ε",
    "varepsilon": "ε", "theta": "θ", "lambda": "λ", "mu": "μ", "pi": "π", "sigma": "σ",
    "tau": "τ", "phi": "φ", "omega": "ω", "Delta": "Δ", "Omega": "Ω", "ell": "ℓ",
    "ldots": "…", "dots": "…", "cdots": "…", "textasciitilde": "~", "textendash": "–",
    "textemdash": "—", "LaTeX": "LaTeX", "TeX": "TeX",
}
# Accent commands (\"o, \'{e}, \c{c}) become the combining mark, then NFC composes them.
_LATEX_ACCENTS = {
    '"': "\u0308", "'": "\u0301", "`": "\u0300", "^": "\u0302", "~": "\u0303", "=": "\u0304",
    ".": "\u0307", "u": "\u0306", "v": "\u030c", "H": "\u030b", "c": "\u0327", "k": "\u0328",
    "r": "\u030a",
}
_TYPOGRAPHY = str.maketrans({
    "\u2018": "'", "\u2019": "'", "\u201c": '"', "\u201d": '"', "\u00a0": " ", "\u2009": " ",
    "\u200b": "", "\u00ad": "", "\ufb01": "fi", "\ufb02": "fl", "\ufb00": "ff",
})

_TYPOGRAPHY_RE = re.compile("[" + "".join(chr(c) for c in _TYPOGRAPHY) + "]")
_ACCENT_RE = re.compile(r"""\\([\"'`^~=.]|[uvHckr](?=[\s{]))\s*(?:\{\s*(\\?[A-Za-z])\s*\}|(\\?[A-Za-z]))""")
_ESCAPED_RE = re.compile(r"\\([%&#_$])")
_WRAPPER_RE = re.compile(r"\{\\(?:em|it|bf|sc|tt|sl|rm|sf|emph|textit|textbf)\s+([^{}]*)\}")
_COMMAND_ARG_RE = re.compile(r"\\[A-Za-z]+\*?\s*\{([^{}]*)\}")
_COMMAND_RE = re.compile(r"\\([A-Za-z]+)\b\s?")
_HYPHEN_WRAP_RE = re.compile(r"(\w)-\s*\n\s*(?=[a-z])")
_TOKEN_RE = re.compile(r"\w+")
# For ASCII text, \w is [A-Za-z0-9_]: mapping every other byte to a space and splitting gives
# the same tokens as the regular expression, four times faster.
_ASCII_WORD = frozenset(b"abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_")
_ASCII_SPACES = bytes(b if b in _ASCII_WORD else 32 for b in range(256))
# The same, lower-casing too.
_ASCII_LOWER_SPACES = bytes((b | 32 if 65 <= b <= 90 else b) if b in _ASCII_WORD else 32 for b in range(256))
# A word byte as "a", any other as a space: a word starts at each "a" after a space.
_ASCII_MARKS = bytes(97 if b in _ASCII_WORD else 32 for b in range(256))
# The same, lower-casing too: one pass over the bytes for a key.
_ASCII_KEY = bytes((b | 32 if 65 <= b <= 90 else b) if b in _ASCII_WORD else 32 for b in range(256))


def _accent(match: re.Match[str]) -> str:
    base = (match.group(2) or match.group(3)).lstrip("\\")
    base = {"i": "i", "j": "j"}.get(base, base)  # \i, \j: dotless letters take the accent
    return base + _LATEX_ACCENTS[match.group(1)]


def _symbol(match: re.Match[str]) -> str:
    return _LATEX_SYMBOLS.get(match.group(1), "")


def _strip_latex(text: str) -> str:
    if "\\" not in text and "$" not in text and "{" not in text:
        return text
    text = _ACCENT_RE.sub(_accent, text)
    text = _ESCAPED_RE.sub(lambda m: "\0" + m.group(1), text)  # protect \% \$ from the $ rule
    text = _WRAPPER_RE.sub(r"\1", text)
    # Nested arguments ({\bf a \emph{b}}) unwrap from the inside out.
    for _ in range(4):
        unwrapped = _COMMAND_ARG_RE.sub(r"\1", text)
        if unwrapped == text:
            break
        text = unwrapped
    text = _COMMAND_RE.sub(_symbol, text)
    text = text.replace("$", "").replace("{", "").replace("}", "").replace("~", " ")
    return text.replace("\0", "")


def normalize(text: str | None) -> str:
    """The text as a reader sees it: one line, NFC, no markup, single spaces.

    >>> normalize("Up to 3$\\\\times$ faster, {\\\\em in-context}\\n learning &amp; 5\\\\%")
    'Up to 3× faster, in-context learning & 5%'
    """
    if not text:
        return ""
    if (text.isascii() and "&" not in text and "\\" not in text and "$" not in text and "{" not in text
            and "-\n" not in text and "- \n" not in text):
        return single_spaced(text)  # what the one pass below leaves of plain ASCII text
    return _normalized(text)


def _normalized(text: str) -> str:
    # Taking markup out can make new markup ("\\{A}" -> "\\A", "&amp;lt;" -> "&lt;"): go on
    # until nothing changes, so that normalising twice is normalising once. Text left without
    # these characters cannot change again, so plain text takes one pass.
    for _ in range(8):
        done = _normalize_once(text)
        if done == text or not any(c in done for c in "&\\${"):
            return done
        text = done
    return done


def _normalize_once(text: str) -> str:
    # Each step is skipped when it cannot apply: this runs on every title, abstract and name.
    if "&" in text:
        text = html.unescape(text)
    if "-\n" in text or "- \n" in text:
        text = _HYPHEN_WRAP_RE.sub(r"\1-", text)
    text = _strip_latex(text)
    if not text.isascii():
        if not unicodedata.is_normalized("NFC", text):
            text = unicodedata.normalize("NFC", text)
        if _TYPOGRAPHY_RE.search(text):  # translate looks every character up: only where one is
            text = text.translate(_TYPOGRAPHY)
    return single_spaced(text)


def single_spaced(text: str) -> str:
    """``" ".join(text.split())``, the text itself when it is spaced so already."""
    # Every whitespace character but the space is unprintable: a printable text without two
    # spaces in a row or at its ends is spaced already (checking is twice as fast as re-spacing).
    if text.isprintable() and "  " not in text and text[:1] != " " and text[-1:] != " ":
        return text
    return " ".join(text.split())


def tokens(text: str) -> list[str]:
    """Lower-cased word tokens of already normalised text."""
    if text.isascii():
        return text.lower().encode("ascii").translate(_ASCII_SPACES).decode("ascii").split()
    return _TOKEN_RE.findall(text.casefold())


def ascii_word_numbers(texts: list[str]) -> tuple[list[bytes], np.ndarray, np.ndarray]:
    """The :func:`tokens` of many ASCII texts at once, in compiled code: ``(words, numbers,
    counts)``, where ``words`` are the distinct words (bytes), ``numbers`` (int32) each word's
    place in ``words``, the texts' words one after the other, and ``counts`` how many words each
    text has. Splitting a text and looking its words up one by one in Python was most of the
    time it takes to count a corpus's words."""
    import numpy as np
    import pyarrow as pa

    # The texts joined by spaces (a word never runs from one text into the next), every byte
    # that is not a word character a space; a word starts where a space is followed by another
    # byte, and ends where a byte is followed by a space.
    joined = (" " + " ".join(texts) + " ").encode("ascii").translate(_ASCII_LOWER_SPACES)
    is_word = np.frombuffer(joined, dtype=np.uint8) != 32
    edges = np.flatnonzero(is_word[1:] != is_word[:-1]) + 1
    starts, ends = edges[0::2], edges[1::2]
    offsets = np.zeros(len(starts) + 1, dtype=np.int64)
    np.cumsum(ends - starts, out=offsets[1:])
    words = pa.Array.from_buffers(pa.large_binary(), len(starts),
                                  [None, pa.py_buffer(offsets), pa.py_buffer(joined.replace(b" ", b""))])
    encoded = words.dictionary_encode()
    text_starts = np.ones(len(texts) + 1, dtype=np.int64)  # where each text starts in ``joined``
    np.cumsum(np.fromiter(map(len, texts), dtype=np.int64, count=len(texts)) + 1, out=text_starts[1:])
    text_starts[1:] += 1
    counts = np.diff(np.searchsorted(starts, text_starts))
    return encoded.dictionary.to_pylist(), np.asarray(encoded.indices, dtype=np.int32), counts


def strip_accents(text: str) -> str:
    """scikit-learn's ``strip_accents_unicode``: the text in NFKD with its combining marks left
    out. Only runs of non-ASCII characters can hold a mark, so only those are looked at, not
    every character as scikit-learn's comprehension does."""
    if text.isascii():
        return text
    return _NON_ASCII_RUN_RE.sub(_without_marks, unicodedata.normalize("NFKD", text))


_NON_ASCII_RUN_RE = re.compile(r"[^\x00-\x7f]+")


def _without_marks(run: re.Match[str]) -> str:
    combining = unicodedata.combining
    return "".join([c for c in run.group() if not combining(c)])


def ascii_word_count(text: str) -> int:
    """``len(tokens(text))`` of an ASCII text, without making its words."""
    marks = text.encode("ascii").translate(_ASCII_MARKS)
    return marks.count(b" a") + marks.startswith(b"a")


def folded_text(text: str | None) -> str:
    """A key equal for two texts that differ only in case, punctuation or spacing."""
    if not text:
        return ""
    if plain_ascii(text):
        return b" ".join(text.encode("ascii").translate(_ASCII_KEY).split()).decode("ascii")
    return " ".join(tokens(normalize(text)))


def plain_ascii(text: str) -> bool:
    """Whether a text is ASCII without markup, whose :func:`folded_text` is its words lower-cased
    as they stand. Such text (nearly every title and abstract, already normalised when it was
    read) has the tokens normalize would leave: what normalize changes there, spacing and a
    hyphen broken over a line, is only where tokens split anyway."""
    return text.isascii() and "&" not in text and "\\" not in text and "$" not in text and "{" not in text


def joined_ascii_tokens(texts: list[str]) -> tuple[bytes, np.ndarray]:
    """The :func:`tokens` of many ASCII texts at once, each text's joined by single spaces, in
    compiled code: ``(joined, offsets)``, text ``i``'s being ``joined[offsets[i]:offsets[i + 1]]``.
    Of a :func:`plain_ascii` text, that is its :func:`folded_text`. Splitting and joining each
    text's words in Python was most of the time a build took to tell which records are one
    text."""
    import numpy as np

    # The texts joined by spaces, every byte that is not a word character a space: what is kept
    # of a text is its words, and the one space before each word other than its text's first.
    joined = np.frombuffer((" " + " ".join(texts) + " ").encode("ascii").translate(_ASCII_KEY), dtype=np.uint8)
    is_word = joined != 32
    edges = np.flatnonzero(is_word[1:] != is_word[:-1]) + 1
    starts, ends = edges[0::2], edges[1::2]
    text_starts = np.ones(len(texts) + 1, dtype=np.int64)  # where each text starts in ``joined``
    np.cumsum(np.fromiter(map(len, texts), dtype=np.int64, count=len(texts)) + 1, out=text_starts[1:])
    text_starts[1:] += 1
    text_of_word = np.repeat(np.arange(len(texts)), np.diff(np.searchsorted(starts, text_starts)))
    later = np.zeros(len(starts), dtype=bool)  # a word after another in its text
    later[1:] = text_of_word[1:] == text_of_word[:-1]
    is_word[starts[later] - 1] = True
    # What is kept of a text: its words' bytes, and one space fewer than it has words.
    sizes = np.bincount(text_of_word, weights=ends - starts + 1, minlength=len(texts)).astype(np.int64)
    offsets = np.zeros(len(texts) + 1, dtype=np.int64)
    np.cumsum(np.maximum(sizes - 1, 0), out=offsets[1:])
    return joined[is_word].tobytes(), offsets


def folded_digest(*parts: str | None, length: int = 12) -> str:
    """A short hex digest of the parts' keys: stable across runs, platforms and input order."""
    joined = "\x1f".join(folded_text(part) for part in parts)
    return hashlib.sha256(joined.encode("utf-8")).hexdigest()[:length]
