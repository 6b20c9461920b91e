"""Bibliographic fields made comparable: pages, author names, titles, series parts, journals, ids.

Exports from MEDLINE, Embase, Web of Science, Scopus or a reference manager write one paper's
record in many forms (``91-2`` or ``91-92``; ``Zuna, R E`` or ``Zuna RE``; ``J Parenter Enteral
Nutr`` or ``Journal of Parenteral and Enteral Nutrition``; a translated title in brackets with
``[Spanish]`` after it). Each function takes one field to a key that is equal across those
forms, so that the duplicate finder compares the papers rather than the exports' habits. All
are pure and deterministic; the costly ones are cached, as they run on every candidate pair.
One module per field; this package imports only :mod:`paperlike.text`.
"""

from __future__ import annotations

from .authors import author_key, authors_match, split_author_list
from .ids import normalize_isbn, normalize_pmid
from .journals import journal_key, journals_match
from .pages import normalize_pages, page_range
from .parts import part_markers
from .titles import main_title, title_key

__all__ = [
    "normalize_pages", "page_range", "split_author_list", "author_key", "authors_match",
    "title_key", "main_title", "part_markers", "journal_key", "journals_match",
    "normalize_isbn", "normalize_pmid",
]
