"""Author names and lists compared across forms (``Zuna, R E``, ``Zuna RE``, ``R. E. Zuna``):
a list split into names, a name to its (surname, initials) key, and two lists matched."""

from __future__ import annotations

import functools
import html
import re
from collections.abc import Sequence

from ..text import normalize
from .fold import CACHE, fold

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
    return not token.isupper() and fold(token) in _PARTICLES


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


@functools.lru_cache(maxsize=CACHE)
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
    folded = fold(word)
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
    return len(parts) >= 2 and any(fold(_strip_token(p)) in _CORPORATE for p in parts)


@functools.lru_cache(maxsize=CACHE)
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


@functools.lru_cache(maxsize=CACHE)
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


@functools.lru_cache(maxsize=CACHE)
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
