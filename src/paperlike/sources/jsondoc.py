"""JSON inputs that come in three shapes: an API response, a JSON array, or JSON lines.

- an API response: one object holding the records in a list under a known key
  (``{"meta": ..., "results": [...]}``, ``{"total": ..., "data": [...]}``);
- a JSON array of records (``[{...}, {...}]``, pretty-printed or not);
- JSON lines: one record per line.

Every record comes with the 1-based line on which it starts in the file.
"""

from __future__ import annotations

import io
import itertools
import json
import re
from collections.abc import Iterator
from typing import BinaryIO

from ..errors import InputError
from ..models import Skipped
from .base import not_utf8

__all__ = ["json_records", "json_lines", "stream_json_lines", "count_lines", "looks_like_json"]

_WS_RE = re.compile(r"[ \t\n\r]*")


def broken_json(exc: json.JSONDecodeError) -> str:
    """What is wrong, and where on its line: "broken JSON (Unterminated string, column 5)".

    json's messages that end in "starting at" expect the position after them.
    """
    message = exc.msg.removesuffix(" starting at")
    return f"broken JSON ({message}, column {exc.colno})"


def looks_like_json(head: str, *markers: str) -> bool:
    """True if the text opens with an object or array and names one of the markers."""
    return head.lstrip()[:1] in ("{", "[") and any(marker in head for marker in markers)


def lines_of(text: str) -> Iterator[str]:
    """The lines of a text one by one: a large file is not copied into a list of lines."""
    start, size = 0, len(text)
    while start < size:
        stop = text.find("\n", start, size)
        if stop < 0:
            stop = size
        yield text[start:stop].rstrip("\r")
        start = stop + 1


def json_lines(text: str, path: str) -> Iterator[tuple[int, object] | Skipped]:
    """Each non-blank line decoded, with its line number; a Skipped for a broken line."""
    # surrogateescape: bytes that stdin could not decode come back as they were, and are
    # reported as not UTF-8 with their line
    return stream_json_lines(io.BytesIO(text.encode("utf-8", "surrogateescape")), path)


def stream_json_lines(stream: BinaryIO, path: str, start: int = 0, end: int | None = None,
                      first_line: int = 1) -> Iterator[tuple[int, object] | Skipped]:
    """Each non-blank line of a binary stream from byte ``start`` (a line's start, line
    ``first_line``) to byte ``end``, decoded, with its line number; a Skipped for a broken line.
    A large file is read a line at a time, never held whole. InputError naming the line if one
    is not UTF-8."""
    stream.seek(start)
    at = start
    for number, line in enumerate(stream, start=first_line):
        if end is not None and at >= end:
            return
        at += len(line)
        # Without its line break, as a line of the text: json's column of a line cut short
        # would otherwise be that of the break.
        line = (line[:-1] if line.endswith(b"\n") else line).rstrip(b"\r")
        if number == 1 and line.startswith(_BOM):
            line = line[len(_BOM):]
        try:
            text = line.decode("utf-8")
        except UnicodeDecodeError as exc:
            raise not_utf8(path, number, line[exc.start]) from None
        if not text.strip():
            continue
        try:
            yield number, json.loads(text)
        except json.JSONDecodeError as exc:
            yield Skipped(path=path, line=number, reason=broken_json(exc))


_BOM = "\ufeff".encode()


def count_lines(stream: BinaryIO, end: int) -> int:
    """How many line breaks the stream holds before byte ``end``."""
    stream.seek(0)
    count, left = 0, end
    while left > 0:
        chunk = stream.read(min(left, 1 << 24))
        if not chunk:
            break
        count += chunk.count(b"\n")
        left -= len(chunk)
    return count


def _is_json_lines(text: str) -> bool:
    """More than one line, and the first one is a whole JSON object by itself."""
    lines = list(itertools.islice((line for line in lines_of(text) if line.strip()), 2))
    if len(lines) < 2 or not lines[0].lstrip().startswith("{"):
        return False
    try:
        return isinstance(json.loads(lines[0]), dict)
    except json.JSONDecodeError:
        return False


def _skip_ws(text: str, pos: int) -> int:
    return _WS_RE.match(text, pos).end()


def _members(text: str, pos: int) -> Iterator[tuple[object, int]]:
    """The values of the array or object opening at ``pos``, each with its offset.

    Only called on text that has already been decoded whole, so it cannot meet an error.
    """
    decoder = json.JSONDecoder()
    closing = "]" if text[pos] == "[" else "}"
    pos = _skip_ws(text, pos + 1)
    while text[pos] != closing:
        if closing == "}":
            _, pos = decoder.raw_decode(text, pos)  # the key
            pos = _skip_ws(text, _skip_ws(text, pos) + 1)  # past the colon
        value, end = decoder.raw_decode(text, pos)
        yield value, pos
        pos = _skip_ws(text, end)
        if text[pos] == ",":
            pos = _skip_ws(text, pos + 1)


def _records_of_document(text: str, doc: object, list_keys: tuple[str, ...]
                         ) -> Iterator[tuple[object, int]]:
    start = _skip_ws(text, 0)
    if isinstance(doc, list):
        yield from _members(text, start)
        return
    if isinstance(doc, dict):
        key = next((k for k in list_keys if isinstance(doc.get(k), list)), None)
        if key is not None:
            # The list's offset: the n-th member of the object, in the file's order.
            n = list(doc).index(key)
            _, list_start = next(m for i, m in enumerate(_members(text, start)) if i == n)
            yield from _members(text, list_start)
            return
    yield doc, start


def json_records(text: str, path: str, list_keys: tuple[str, ...]
                 ) -> Iterator[tuple[int, object] | Skipped]:
    """Each record of a JSON input in any of the three shapes, with its 1-based line.

    A broken line of JSON lines is a Skipped; a broken JSON document is an InputError naming
    the file and the line, since nothing after the break can be read.
    """
    try:
        doc = json.loads(text)
    except json.JSONDecodeError as exc:
        if _is_json_lines(text):
            yield from json_lines(text, path)
            return
        raise InputError(
            f"{path}:{exc.lineno}: {broken_json(exc)}") from None
    line, counted = 1, 0
    for record, offset in _records_of_document(text, doc, list_keys):
        line += text.count("\n", counted, offset)
        counted = offset
        yield line, record
