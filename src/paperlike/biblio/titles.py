"""Title keys: a title without markup, case, punctuation and the notes a database appends
(``[Spanish]``, ``(author's transl)``), and its main title before a subtitle."""

from __future__ import annotations

import functools
import re

from ..text import normalize
from .fold import CACHE, fold, words_key

LANGUAGES = (
    "english|spanish|french|german|italian|portuguese|dutch|flemish|swedish|norwegian|danish|"
    "finnish|icelandic|polish|russian|czech|slovak|hungarian|romanian|rumanian|bulgarian|serbian|"
    "croatian|serbo-croatian|serbo-croatian \\(roman\\)|serbo-croatian \\(cyrillic\\)|slovenian|"
    "slovene|greek|modern greek|turkish|japanese|chinese|korean|hebrew|arabic|persian|farsi|"
    "lithuanian|latvian|estonian|ukrainian|belarusian|catalan|galician|basque|afrikaans|thai|"
    "vietnamese|indonesian|malay|hindi|urdu|bengali|tamil|georgian|armenian|albanian|"
    "macedonian|bosnian|welsh|irish|latin|esperanto|multiple languages|multilingual"
)
# A trailing bracketed note a database adds to a title: the language of the original, a
# translation mark, the publication type, the reference count, an erratum or comment notice.
_TITLE_NOTE_RE = re.compile(
    rf"(?:(?:article |text |abstract |summary )?in )?(?:{LANGUAGES})(?: (?:text|abstract|summary))?"
    rf"(?:(?:,| and|,? &| ?/) (?:{LANGUAGES}))*(?: abstract| summary| text)?"
    r"|.*\btransl\b.*|.*\btranslation\b.*"
    r"|review|review article|\d+ refs?|letter|editorial|news|(?:see )?comments?\b.*"
    r"|(?:published )?errat(?:um|a)\b.*|corrigendum\b.*|retract(?:ed|ion)\b.*"
    r"|(?:provisional|structured) abstract|brief record|abstract"
    # the citation of the paper a notice is about: "(vol 360, pg 542, 2009)", "(Journal (2009) 360)"
    r"|vol\.? ?\d+\b.*|.*\((?:1[89]|20)\d\d\).*",
    re.IGNORECASE,
)
_TAG_RE = re.compile(r"</?[A-Za-z][A-Za-z0-9:-]*(?:\s[^<>]*)?/?>")
_CLOSERS = {"]": "[", ")": "("}


def trailing_group(text: str) -> int | None:
    """Where the bracketed group that ends the text opens (brackets nested), if it ends so."""
    if not text or text[-1] not in _CLOSERS:
        return None
    close, opener, depth = text[-1], _CLOSERS[text[-1]], 0
    for i in range(len(text) - 1, -1, -1):
        if text[i] == close:
            depth += 1
        elif text[i] == opener:
            depth -= 1
            if depth == 0:
                return i
    return None


def _strip_notes(text: str) -> str:
    """The title without the notes databases append and without a wrapping pair of brackets."""
    for _ in range(8):
        text = text.rstrip(" .;,")
        start = trailing_group(text)
        if start is not None and start > 0 and _TITLE_NOTE_RE.fullmatch(text[start + 1:-1].strip(" .")):
            text = text[:start]
            continue
        if start == 0 and text[0] == "[":  # a translated title: "[Title in English]"
            text = text[1:-1]
            continue
        break
    return text.strip()


@functools.lru_cache(maxsize=CACHE)
def clean_title(title: str) -> str:
    text = normalize(title)
    if "<" in text:
        text = _TAG_RE.sub("", text)
    return _strip_notes(text)


def title_key(title: str | None) -> str:
    """The title as records are compared on: folded case and accents, no markup, no notes.

    HTML/XML tags and LaTeX markup go, a title wholly in brackets (MEDLINE's translated title)
    is unwrapped, and notes a database appends (``[Spanish]``, ``(author's transl)``,
    ``[Review] [45 refs]``, ``[Erratum appears in ...]``) are dropped, because another
    database's record of the same paper writes none of them. Punctuation becomes spaces.
    """
    if not title:
        return ""
    if _plain(title):
        # Plain ASCII that ends in no bracket: no markup or note to take out, and the brackets
        # of a wholly bracketed title become spaces anyway; a key computed, not looked up, since
        # nearly every title is one and most are met once.
        return words_key(title)
    return _marked_title_key(title)


_SPACES = " .;,\t\n\r\x0b\x0c\x1c\x1d\x1e\x1f"  # what str.split() and _strip_notes take off an end


def _plain(title: str) -> bool:
    """Whether :func:`clean_title` can change nothing of the title but what its key makes spaces:
    ASCII without markup (what :func:`normalize` and the tags' expression change), and no
    bracket at its end (a note :func:`_strip_notes` may take off)."""
    return (title.isascii() and "&" not in title and "\\" not in title and "$" not in title and "{" not in title
            and "<" not in title and "-\n" not in title and "- \n" not in title
            and title.rstrip(_SPACES)[-1:] not in _CLOSERS)


@functools.lru_cache(maxsize=CACHE)
def _marked_title_key(title: str) -> str:
    return words_key(clean_title(title))


_SUBTITLE_RE = re.compile(r"\s*(?::|\s[-\u2013\u2014]+|\u2014|--)\s+|(?<=[^\W\d_]{2})[.?!]\s+(?=\S)")
# Abbreviations whose period ends no sentence: "vs. placebo" is no subtitle.
_SHORT_WORDS_BEFORE_PERIOD = frozenset({
    "vs", "st", "dr", "mr", "mrs", "ms", "al", "eg", "ie", "etc", "no", "vol", "fig", "sp", "spp",
})


@functools.lru_cache(maxsize=CACHE)
def main_title(title: str | None) -> str | None:
    """The :func:`title_key` of the part before a subtitle (``: ``, `` - ``, `` — ``, ``. ``),
    None for a title without one: a record that dropped the subtitle has this as its title."""
    if not title:
        return None
    text = clean_title(title)
    for match in _SUBTITLE_RE.finditer(text):
        head = text[: match.start()]
        if "." in match.group() and fold(head.split()[-1] if head.split() else "") in _SHORT_WORDS_BEFORE_PERIOD:
            continue
        key = words_key(head)
        if key and key != words_key(text):
            return key
    return None
