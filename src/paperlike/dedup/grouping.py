"""Groups of texts that are one paper, from the verified pairs: groups that never chain.

Connected components alone chain: A joined to B and B to C puts A and C together even where a
veto keeps them apart (two DOIs, two page ranges of one journal volume). Here pairs are merged
strongest first (score, then the texts' keys, so the result does not depend on input order),
and a merge is refused when it would bring together two texts that a veto keeps apart: within
what the verified pairs connect, the groups are split by their strongest links.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np

from ..csr import sp
from ..records import Record, year_of

__all__ = ["COMPLETENESS_FIELDS", "coherent_groups", "components", "completeness", "completeness_of"]


def completeness(record: Record) -> tuple:
    """Sort key of how complete a record is; the most complete one stands for its paper.

    Titled beats untitled, then a longer abstract, more authors, a known year, a DOI, more
    bibliographic fields; the id breaks ties so the choice does not depend on input order.
    """
    return completeness_of(*(getattr(record, name) for name in COMPLETENESS_FIELDS))


# The fields :func:`completeness` reads, in the order :func:`completeness_of` takes them.
COMPLETENESS_FIELDS = ("title", "abstract", "authors", "date", "doi", "venue", "volume", "issue", "pages", "id")


def completeness_of(title: str | None, abstract: str | None, authors: list[str], date: str | None,
                    doi: str | None, venue: str | None, volume: str | None, issue: str | None,
                    pages: str | None, rid: str) -> tuple:
    """:func:`completeness` of a record given as its fields (:data:`COMPLETENESS_FIELDS`)."""
    return (
        title is not None,
        len(abstract or ""),
        len(authors),
        year_of(date) is not None,
        doi is not None,
        sum(1 for v in (venue, volume, issue, pages) if v),
        _reverse(rid),
    )


def _reverse(s: str) -> tuple:
    # Larger for the smaller string, a prefix ("x") above its extensions ("x#2").
    return tuple(-ord(c) for c in s) + (1,)


def components(n: int, pairs: np.ndarray) -> np.ndarray:
    """Group number of each of n items: connected components of the pairs, numbered in order
    of first item."""
    pairs = np.asarray(pairs, dtype=np.int64).reshape(-1, 2)
    graph = sp.coo_matrix((np.ones(len(pairs)), (pairs[:, 0], pairs[:, 1])), shape=(n, n))
    from scipy.sparse.csgraph import connected_components  # grouping only: not imported to query

    _, labels = connected_components(graph, directed=False)
    first_seen: dict[int, int] = {}
    return np.array([first_seen.setdefault(label, len(first_seen)) for label in labels.tolist()],
                    dtype=np.int64)


def coherent_groups(n: int, pairs: np.ndarray, scores: np.ndarray, keys: Sequence[str],
                    apart: Callable[[int, int], bool], labels: np.ndarray | None = None
                    ) -> tuple[np.ndarray, np.ndarray]:
    """Group number of each of n texts, and which pairs were used (a boolean per pair).

    ``pairs`` are the verified pairs with their ``scores``; ``keys`` a stable key of each text
    (its record's id) for ties; ``apart(a, b)`` is true when a veto keeps texts a and b apart.
    Merging strongest first, a pair whose two groups hold two texts kept apart is not used.
    Components whose texts no veto keeps apart are the connected components, unchanged.
    ``labels``, the pairs' connected components if computed elsewhere (any numbering: a
    distributed build's), are used to find the components to check instead of computing them.
    """
    pairs = np.asarray(pairs, dtype=np.int64).reshape(-1, 2)
    used = np.ones(len(pairs), dtype=bool)
    given = labels is not None and len(pairs) > 0
    if given:
        labels = np.unique(np.asarray(labels), return_inverse=True)[1].reshape(-1)
    else:
        labels = components(n, pairs)
    if not len(pairs):
        return labels, used
    # Only components of three or more texts can chain; a pair's own veto was already checked.
    sizes = np.bincount(labels)
    risky = np.flatnonzero(sizes[labels[pairs[:, 0]]] >= 3)
    if not len(risky):
        return (components(n, pairs) if given else labels), used
    members: dict[int, list[int]] = {}
    for t in np.flatnonzero(sizes[labels] >= 3).tolist():
        members.setdefault(int(labels[t]), []).append(t)
    if not any(apart(a, b) for group in members.values() for i, a in enumerate(group) for b in group[i + 1:]):
        return (components(n, pairs) if given else labels), used
    order = sorted(risky.tolist(), key=lambda k: (-float(scores[k]), *sorted((keys[pairs[k, 0]], keys[pairs[k, 1]]))))
    parent = list(range(n))
    group_of: dict[int, list[int]] = {}

    def find(x: int) -> int:
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    for k in order:
        a, b = find(int(pairs[k, 0])), find(int(pairs[k, 1]))
        if a == b:
            continue
        ga, gb = group_of.get(a, [a]), group_of.get(b, [b])
        if any(apart(x, y) for x in ga for y in gb):
            used[k] = False
            continue
        if len(ga) < len(gb):
            a, b, ga, gb = b, a, gb, ga
        parent[b] = a
        group_of[a] = ga + gb
        group_of.pop(b, None)
    # The merges made are the pairs used: their components are the groups.
    return components(n, pairs[used]), used
