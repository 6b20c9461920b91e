"""Answers as tools read them: rows for JSON lines and CSV, the fields a tool asks for.

The command line prints the documented JSON shapes whole (``--format json``) or their rows
(results, records, group members: ``jsonl``, ``csv``). This module makes those rows:

- ``--fields a,b,c`` keeps those fields of each row (each result of a JSON answer), in that
  order; a field a row does not have is a usage error that names the ones it has.
- CSV has no JSON in a cell: a nested object becomes columns of its own (``source.path``,
  ``source.line``, ``extra.pdf``), a list of plain values one cell joined by ``"; "``, a list
  of objects one cell of ``key: value`` pairs; the header is printed even when there is no row,
  from the fields of the rows' model.
"""

from __future__ import annotations

import csv
import io
import types
import typing
from collections.abc import Iterable, Sequence
from typing import Any

from pydantic import BaseModel

from .errors import UsageError

__all__ = ["parse_fields", "pick", "pick_answer", "model_columns", "csv_text", "flatten", "csv_cell"]


def parse_fields(text: str | None, known: Sequence[str]) -> list[str] | None:
    """The fields ``--fields a,b,c`` names, checked against the ``known`` ones (None: all)."""
    if text is None:
        return None
    fields = [f.strip() for f in text.split(",") if f.strip()]
    if not fields:
        raise UsageError("--fields names no field; give some of " + ", ".join(known))
    unknown = [f for f in fields if f not in known]
    if unknown:
        raise UsageError(f"--fields: unknown field {unknown[0]!r}; choose among {', '.join(known)}")
    return list(dict.fromkeys(fields))


def pick(row: dict, fields: Sequence[str] | None, keep: Sequence[str] = ()) -> dict:
    """The row with only ``keep`` (context columns such as a batch's line) and ``fields``."""
    if fields is None:
        return row
    return {**{k: row[k] for k in keep if k in row}, **{f: row.get(f) for f in fields}}


def pick_answer(data: Any, fields: Sequence[str] | None) -> Any:
    """A whole JSON answer with ``fields`` kept of each of its results: the items of its
    ``results`` (and of an ``answer``'s), or of the list it is."""
    if fields is None:
        return data
    if isinstance(data, list):
        return [pick_answer(item, fields) if isinstance(item, dict) and ("results" in item or "answer" in item)
                else pick(item, fields) for item in data]
    if isinstance(data, dict):
        out = dict(data)
        if isinstance(out.get("results"), list):
            out["results"] = [pick(r, fields) for r in out["results"]]
        if isinstance(out.get("answer"), dict):
            out["answer"] = pick_answer(out["answer"], fields)
        return out
    return data


def model_columns(model: type[BaseModel], prefix: str = "") -> list[str]:
    """The CSV columns of a model's rows: its fields, a nested model's as ``name.field`` (a
    mapping's, such as ``extra``, are the keys the rows have)."""
    columns = []
    for name, info in model.model_fields.items():
        if typing.get_origin(info.annotation) is dict:
            continue  # an open mapping (extra): its keys are the rows' own columns
        nested = _nested_model(info.annotation)
        if nested is not None:
            columns += model_columns(nested, f"{prefix}{name}.")
        else:
            columns.append(prefix + name)
    return columns


def _nested_model(annotation: Any) -> type[BaseModel] | None:
    """The model a field holds (``Source | None`` holds Source), if it holds one."""
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    if typing.get_origin(annotation) in (typing.Union, types.UnionType):
        models = [a for a in typing.get_args(annotation) if isinstance(a, type) and issubclass(a, BaseModel)]
        return models[0] if len(models) == 1 else None
    return None


def flatten(row: dict, prefix: str = "") -> dict:
    """A row with its nested objects as dotted columns (``source.path``); other values kept."""
    out: dict = {}
    for key, value in row.items():
        if isinstance(value, dict):
            out.update(flatten(value, f"{prefix}{key}."))
        else:
            out[prefix + key] = value
    return out


def csv_cell(value: object) -> str:
    """One CSV cell: nothing for null, a list joined by "; " (objects in it as ``key: value``
    pairs joined by ", "), a number or text as it is."""
    if value is None:
        return ""
    if isinstance(value, dict):
        return ", ".join(f"{k}: {csv_cell(v)}" for k, v in flatten(value).items())
    if isinstance(value, (list, tuple)):
        return "; ".join(csv_cell(v) for v in value)
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def csv_text(rows: Iterable[dict], columns: Sequence[str] = ()) -> str:
    """The rows as CSV with a header: ``columns`` first (all of them, even when no row has
    them, so that an empty answer still has its header), then any other column the rows have."""
    rows = [flatten(r) for r in rows]
    header = list(dict.fromkeys([*columns, *(k for r in rows for k in r)]))
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(header)
    for row in rows:
        writer.writerow([csv_cell(row.get(c)) for c in header])
    return out.getvalue()
