"""Bibliographic fields made comparable: pages, author names, titles, series parts, journals, ids.

Exports from MEDLINE, Embase, Web of Science, Scopus or a reference manager write one paper's
record in many forms (``91-2`` or ``91-92``; ``Zuna, R E`` or ``Zuna RE``; ``J Parenter Enteral
Nutr`` or ``Journal of Parenteral and Enteral Nutrition``; a translated title in brackets with
``[Spanish]`` after it). Each function here takes one field to a key that is equal across those
forms, so that the duplicate finder compares the papers rather than the exports' habits.

Every function is pure and deterministic, and the costly ones are cached: they run on every
candidate pair, where the same title, name or journal recurs many times.
"""

from __future__ import annotations

import functools
import html
import re
import unicodedata
from collections.abc import Sequence

from .text import normalize

__all__ = [
    "normalize_pages", "page_range", "split_author_list", "author_key", "authors_match",
    "title_key", "main_title", "part_markers", "journal_key", "journals_match",
    "normalize_isbn", "normalize_pmid",
]

_CACHE = 1 << 16

# --------------------------------------------------------------------------------------------
# Folding text to plain lower-case letters
# --------------------------------------------------------------------------------------------

# Latin letters that Unicode does not decompose into a base letter and an accent.
_LATIN_FOLD = str.maketrans({
    "ø": "o", "đ": "d", "ð": "d", "ł": "l", "ħ": "h", "ı": "i", "ŧ": "t", "þ": "th",
    "æ": "ae", "œ": "oe", "ß": "ss", "ŀ": "l", "ƒ": "f",
})
# Greek letters spelled out, as exports that lost the letter write them ("IFN-gamma").
_GREEK = str.maketrans({
    "α": " alpha ", "β": " beta ", "γ": " gamma ", "δ": " delta ", "ε": " epsilon ",
    "ζ": " zeta ", "η": " eta ", "θ": " theta ", "ι": " iota ", "κ": " kappa ", "λ": " lambda ",
    "μ": " mu ", "ν": " nu ", "ξ": " xi ", "ο": " omicron ", "π": " pi ", "ρ": " rho ",
    "σ": " sigma ", "ς": " sigma ", "τ": " tau ", "υ": " upsilon ", "φ": " phi ", "ϕ": " phi ",
    "χ": " chi ", "ψ": " psi ", "ω": " omega ",
})
_NON_WORD_RE = re.compile(r"[\W_]+")


def _fold(text: str) -> str:
    """Case and accents taken out: ``Pérez`` and ``PEREZ`` give ``perez``; Greek letters spelled."""
    if text.isascii():
        return text.lower()
    text = unicodedata.normalize("NFKD", text).casefold()
    text = unicodedata.normalize("NFKD", text)  # casefolding can make letters that decompose
    text = "".join(c for c in text if not unicodedata.combining(c))
    return text.translate(_LATIN_FOLD).translate(_GREEK)


def _words_key(text: str) -> str:
    """Folded text with every run of punctuation and space made one space."""
    return " ".join(_NON_WORD_RE.sub(" ", _fold(text)).split())


# --------------------------------------------------------------------------------------------
# Pages
# --------------------------------------------------------------------------------------------

_DASHES = str.maketrans({c: "-" for c in "\u2010\u2011\u2012\u2013\u2014\u2015\u2212\ufe58\ufe63\uff0d"})
_PAGE_PREFIX_RE = re.compile(r"^(?:(?:pp|p|pg|pgs|pages?)\b\.?\s*)+", re.IGNORECASE)
_MULTI_DASH_RE = re.compile(r"\s*-+\s*")
_PAGE_RE = re.compile(r"([A-Za-z]{0,2})(\d+)([A-Za-z]?)", re.ASCII)
_ROMAN_PAGE_RE = re.compile(r"[ivxlcdm]+", re.IGNORECASE | re.ASCII)


def _clean_pages(value: str) -> str:
    """The value without ``pp.``, dash variants and spaces around dashes, cleaned till stable."""
    text = normalize(value)
    for _ in range(8):
        cleaned = _PAGE_PREFIX_RE.sub("", text.translate(_DASHES)).strip()
        cleaned = _MULTI_DASH_RE.sub("-", cleaned).strip(" .,;")
        if cleaned.endswith("-") and cleaned.count("-") == 1:  # an open range: its first page
            cleaned = cleaned[:-1]
        if cleaned == text:
            break
        text = cleaned
    return text


