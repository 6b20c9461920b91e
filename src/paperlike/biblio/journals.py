"""Journal names compared across forms: a full title and its ISO 4 abbreviation (``J
Parenter Enteral Nutr``), a title with or without its subtitle or trailing notes."""

from __future__ import annotations

import functools
import re

from ..text import normalize
from .fold import CACHE, words_key
from .titles import trailing_group

_JOURNAL_STOP = frozenset({
    "of", "the", "and", "for", "in", "on", "at", "to", "with", "from", "by", "an",
    "de", "des", "du", "la", "le", "les", "et", "en", "der", "die", "das", "und", "fur", "fuer",
    "zur", "zum", "del", "della", "di", "dei", "degli", "e", "y", "i", "och", "og", "voor", "van",
    "het", "el", "los", "las", "da", "do", "dos",
})
_CONFERENCE_RE = re.compile(r"\.\s*conference\s*:.*$", re.IGNORECASE)
_JOURNAL_SUBTITLE_RE = re.compile(r"\s+:\s+.*$")


_JOURNAL_NOTES_RE = re.compile(r"\s+=\s+.*$")  # NLM's parallel title: "Title = Titre"
# Where a subtitle, a statement of responsibility or a section's name starts: "BJOG: An
# International ...", "... / the International Academy of Cytology", "Mutation Research -
# Reviews", NLM's joined "International journal of cancer.Journal international du cancer".
_JOURNAL_HEAD_RE = re.compile(r"\s*:\s+|\s+[/\u2013\u2014-]\s+|(?<=[a-z]{3})\.(?=[A-Z])")


def _journal_text(name: str) -> str:
    """The name without Embase's ``.Conference: ...``, trailing notes and a parallel title."""
    text = _CONFERENCE_RE.sub("", normalize(name))
    for _ in range(4):
        text = text.rstrip(" .;,")
        start = trailing_group(text)
        if start is None or start == 0:
            break
        text = text[:start]
    cut = _JOURNAL_NOTES_RE.sub("", text)
    return cut if words_key(cut) else text


def _journal_words(text: str) -> str:
    return " ".join(w for w in words_key(text).split() if w not in _JOURNAL_STOP)


@functools.lru_cache(maxsize=CACHE)
def journal_key(name: str | None) -> str:
    """A journal's name as compared: folded, no punctuation or stop words, no trailing notes.

    Dropped because exports add or leave them at will: stop words (``of``, ``the``, ``&``,
    ``de``, ``und``), a trailing bracketed or parenthesised note (``[Electronic Resource]``,
    ``(London)``, ``(Online)``), NLM's other title information after `` : `` and parallel
    title after `` = ``, and Embase's ``.Conference: ...``.
    """
    if not name:
        return ""
    text = _journal_text(name)
    head = _JOURNAL_SUBTITLE_RE.sub("", text)
    return _journal_words(head) or _journal_words(text)


@functools.lru_cache(maxsize=CACHE)
def _journal_forms(name: str) -> tuple[tuple[tuple[str, str], ...], tuple[tuple[str, str], ...]]:
    """The name's keys with and without NLM's `` : `` subtitle, and the key of its part before
    any subtitle or section, each with its words' first letters (keys that differ there
    cannot match, a cheap test on every pair)."""
    text = _journal_text(name)
    found = _JOURNAL_HEAD_RE.search(text)
    head = _journal_words(text[: found.start()]) if found else ""
    whole = tuple(dict.fromkeys(k for k in (journal_key(name), _journal_words(text)) if k))
    heads = (head,) if head and head not in whole else ()
    return tuple((k, _first_letters(k)) for k in whole), tuple((k, _first_letters(k)) for k in heads)


def _first_letters(key: str) -> str:
    return "".join(word[0] for word in key.split())


def _abbreviates(short: str, full: str) -> bool:
    """Whether ``short`` is an ISO 4 style abbreviation of ``full``: the same first letter and
    its letters in order among the full word's (``natl``/``national``, ``j``/``journal``)."""
    if short == full:
        return True
    if len(short) > len(full) or short[:1] != full[:1]:
        return False
    rest = iter(full[1:])
    return all(c in rest for c in short[1:])


@functools.lru_cache(maxsize=CACHE)
def _journals_match(key_a: str, key_b: str) -> bool:
    if key_a == key_b:
        return True
    words_a, words_b = key_a.split(), key_b.split()
    # Single-word titles are never abbreviated (ISO 4), and "Cancer" is not "Cancers".
    if len(words_a) != len(words_b) or len(words_a) < 2:
        return False
    return all(_abbreviates(x, y) or _abbreviates(y, x) for x, y in zip(words_a, words_b))


def journals_match(a: str | None, b: str | None) -> bool:
    """Whether two journal names are one journal: equal keys, or word for word one an
    abbreviation of the other (``J Parenter Enteral Nutr`` and ``Journal of Parenteral and
    Enteral Nutrition``), or one is the other without its subtitle (``BJOG`` and ``BJOG: An
    International Journal of ...``).

    Both must have as many words: a title is never abbreviated by dropping a significant
    word, and allowing it would join ``Nature`` and ``Nature Medicine``. Two names that both
    have a subtitle are not compared without them: those are sections (``Mutation Research -
    Reviews`` is not ``Mutation Research - Genetic Toxicology``).
    """
    if not a or not b:
        return False
    return _names_match(*sorted((a, b)))


@functools.lru_cache(maxsize=CACHE)
def _names_match(a: str, b: str) -> bool:
    (whole_a, head_a), (whole_b, head_b) = _journal_forms(a), _journal_forms(b)
    if not whole_a or not whole_b:
        return False
    pairs = [(x, y) for x in whole_a for y in whole_b]
    pairs += [(x, y) for x in head_a for y in whole_b] + [(x, y) for x in whole_a for y in head_b]
    return any(x[1] == y[1] and _journals_match(*sorted((x[0], y[0]))) for x, y in pairs)
