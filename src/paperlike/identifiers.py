"""Paper identifiers as people paste them: arXiv ids and URLs, DOIs and their URLs, and links.

A leaf: it imports nothing of paperlike. Every reader, the query resolver and the result
builder read identifiers here, so that ``https://arxiv.org/pdf/2602.04043v2.pdf``,
``arXiv:2602.04043`` and ``2602.04043`` are one id everywhere, and so are
``https://dx.doi.org/10.1000/XYZ``, ``doi:10.1000/xyz`` and ``10.1000/xyz``.

    >>> arxiv_id("https://arxiv.org/abs/2602.04043v2")
    '2602.04043'
    >>> arxiv_id("http://export.arxiv.org/pdf/hep-th/9901001v3.pdf")
    'hep-th/9901001'
    >>> doi("https://dx.doi.org/10.1145/3292500.3330701")
    '10.1145/3292500.3330701'
    >>> doi("https://doi.org/10.1000%2FABC")
    '10.1000/abc'
    >>> arxiv_date("2102.05231"), arxiv_date("hep-th/9901001")
    ('2021-02', '1999-01')
    >>> base_id("2102.05231#2"), base_id("10.1000/xyz")
    ('2102.05231', '10.1000/xyz')
    >>> paper_url("2102.05231", None), paper_url(None, "10.1000/x<1>")
    ('https://arxiv.org/abs/2102.05231', 'https://doi.org/10.1000/x%3C1%3E')
"""

from __future__ import annotations

import re
from urllib.parse import quote, unquote

__all__ = ["arxiv_id", "doi", "base_id", "arxiv_in", "arxiv_date", "paper_url", "arxiv_url", "doi_url"]

_ARXIV_CORE = r"(?P<id>\d{4}\.\d{4,5}|[a-z\-]+(?:\.[A-Z]{2})?/\d{7})"
_ARXIV_ID_RE = re.compile(
    r"^(?:arxiv:\s*|(?:https?://)?(?:www\.|export\.)?arxiv\.org/(?:abs|pdf|html|format)/)?"
    + _ARXIV_CORE + r"(?:v\d+)?(?:\.pdf)?/?(?:[?#].*)?$", re.I)
_DOI_RE = re.compile(
    r"^(?:(?:https?://)?(?:www\.|dx\.)?doi\.org/|doi:\s*|doi\s+)?(10\.\d{4,9}/\S+)$", re.I)
# An arXiv id inside a longer text: an abs/pdf URL, "arXiv:2109.14420 [cs]", or arXiv's own DOI
# (10.48550/arXiv.2109.14420) that Zotero, OpenAlex and Semantic Scholar give preprints.
_ARXIV_IN_RE = re.compile(
    r"(?:arxiv\.org/(?:abs|pdf)/|arxiv[:.]\s*)" + _ARXIV_CORE + r"(?:v\d+)?(?![\d/])", re.I)


def base_id(record_id: str) -> str:
    """A record's id as its input gave it: without the ``#2``, ``#3`` that tell apart records
    given one id (``paperlike.sources.with_unique_ids``, and ``add``)."""
    return record_id.split("#", 1)[0]


def arxiv_id(value: str | None) -> str | None:
    """The arXiv identifier without its version, if value is one: a bare id (``2602.04043``,
    ``hep-th/9901001``), with a version, with ``arXiv:``, or an arXiv abs/pdf/html URL (with
    ``.pdf``, a version, a query or a fragment)."""
    match = _ARXIV_ID_RE.match((value or "").strip())
    return match.group("id") if match else None


def doi(value: str | None) -> str | None:
    """The bare DOI, lower-cased (DOIs are case-insensitive), if value is one: ``10.x/y``,
    ``doi:10.x/y``, or a doi.org / dx.doi.org URL (percent-escapes decoded)."""
    value = (value or "").strip()
    if "%" in value and "doi.org/" in value.lower():  # a URL's escapes (10.1000%2Fxyz)
        value = unquote(value)
    match = _DOI_RE.match(value)
    return match.group(1).lower() if match else None


def arxiv_in(*values: str | None) -> str | None:
    """The first arXiv id (without version) that any of the texts names, if any."""
    for value in values:
        match = _ARXIV_IN_RE.search(value or "") if isinstance(value, str) else None
        if match:
            return match.group("id")
    return None


def arxiv_date(value: str | None) -> str | None:
    """The month an arXiv id was given (``YYYY-MM``): its first submission's month, which the
    id encodes (``2102.05231``: 2021-02; ``hep-th/9901001``: 1999-01). None for anything else."""
    found = arxiv_id(value)
    if not found:
        return None
    digits = found.split("/")[-1] if "/" in found else found.split(".")[0]
    yy, mm = int(digits[:2]), int(digits[2:4])
    if not 1 <= mm <= 12:
        return None
    if "/" in found:  # the old scheme ran from 1991 to March 2007
        year = 1900 + yy if yy >= 91 else 2000 + yy
    else:  # the new scheme began in April 2007
        year = 2000 + yy
        if year < 2007:
            return None
    return f"{year}-{mm:02d}"


def arxiv_url(identifier: str) -> str:
    """The arXiv abstract page of an arXiv id."""
    return f"https://arxiv.org/abs/{identifier}"


def doi_url(identifier: str) -> str:
    """The doi.org link of a DOI, escaped as a URL needs."""
    return "https://doi.org/" + quote(identifier, safe="/:;()._-")


def paper_url(arxiv: str | None, doi_value: str | None) -> str | None:
    """The link to cite a paper by: its arXiv abstract page, else its doi.org link."""
    found = arxiv_id(arxiv)
    if found:
        return arxiv_url(found)
    found = doi(doi_value)
    return doi_url(found) if found else None
