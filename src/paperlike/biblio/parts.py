"""Part markers in titles (``Part II``, ``Study 3``): two papers of one series share nearly
all their words, and only the marker says they are two papers."""

from __future__ import annotations

import functools
import re
import unicodedata

from .fold import CACHE
from .titles import clean_title

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


@functools.lru_cache(maxsize=CACHE)
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
    text = clean_title(title)
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