def _expand_last(first: str, last: str) -> str:
    """The last page written in full: ``1234``-``56`` ends on 1256, ``98``-``2`` on 102."""
    if len(last) >= len(first):
        return last
    full = first[: len(first) - len(last)] + last
    if int(full) < int(first):  # the range crossed a power of ten: 98-2 is 98-102
        full = str(int(full) + 10 ** len(last)).zfill(len(first))
    return full


@functools.lru_cache(maxsize=_CACHE)
def normalize_pages(value: str | None) -> str | None:
    """Pages as ``first-last``, or one page: the form every export's range is compared in.

    Abbreviated ends are written out (``91-2`` is ``91-92``, ``S600-1`` is ``S600-S601``), dash
    variants, spaces and ``pp.`` are taken out, letters are upper-cased (``e12`` and ``E12`` are
    one article number) but roman numerals lower-cased, and a range of one page is that page.
    Anything else is kept as its cleaned text, None when nothing is left.
    """
    if value is None:
        return None
    text = _clean_pages(str(value))
    if not text:
        return None
    parts = text.split("-")
    if len(parts) > 2:
        return text
    if all(_ROMAN_PAGE_RE.fullmatch(p) for p in parts):
        first, last = (p.lower() for p in (parts * 2)[:2])
        return first if first == last else f"{first}-{last}"
    found = [_PAGE_RE.fullmatch(p) for p in parts]
    if not all(found):
        return text
    prefix, number, suffix = (g.upper() if i != 1 else g for i, g in enumerate(found[0].groups()))
    first = f"{prefix}{number}{suffix}"
    if len(found) == 1:
        return first
    prefix2, number2, suffix2 = (g.upper() if i != 1 else g for i, g in enumerate(found[1].groups()))
    if prefix2 and prefix2 != prefix:
        return f"{first}-{prefix2}{number2}{suffix2}"
    last = f"{prefix}{_expand_last(number, number2)}{suffix2}"
    return first if last == first else f"{first}-{last}"


def page_range(value: str | None) -> tuple[str, str] | None:
    """The first and last page of a page field (one page is both), None when it names no pages."""
    pages = normalize_pages(value)
    if not pages:
        return None
    parts = pages.split("-")
    if len(parts) > 2 or not all(_PAGE_RE.fullmatch(p) or _ROMAN_PAGE_RE.fullmatch(p) for p in parts):
        return None
    return parts[0], parts[-1]


# --------------------------------------------------------------------------------------------
# Author names
# --------------------------------------------------------------------------------------------

# Words that start or sit inside a surname ("van der Berg", "Le Quintrec", "Perez de
# Mendiguren") and so are neither given names nor the surname's distinctive word.
_PARTICLES = frozenset({
    "van", "von", "der", "den", "de", "del", "della", "delle", "dello", "dei", "degli", "di",
    "da", "das", "do", "dos", "du", "la", "le", "les", "lo", "ter", "ten", "te", "vander",
    "vanden", "zu", "zur", "y", "e", "al", "el", "bin", "ibn", "ben", "st", "ste", "mac", "af",
    "av",
})
_WORD_SUFFIXES = frozenset({"jr", "jnr", "sr", "snr"})
_SUFFIXES = _WORD_SUFFIXES | {"ii", "iii", "iv", "2nd", "3rd"}
# Words naming an organisation: a name with one is a corporate author, compared whole.
_CORPORATE = frozenset({
    "group", "groups", "study", "studies", "trial", "trialists", "investigators", "committee",
    "consortium", "society", "association", "agency", "organization", "organisation", "network",
    "collaboration", "collaborative", "collaborators", "council", "institute", "foundation",
    "team", "center", "centre", "department", "administration", "panel", "program", "programme",
    "working", "ministry", "registry", "federation", "university", "hospital", "writing",
})
_NOT_NAMES = frozenset({"et al", "others", "anonymous", "anon", "and others", "and", "&"})

_INITIALS_DOTTED_RE = re.compile(r"(?:[^\W\d_](?:\.|\.?-))+[^\W\d_]?\.?")
_SPLIT_RE = re.compile(r"\s*;\s*|\s+(?:and|&)\s+")
_COMMA_RE = re.compile(r"\s*,\s*")


def _is_initials(token: str) -> bool:
    """Whether a word is given names' initials: ``F.``, ``F.M.``, ``Q.-J.``, or 1-4 capitals."""
    if "." in token:
        return bool(_INITIALS_DOTTED_RE.fullmatch(token)) and token.replace(".", "").replace("-", "").isupper()
    plain = token.replace("-", "")
    return 1 <= len(plain) <= 4 and plain.isalpha() and plain.isupper()


