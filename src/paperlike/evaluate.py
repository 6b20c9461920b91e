"""Measuring duplicate detection against ground truth: pairwise and B-cubed scores.

Ground truth is a labelling of records: either a field that names the paper (``id`` for the
arXiv crawl, where one arXiv id is one paper) or a file of matching pairs (``matches.csv`` of
DBLP-ACM), whose connected components are the papers.
"""

from __future__ import annotations

import csv
import time
from collections import Counter
from collections.abc import Hashable, Sequence
from pathlib import Path

import numpy as np

from . import identifiers
from .arguments import checked
from .csr import sp
from .errors import InputError
from .records import Model, Record

__all__ = ["DupeScores", "score_grouping", "truth_from_field", "truth_from_pairs", "truth_from_groups", "base_id",
           "labels_from_pairs"]


class DupeScores(Model):
    """How a grouping of records compares with the truth."""

    records: int
    true_pairs: int
    predicted_pairs: int
    correct_pairs: int
    precision: float
    recall: float
    f1: float
    bcubed_precision: float
    bcubed_recall: float
    bcubed_f1: float
    seconds: float | None = None
    threshold: float | None = None
    unread: int = 0


def _f1(p: float, r: float) -> float:
    return 2 * p * r / (p + r) if p + r else 0.0


def _pairs(n: int) -> int:
    return n * (n - 1) // 2


def score_grouping(predicted: Sequence[Hashable], truth: Sequence[Hashable]) -> DupeScores:
    """Pairwise precision/recall/F1 (over pairs of records placed together) and B-cubed."""
    if len(predicted) != len(truth):
        raise ValueError("predicted and truth label different numbers of records")
    n = len(truth)
    cells = Counter(zip(predicted, truth))
    sizes_p, sizes_t = Counter(predicted), Counter(truth)
    correct = sum(_pairs(c) for c in cells.values())
    pred_pairs = sum(_pairs(c) for c in sizes_p.values())
    true_pairs = sum(_pairs(c) for c in sizes_t.values())
    precision = correct / pred_pairs if pred_pairs else 1.0
    recall = correct / true_pairs if true_pairs else 1.0
    b_p = sum(c * c / sizes_p[p] for (p, _), c in cells.items()) / n if n else 1.0
    b_r = sum(c * c / sizes_t[t] for (_, t), c in cells.items()) / n if n else 1.0
    return DupeScores(
        records=n, true_pairs=true_pairs, predicted_pairs=pred_pairs, correct_pairs=correct,
        precision=round(precision, 6), recall=round(recall, 6), f1=round(_f1(precision, recall), 6),
        bcubed_precision=round(b_p, 6), bcubed_recall=round(b_r, 6), bcubed_f1=round(_f1(b_p, b_r), 6),
    )


def base_id(record: Record) -> str:
    """The record's id before paperlike made it unique (``2503.11731#2`` -> ``2503.11731``)."""
    return identifiers.base_id(record.id)


def _ids(record: Record) -> list[str]:
    """The ids a truth file may name a record by: its own, and the input's where an arXiv id or
    a DOI became the record's id."""
    given = record.extra.get("input_id")
    return [base_id(record)] + ([given] if isinstance(given, str) and given != base_id(record) else [])


@checked
def truth_from_field(records: Sequence[Record], field: str) -> list[Hashable]:
    """Truth labels from a field naming the paper; a record without it is a paper of its own."""
    labels: list[Hashable] = []
    for i, record in enumerate(records):
        value = base_id(record) if field == "id" else getattr(record, field, None)
        if value is None:
            value = record.extra.get(field)
        labels.append(("field", str(value)) if value not in (None, "", []) else ("alone", i))
    if all(label[0] == "alone" for label in labels):
        raise InputError(f"no record has the truth field {field!r}; name a field the records have")
    return labels


@checked
def truth_from_pairs(records: Sequence[Record], path: str | Path) -> list[Hashable]:
    """Truth labels from a CSV of matching id pairs (header row, first two columns)."""
    path = Path(path)
    index = {}
    for i, record in enumerate(records):
        for key in _ids(record):
            index.setdefault(key, []).append(i)
    pairs: list[tuple[int, int]] = []
    try:
        rows = list(csv.reader(path.read_text(encoding="utf-8").splitlines()))
    except FileNotFoundError:
        raise InputError(f"{path}: no such file; give the CSV of matching pairs") from None
    except UnicodeDecodeError:
        raise InputError(f"{path}: not UTF-8; convert it to UTF-8") from None
    matched = 0
    for line, row in enumerate(rows[1:], start=2):
        if not row:
            continue
        if len(row) < 2:
            raise InputError(f"{path}:{line}: expected two ids separated by a comma")
        a, b = index.get(row[0].strip(), []), index.get(row[1].strip(), [])
        if a and b:
            matched += 1
            pairs.extend((a[0], x) for x in a + b)
    if not matched:
        raise InputError(f"{path}: none of its pairs names two records of the input; "
                         "check that the ids are the records' ids")
    return labels_from_pairs(len(records), pairs).tolist()


@checked
def truth_from_groups(records: Sequence[Record], path: str | Path) -> tuple[list[Hashable], list[Hashable]]:
    """Truth labels from a file of duplicate groups, one group a line, ids joined by ``;``
    (bib-dedupe's ``merged_record_ids.csv``; a header line ``merged_ids`` is skipped). Ids the
    file names that are not among the records (records the readers skipped) come back as the
    second list, one label each, so that scores still count their pairs."""
    path = Path(path)
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except FileNotFoundError:
        raise InputError(f"{path}: no such file; give the file of duplicate groups") from None
    except UnicodeDecodeError:
        raise InputError(f"{path}: not UTF-8; convert it to UTF-8") from None
    group_of: dict[str, int] = {}
    for line, text in enumerate(lines, start=1):
        ids = [i.strip().strip('"').strip() for i in text.strip().strip('"').split(";")]
        ids = [i for i in ids if i]
        if line == 1 and ids == ["merged_ids"]:
            continue
        for i in ids:
            if i in group_of:
                raise InputError(f"{path}:{line}: id {i!r} is in two groups; each id belongs to one")
            group_of[i] = line
    seen = set()
    labels: list[Hashable] = []
    for k, record in enumerate(records):
        keys = _ids(record)
        seen.update(keys)
        group = next((group_of[key] for key in keys if key in group_of), None)
        labels.append(("group", group) if group is not None else ("alone", k))
    if not any(label[0] == "group" for label in labels):
        raise InputError(f"{path}: none of its ids is the id of a record of the input; "
                         "check that the ids are the records' ids")
    missing = [("group", g) for i, g in group_of.items() if i not in seen]
    return labels, missing


def labels_from_pairs(n: int, pairs: Sequence[tuple[int, int]]) -> np.ndarray:
    """One label per item 0..n-1: the connected component the pairs put it in."""
    edges = np.asarray(pairs, dtype=np.int64).reshape(-1, 2)
    graph = sp.coo_array((np.ones(len(edges), dtype=np.int8), (edges[:, 0], edges[:, 1])),
                      shape=(n, n))
    from scipy.sparse.csgraph import connected_components  # evaluating only: not imported to query

    return connected_components(graph, directed=False)[1]


class Timer:
    """Wall-clock seconds of a block."""

    def __enter__(self) -> Timer:
        self.start = time.perf_counter()
        return self

    def __exit__(self, *exc: object) -> None:
        self.seconds = time.perf_counter() - self.start
