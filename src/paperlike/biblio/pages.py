"""Page ranges in one form (``91-2``, ``pp. 91–92`` and ``91-92`` alike), and their first and
last page, which locate a paper in a journal issue."""

from __future__ import annotations

import functools
import re

from ..text import normalize
from .fold import CACHE

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


@functools.lru_cache(maxsize=CACHE)
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