def _strip_token(token: str) -> str:
    return token.strip(",;:()[]{}\"'")


def _is_suffix(token: str) -> bool:
    """Whether a word is a generational suffix: ``Jr.``, ``Sr``, ``III`` (not MEDLINE's ``JR``,
    which is two initials)."""
    word = _strip_token(token)
    low = word.rstrip(".").casefold()
    if low not in _SUFFIXES:
        return False
    return not (low in _WORD_SUFFIXES and word.isupper() and "." not in word)


def _without_suffixes(words: Sequence[str]) -> list[str]:
    """The words without suffixes; a roman one right after the first word is initials
    (``Smith IV`` is I. V. Smith, ``John Smith IV`` a fourth)."""
    return [w for i, w in enumerate(words)
            if not (_is_suffix(w) and (i >= 2 or _strip_token(w).rstrip(".").casefold() in _WORD_SUFFIXES))]


def _is_particle(token: str) -> bool:
    """Whether a word is a surname's particle; capitals are initials (``R E Zuna``, ``Berg AF``)."""
    token = _strip_token(token).rstrip(".")
    return not token.isupper() and _fold(token) in _PARTICLES


def _medline_form(piece: str) -> bool:
    """Whether a piece reads ``Last FM``: words, then the initials (not ``F. Last``)."""
    words = _without_suffixes(piece.split())
    return len(words) >= 2 and _is_initials(words[-1]) and not _is_initials(words[0])


def _depth_zero_split(value: str) -> list[str]:
    """The value split at ``;``, `` and `` and ``&`` outside braces (BibTeX protects
    ``{Food and Drug Administration}`` so)."""
    if "{" not in value:
        return _SPLIT_RE.split(value)
    chunks, depth, start = [], 0, 0
    for match in re.finditer(r"[{}]|\s*;\s*|\s+(?:and|&)\s+", value):
        token = match.group()
        if token == "{":
            depth += 1
        elif token == "}":
            depth = max(depth - 1, 0)
        elif depth == 0:
            chunks.append(value[start:match.start()])
            start = match.end()
    chunks.append(value[start:])
    return chunks


def _turn(last: str, given: str, suffix: str = "") -> str:
    return " ".join(p for p in (given, last, suffix) if p)


def _display_name(piece: str) -> bool:
    """A piece that reads as a whole name, ``First Last``: two words or more, capitalised, no
    particle, and not a surname with initials (``Zhai QJ``) or initials alone."""
    words = piece.split()
    return (len(words) >= 2 and not _medline_form(piece) and not _is_initials(piece.replace(" ", ""))
            and all(w[:1].isupper() and not _is_particle(w) for w in words)
            and not all(_is_initials(w) for w in words[1:]))


def _comma_chunk(pieces: list[str], display_style: bool) -> list[str]:
    """The names in one chunk that has commas: one ``Last, First``, a MEDLINE list, or a list."""
    suffix_at = [i for i, p in enumerate(pieces) if _is_suffix(p)]
    names_only = [p for p in pieces if not _is_suffix(p)]
    if display_style or (len(names_only) >= 3 and all(len(p.split()) >= 2 for p in names_only)
                         and not any(_medline_form(p) or _is_initials(p.replace(" ", "")) for p in names_only)):
        out: list[str] = []
        for piece in pieces:  # "First Last, Jr., First Last"
            if _is_suffix(piece) and out:
                out[-1] = f"{out[-1]} {piece}"
            elif not _is_suffix(piece):
                out.append(piece)
        return out
    if len(names_only) >= 2 and all(_medline_form(p) for p in names_only):
        return names_only
    if (len(names_only) == 2 and not suffix_at and all(_display_name(p) for p in names_only)):
        return names_only  # "Ada Lovelace, Charles Babbage": two names, not "Last, First"
    if len(names_only) <= 2:  # "Last, First", "Last, Jr., First", "Last, First, Jr."
        suffix = " ".join(pieces[i] for i in suffix_at)
        return [_turn(names_only[0], names_only[1] if len(names_only) > 1 else "", suffix)]
    # A mixed list: "Servais, A, Provot F, Rostaing L" or "Smith, John, Jones, Mary".
    out, i = [], 0
    while i < len(pieces):
        piece = pieces[i]
        if _is_suffix(piece):
            if out:
                out[-1] = f"{out[-1]} {piece}"
            i += 1
        elif _medline_form(piece) or i + 1 >= len(pieces) or _medline_form(pieces[i + 1]):
            out.append(piece)
            i += 1
        else:
            out.append(_turn(piece, pieces[i + 1]))
            i += 2
    return out


