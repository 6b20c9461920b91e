"""Text folded to plain lower-case letters, shared by the other field keys: case, accents and
Greek letters (``IFN-γ`` and ``IFN-gamma``) differ between exports of one record."""

from __future__ import annotations

import re
import unicodedata

# Size of each field's cache: keys run on every candidate pair, where values recur.
CACHE = 1 << 16

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


def fold(text: str) -> str:
    """Case and accents taken out: ``Pérez`` and ``PEREZ`` give ``perez``; Greek letters spelled."""
    if text.isascii():
        return text.lower()
    text = unicodedata.normalize("NFKD", text).casefold()
    text = unicodedata.normalize("NFKD", text)  # casefolding can make letters that decompose
    text = "".join(c for c in text if not unicodedata.combining(c))
    return text.translate(_LATIN_FOLD).translate(_GREEK)


def words_key(text: str) -> str:
    """Folded text with every run of punctuation and space made one space."""
    if text.isascii():  # the same in one translate: every byte but a letter or digit a space
        return b" ".join(text.encode("ascii").translate(_ASCII_KEY).split()).decode("ascii")
    return " ".join(_NON_WORD_RE.sub(" ", fold(text)).split())


# Lower case for a letter or digit, a space for any other byte (what fold and _NON_WORD_RE do).
_ASCII_KEY = bytes(b | 32 if chr(b).isalpha() and b < 128 else b if chr(b).isdigit() and b < 128 else 32
                   for b in range(256))
