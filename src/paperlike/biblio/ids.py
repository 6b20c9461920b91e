"""ISBN and PubMed ids in one form each, so that identifiers written differently compare equal."""

from __future__ import annotations

import re

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