@functools.lru_cache(maxsize=_CACHE)
def _split_author_list(value: str) -> tuple[str, ...]:
    if "&" in value:
        value = html.unescape(value)  # "&#228;" is a letter, not a "&" and a ";"
    chunks = [normalize(c).strip(" ,") for c in _depth_zero_split(value)]
    chunks = [c for c in chunks if c]
    # "First Last, First Last and First Last": a name of several words without a comma beside
    # chunks with commas means that commas part names, not surnames from given names.
    display_style = len(chunks) > 1 and any(
        "," not in c and len(c.split()) >= 2 and not _medline_form(c) for c in chunks)
    names: list[str] = []
    for chunk in chunks:
        pieces = [p for p in _COMMA_RE.split(chunk) if p]
        if len(pieces) == 1:
            names.append(pieces[0])
            continue
        as_list = display_style and all(len(p.split()) >= 2 or _is_suffix(p) for p in pieces)
        names.extend(_comma_chunk(pieces, as_list))
    return tuple(n for n in names if n.strip(" .,"))


def split_author_list(value: str) -> list[str]:
    """One author field in any export's form split into names in ``First Last`` order.

    BibTeX's ``Last, F. and Last, F.``, Zotero's ``Last, First; Last, First`` and other
    ``Last, First`` names are turned around at the comma, words kept (``Perez de, Mendiguren B.``
    becomes ``Mendiguren B. Perez de``: :func:`author_key` reads it back). MEDLINE's ``Last FM,
    Last F`` names are kept as they are (:func:`author_key` reads that form), and so are the
    names of ``First Last, First Last and First Last`` and ``First Last; First Last``. This is
    the order every reader of paperlike gives names in, so that names compare across sources.
    """
    if not value or not value.strip():
        return []
    return list(_split_author_list(value))


def _letters(word: str) -> str:
    folded = _fold(word)
    plain = "".join(c for c in folded if "a" <= c <= "z")
    return plain or "".join(c for c in folded if c.isalpha())


def _initials(words: Sequence[str]) -> str:
    """The first letter of each given name: ``Q. J.``, ``QJ``, ``Qing-Jun`` all give ``qj``."""
    out = []
    for word in words:
        word = _strip_token(word)
        if not word:
            continue
        if _is_initials(word):  # before particles: "R E Zuna" has an "E", not a Portuguese "e"
            out.extend(c for c in word if c.isalpha())
            continue
        if _is_particle(word):
            continue
        for part in re.split(r"[-.\u2010]+", word):
            letters = _letters(part)
            if letters:
                out.append(letters[0])
    return _letters("".join(out))


_SURNAME_PARTS_RE = re.compile(r"[-.\u2010]+")


def _surname_word(words: Sequence[str]) -> str:
    """The surname's distinctive word: its last word that is not a particle, after a hyphen
    or a period (``St.John`` is ``St John``)."""
    cleaned = [_strip_token(w) for w in words if _strip_token(w)]
    if not cleaned:
        return ""
    meaningful = [w for w in cleaned if not _is_particle(w)] or cleaned
    for part in reversed(_SURNAME_PARTS_RE.split(meaningful[-1])):
        letters = _letters(part)
        if letters:
            return letters
    return _letters(meaningful[-1])


def _is_corporate(words: Sequence[str]) -> bool:
    """Whether a name is an organisation's ("ALTS Group", "-ALTS-Study-Group")."""
    parts = [p for w in words for p in w.split("-") if p]
    return len(parts) >= 2 and any(_fold(_strip_token(p)) in _CORPORATE for p in parts)


@functools.lru_cache(maxsize=_CACHE)
def author_key(name: str) -> tuple[str, str] | None:
    """A name as ``(surname, initials)``, equal across the forms exports write one person in.

    Read forms: ``First Last``, ``F. M. Last``, ``F M Last``, MEDLINE's ``Last FM`` (a last word
    of 1-4 capitals is initials when the first word is not) and ``Last, First``. The surname is
    its last word that is not a particle (``van``, ``de``, ``Le``), after its last hyphen,
    folded to plain letters: ``Le Quintrec`` is ``quintrec`` and ``Fremeaux-Bacchi`` is
    ``bacchi``. That word is found whatever the form: in ``First Last`` order nothing marks
    where a surname of several words begins, and exports drop or keep particles and hyphens.
    A name ending in a particle (``Mendiguren B. Perez de``, a surname broken at a comma) is
    put back together. A corporate author (``ALTS Group``) is its whole name with no initials.
    None for a name with no letters or ``et al``.
    """
    text = " ".join(normalize(name).split()).strip(" ,;.")
    if not text or text.casefold() in _NOT_NAMES:
        return None
    if "," in text:
        last, _, given = text.partition(",")
        given_split = given.replace(",", " ").split()
        given_words = [w for w in given_split if not _is_suffix(w)] or given_split
        last_words = last.split()
        if last_words and _is_particle(last_words[-1]) and given_words and _is_initials(given_words[-1]) \
                and not _is_initials(given_words[0]):  # "Perez de, Mendiguren B."
            return _key(last_words + given_words[:-1], given_words[-1:])
        if _is_corporate(last_words + given_words):
            return _corporate(last_words + given_words)
        return _key(last_words, given_words)
    words = _without_suffixes(text.split())
    if not words:
        return None
    if _is_corporate(words):
        return _corporate(words)
    if len(words) == 1:
        return _key(words, [])
    if _is_particle(words[-1]):  # "Mendiguren B. Perez de": turn back at the last initials
        at = max((i for i, w in enumerate(words[:-1]) if _is_initials(w)), default=None)
        if at is None:
            return _key(words, [])
        words = words[at + 1:] + words[: at + 1]
    if _is_initials(words[-1]) and not _is_initials(words[0]) or _medline_pair(words):
        end = len(words)
        while end > 1 and _is_initials(words[end - 1]):
            end -= 1
        return _key(words[:end], words[end:])
    return _key(words[-1:], words[:-1])


def _medline_pair(words: Sequence[str]) -> bool:
    """Whether a name of initials-like words reads ``WU J`` (surname first), not ``J. WU``."""
    return len(words) >= 2 and all(map(_is_initials, words)) \
        and not ("." in words[0] and "." not in words[-1])


def _key(surname_words: Sequence[str], given_words: Sequence[str]) -> tuple[str, str] | None:
    surname = _surname_word(surname_words)
    return (surname, _initials(given_words)) if surname else None


def _corporate(words: Sequence[str]) -> tuple[str, str] | None:
    whole = "".join(_letters(w) for w in words)
    return (whole, "") if whole else None


@functools.lru_cache(maxsize=_CACHE)
def _author_keys(name: str) -> tuple[tuple[str, str], ...]:
    """The name's key, then another where the name may be a surname broken at a comma.

    Some exports split MEDLINE's ``Giorgi Rossi P`` at its first space into ``Giorgi, Rossi P``,
    read as ``Rossi P Giorgi``: where a word stands before initials that stand before further
    words, the word before the initials may be the surname, and they its initials.
    """
    key = author_key(name)
    if key is None:
        return ()
    text = " ".join(normalize(name).split())
    if "," in text:
        last, _, given = text.partition(",")
        text = f"{given.replace(',', ' ')} {last}"
    words = _without_suffixes(text.split())
    at = next((i for i, w in enumerate(words) if i and _is_initials(w) and not _is_initials(words[i - 1])), None)
    if at is None or at == len(words) - 1 or _is_initials(words[-1]) or _is_corporate(words):
        return (key,)
    end = at
    while end < len(words) and _is_initials(words[end]):
        end += 1
    if end == len(words):
        return (key,)
    other = _key(words[:at], words[at:end])
    return (key,) if other is None or other == key else (key, other)


@functools.lru_cache(maxsize=_CACHE)
def _list_keys(names: tuple[str, ...]) -> tuple[tuple[tuple[str, str], ...], ...]:
    """The keys of a record's names (a record's list meets many candidates: cached)."""
    return tuple(k for k in map(_author_keys, names) if k)


def authors_match(a: Sequence[str], b: Sequence[str]) -> float | None:
    """The share of the shorter author list found in the other, None when a side names nobody.

    A name is found when a name of the other list has its surname and, where both give one,
    its first initial; each name of the other list is used once. Comparing first initials only
    lets ``J. M. Smith`` meet ``John Smith`` and ``Smith J``. A name that may be a surname
    broken at a comma (``Giorgi, Rossi P``) is also tried as that surname.
    """
    keys_a, keys_b = _list_keys(tuple(a or ())), _list_keys(tuple(b or ()))
    if not keys_a or not keys_b:
        return None
    # Names are paired greedily, in list order; asked both ways round (and the better kept),
    # the answer is the same for (b, a) as for (a, b).
    return max(_matched_share(keys_a, keys_b), _matched_share(keys_b, keys_a))


def _matched_share(keys_a, keys_b) -> float:
    short, long_ = (keys_a, keys_b) if len(keys_a) <= len(keys_b) else (keys_b, keys_a)
    by_surname: dict[str, list[tuple[int, str]]] = {}
    for index, keys in enumerate(long_):
        for surname, initials in keys:
            by_surname.setdefault(surname, []).append((index, initials[:1]))
    used: set[int] = set()
    found = 0
    for keys in short:
        pick = None
        for exact in (True, False):  # a name with the same first initial before one without
            for surname, initials in keys:
                first = initials[:1]
                pick = next((i for i, other in by_surname.get(surname, ()) if i not in used
                             and (other == first if exact else not other or not first)), None)
                if pick is not None:
                    break
            if pick is not None:
                break
        if pick is not None:
            used.add(pick)
            found += 1
    return found / len(short)


# --------------------------------------------------------------------------------------------
# Titles
# --------------------------------------------------------------------------------------------

_LANGUAGES = (
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
    rf"(?:(?:article |text |abstract |summary )?in )?(?:{_LANGUAGES})(?: (?:text|abstract|summary))?"
    rf"(?:(?:,| and|,? &| ?/) (?:{_LANGUAGES}))*(?: abstract| summary| text)?"
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


def _trailing_group(text: str) -> int | None:
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
        start = _trailing_group(text)
        if start is not None and start > 0 and _TITLE_NOTE_RE.fullmatch(text[start + 1:-1].strip(" .")):
            text = text[:start]
            continue
        if start == 0 and text[0] == "[":  # a translated title: "[Title in English]"
            text = text[1:-1]
            continue
        break
    return text.strip()


@functools.lru_cache(maxsize=_CACHE)
def _clean_title(title: str) -> str:
    text = normalize(title)
    if "<" in text:
        text = _TAG_RE.sub("", text)
    return _strip_notes(text)


@functools.lru_cache(maxsize=_CACHE)
def title_key(title: str | None) -> str:
    """The title as records are compared on: folded case and accents, no markup, no notes.

    HTML/XML tags and LaTeX markup go, a title wholly in brackets (MEDLINE's translated title)
    is unwrapped, and notes a database appends (``[Spanish]``, ``(author's transl)``,
    ``[Review] [45 refs]``, ``[Erratum appears in ...]``) are dropped, because another
    database's record of the same paper writes none of them. Punctuation becomes spaces.
    """
    if not title:
        return ""
    return _words_key(_clean_title(title))


_SUBTITLE_RE = re.compile(r"\s*(?::|\s[-\u2013\u2014]+|\u2014|--)\s+|(?<=[^\W\d_]{2})[.?!]\s+(?=\S)")
# Abbreviations whose period ends no sentence: "vs. placebo" is no subtitle.
_SHORT_WORDS_BEFORE_PERIOD = frozenset({
    "vs", "st", "dr", "mr", "mrs", "ms", "al", "eg", "ie", "etc", "no", "vol", "fig", "sp", "spp",
})


@functools.lru_cache(maxsize=_CACHE)
def main_title(title: str | None) -> str | None:
    """The :func:`title_key` of the part before a subtitle (``: ``, `` - ``, `` — ``, ``. ``),
    None for a title without one: a record that dropped the subtitle has this as its title."""
    if not title:
        return None
    text = _clean_title(title)
    for match in _SUBTITLE_RE.finditer(text):
        head = text[: match.start()]
        if "." in match.group() and _fold(head.split()[-1] if head.split() else "") in _SHORT_WORDS_BEFORE_PERIOD:
            continue
        key = _words_key(head)
        if key and key != _words_key(text):
            return key
    return None


# --------------------------------------------------------------------------------------------
# Parts of a series
# --------------------------------------------------------------------------------------------

_ROMAN = {r: i for i, r in enumerate(
    "i ii iii iv v vi vii viii ix x xi xii xiii xiv xv xvi xvii xviii xix xx".split(), start=1)}
_NUMBER_WORDS = {w: i for i, w in enumerate(
    "one two three four five six seven eight nine ten eleven twelve thirteen fourteen fifteen "
    "sixteen seventeen eighteen nineteen twenty".split(), start=1)}
_MARKER_NAMES = {
    "part": "part", "pt": "part", "volume": "volume", "vol": "volume", "case": "case",
    "chapter": "chapter", "section": "section", "supplement": "supplement", "suppl": "supplement",
    "supp": "supplement", "phase": "phase", "study": "study", "paper": "paper",
}
# After these, a number is a marker only when short or a capital: "Study 2000" is a name.
_STRICT_MARKERS = frozenset({"study", "paper", "phase", "case"})
_ROMAN_TEXT = r"(?=[ivx])(?:xx|x?(?:ix|iv|v?i{0,3}))"
_VALUE = rf"(?:\d{{1,4}}[a-z]?|{_ROMAN_TEXT}|{'|'.join(_NUMBER_WORDS)}|[a-z])"
_KEYWORD_RE = re.compile(
    rf"(?<![\w-])({'|'.join(sorted(_MARKER_NAMES, key=len, reverse=True))})(?:\b\.?\s*|(?=\d))"
    rf"({_VALUE}(?:(?:/|-|\s+(?:and|&)\s+){_VALUE})?)(?![\w-])",
    re.IGNORECASE | re.ASCII,
)
_VALUE_SPLIT_RE = re.compile(r"/|-|\s+(?:and|&)\s+", re.IGNORECASE)
# A capital roman numeral that enumerates: it ends the title, or opens a section before ": "
# or ". " ("... of the cervix. I: Experience with ...").
_BARE_ROMAN_RE = re.compile(r"(?:^|(?<=[\s.:;,]))((?=[IVX])(?:XX|X?(?:IX|IV|V?I{0,3})))(?=\s*[:.]\s|\s*[:.]?$)")
_WORD_RE = re.compile(r"[A-Za-z]+")
# Words before a numeral that make it part of a name, not a paper's number: "type I", "factor V".
_CLASSIFIERS = frozenset({
    "type", "types", "class", "grade", "grades", "stage", "stages", "factor", "complex", "cin",
    "level", "levels", "degree", "collagen", "angiotensin", "topoisomerase", "war", "category",
    "hla", "mhc", "site", "region", "zone", "form", "group", "generation", "chromosome",
    "receptor", "subtype", "genotype", "interferon", "tier", "classes", "king", "pope", "henry",
    "louis", "george", "charles", "elizabeth", "edward", "pius", "hemophilia", "haemophilia",
    "mucopolysaccharidosis", "glycogenosis", "osteogenesis", "neurofibromatosis", "arm",
    "vatican", "sector", "population", "tumor", "tumour", "neoplasia", "dysplasia", "lesion",
    "lesions", "sil", "ain", "vin", "pin", "gleason", "who", "figo", "nyha", "asa", *_MARKER_NAMES,
})


def _value(part: str, strict: bool) -> str | None:
    """One marker value as digits (roman numerals and number words read), or a capital letter.

    A lone letter must be a capital, so that "in case a patient" names no case; with ``strict``
    a number has at most two digits and a numeral or number word a capital.
    """
    low = part.lower()
    if low[:1].isdigit():
        digits = low.rstrip("abcdefghijklmnopqrstuvwxyz")
        if strict and len(digits) > 2:
            return None
        return str(int(digits)) + low[len(digits):]
    if strict and not part[:1].isupper():
        return None
    if low in _NUMBER_WORDS:
        return str(_NUMBER_WORDS[low])
    if low in _ROMAN:
        return str(_ROMAN[low])
    return low if len(low) == 1 and part.isupper() else None


def _marker_value(raw: str, strict: bool) -> str | None:
    """The value after a keyword: ``2``, ``II``, ``Two``, ``A``, or a pair ``I/II`` as ``1/2``."""
    values = [_value(p, strict) for p in _VALUE_SPLIT_RE.split(raw)]
    if None in values:
        return values[0]  # "Part 1 and a ...": the pair was not one
    return "/".join(v for v in values if v)


@functools.lru_cache(maxsize=_CACHE)
def part_markers(title: str | None) -> frozenset[str]:
    """What tells papers of one series apart: ``part 1``, ``volume 5``, ``case a``, ``phase 2``.

    Read from keywords (``Part I``, ``Pt. 2``, ``Vol. 5``, ``Case A``, ``Phase II``, ``Study 2``,
    ``Paper II``, ``Chapter``, ``Section``, ``Supplement``) and from a capital roman numeral that
    ends the title or opens a section (``Review II``, ``... cervix. I: Experience``), read as a
    part. Roman numerals and number words become digits. A numeral after a word that names a
    kind (``type I``, ``factor V``, ``CIN II``) and plain numbers (``HPV 16``, ``COVID-19``,
    ``type 2 diabetes``) are not markers. Two titles with different non-empty sets are
    different papers.
    """
    if not title:
        return frozenset()
    text = _clean_title(title)
    if not text.isascii():
        text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii")
    markers = set()
    for match in _KEYWORD_RE.finditer(text):
        keyword = match.group(1).lower()
        value = _marker_value(match.group(2), keyword in _STRICT_MARKERS)
        if value is not None:
            markers.add(f"{_MARKER_NAMES[keyword]} {value}")
    for match in _BARE_ROMAN_RE.finditer(text):
        numeral = match.group(1)
        if not numeral or numeral == "X":  # "syndrome X", "chromosome X"
            continue
        words_before = _WORD_RE.findall(text, 0, match.start())
        if words_before and words_before[-1].lower() in _CLASSIFIERS:
            continue
        if not words_before and match.end() == len(text):
            continue  # the title is only a numeral
        markers.add(f"part {_ROMAN[numeral.lower()]}")
    return frozenset(markers)


# --------------------------------------------------------------------------------------------
# Journals
# --------------------------------------------------------------------------------------------

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
        start = _trailing_group(text)
        if start is None or start == 0:
            break
        text = text[:start]
    cut = _JOURNAL_NOTES_RE.sub("", text)
    return cut if _words_key(cut) else text


def _journal_words(text: str) -> str:
    return " ".join(w for w in _words_key(text).split() if w not in _JOURNAL_STOP)


@functools.lru_cache(maxsize=_CACHE)
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


@functools.lru_cache(maxsize=_CACHE)
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


@functools.lru_cache(maxsize=_CACHE)
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


@functools.lru_cache(maxsize=_CACHE)
def _names_match(a: str, b: str) -> bool:
    (whole_a, head_a), (whole_b, head_b) = _journal_forms(a), _journal_forms(b)
    if not whole_a or not whole_b:
        return False
    pairs = [(x, y) for x in whole_a for y in whole_b]
    pairs += [(x, y) for x in head_a for y in whole_b] + [(x, y) for x in whole_a for y in head_b]
    return any(x[1] == y[1] and _journals_match(*sorted((x[0], y[0]))) for x, y in pairs)


# --------------------------------------------------------------------------------------------
# Identifiers
# --------------------------------------------------------------------------------------------

_ISBN_RE = re.compile(r"(?<![\dXx])(?:97[89][\s-]?)?(?:\d[\s-]?){9}[\dXx](?![\dXx])")
_PUBMED_URL_RE = re.compile(r"pubmed(?:\.ncbi\.nlm\.nih\.gov)?/+(?:\?term=)?(\d{1,9})\b", re.IGNORECASE)
_PMID_RE = re.compile(
    r"^\s*(?:pmid|pubmed(?:\s*id)?|medline)?\s*[:=#]?\s*(\d{1,9})(?:\s*\[.*\])?\s*\.?\s*$", re.IGNORECASE)


def _isbn13(digits9: str) -> str:
    body = "978" + digits9
    check = (10 - sum(int(d) * (3 if i % 2 else 1) for i, d in enumerate(body)) % 10) % 10
    return body + str(check)


def normalize_isbn(value: str | int | None) -> str | None:
    """An ISBN as its 13 digits, an ISBN-10 turned to its ISBN-13 so that both compare equal;
    None when the value holds no 10- or 13-digit ISBN. The first ISBN of a list is taken."""
    if value is None:
        return None
    for match in _ISBN_RE.finditer(str(value)):
        digits = re.sub(r"[\s-]", "", match.group()).upper()
        if len(digits) == 13 and digits.isdigit():
            return digits
        if len(digits) == 10 and digits[:9].isdigit():
            return _isbn13(digits[:9])
    return None


def normalize_pmid(value: str | int | None) -> str | None:
    """A PubMed id as its digits, from ``123``, ``PMID: 123`` or a PubMed address; None for
    anything else (a PMC id or a DOI is not a PMID)."""
    if value is None or isinstance(value, bool):
        return None
    text = str(value).strip()
    found = _PUBMED_URL_RE.search(text) or _PMID_RE.match(text)
    if not found:
        return None
    digits = found.group(1).lstrip("0")
    return digits or None
