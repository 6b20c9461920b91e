"""JSON inputs that come in three shapes: an API response, a JSON array, or JSON lines.

- an API response: one object holding the records in a list under a known key
  (``{"meta": ..., "results": [...]}``, ``{"total": ..., "data": [...]}``);
- a JSON array of records (``[{...}, {...}]``, pretty-printed or not);
- JSON lines: one record per line.

Every record comes with the 1-based line on which it starts in the file. Every input is
streamed: JSON lines a line at a time, a document (an array or an API response) a record at a
time, so that neither a file nor a record is ever held whole beyond the size a record may take.
All JSON is decoded by :func:`loads` (or, inside a document, by :func:`_value`), which limit
its nesting (JSON nested deeper than the stack allows would otherwise end the process) and
replace a lone surrogate (``"\\ud800"``, which JSON allows and UTF-8 cannot write) by U+FFFD.
"""

from __future__ import annotations

import codecs
import io
import json
import re
from collections.abc import Generator, Iterable, Iterator
from typing import BinaryIO

from ..errors import InputError
from ..records import Skipped
from .base import MAX_RECORD_BYTES, Oversized, byte_lines, line_text, not_utf8, too_big

__all__ = ["MAX_JSON_DEPTH", "BadJSON", "loads", "json_records", "json_lines", "stream_json_lines",
           "count_lines", "looks_like_json", "numbered_lines", "decoded_lines"]

# How deeply a record's JSON may nest: records nest 2 to 5 levels (OpenAlex's authorships'
# institutions' lineage); json's decoder recurses once a level and would exhaust the stack near
# 1000, and what took it deeper would make every later step recurse as deep.
MAX_JSON_DEPTH = 100
_TOO_DEEP = f"JSON nested deeper than {MAX_JSON_DEPTH} levels"


class BadJSON(ValueError):
    """JSON that cannot be read, and why (``reason``, a Skipped's reason as it is)."""

    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason


class _Beyond(BadJSON):
    """JSON beyond a limit (nesting, a number's digits) rather than broken."""


def broken_json(exc: json.JSONDecodeError) -> str:
    """What is wrong, and where on its line: "broken JSON (Unterminated string, column 5)".

    json's messages that end in "starting at" expect the position after them.
    """
    message = exc.msg.removesuffix(" starting at")
    return f"broken JSON ({message}, column {exc.colno})"


def _number_too_long(exc: ValueError) -> str:
    # "Exceeds the limit (4300 digits) for integer string conversion: value has 5000 digits; use ..."
    return f"JSON number too long ({str(exc).split(':')[0]})"


def loads(text: str) -> object:
    """``json.loads``, with its limits: BadJSON for broken JSON, for JSON nested deeper than
    MAX_JSON_DEPTH, and for an integer of more digits than Python converts. A lone surrogate
    in a string is U+FFFD."""
    try:
        value = json.loads(text)
    except json.JSONDecodeError as exc:
        raise BadJSON(broken_json(exc)) from None
    except RecursionError:
        raise _Beyond(_TOO_DEEP) from None
    except ValueError as exc:
        raise _Beyond(_number_too_long(exc)) from None
    if text.count("[") + text.count("{") > MAX_JSON_DEPTH and _deeper_than(value, MAX_JSON_DEPTH):
        raise _Beyond(_TOO_DEEP)
    return _repaired(value) if _SURROGATE_ESCAPE_RE.search(text) else value


# A surrogate's escape: json decodes a pair of them to one character, and one alone to a string
# that cannot be written as UTF-8 (saving a model of it failed).
_SURROGATE_ESCAPE_RE = re.compile(r"\\u[dD][89a-fA-F]")
_SURROGATE_RE = re.compile("[\ud800-\udfff]")


def _repaired(value: object) -> object:
    """The decoded value, each lone surrogate in its strings (keys too) made U+FFFD (it nests
    no deeper than MAX_JSON_DEPTH: this recursion is bounded)."""
    if isinstance(value, str):
        return _SURROGATE_RE.sub("\ufffd", value)
    if isinstance(value, list):
        return [_repaired(item) for item in value]
    if isinstance(value, dict):
        return {_repaired(key): _repaired(item) for key, item in value.items()}
    return value


def _deeper_than(value: object, limit: int) -> bool:
    """True if the decoded value nests more than ``limit`` lists and objects deep (a level at
    a time, without recursing)."""
    level = [value] if isinstance(value, (list, dict)) else []
    depth = 0
    while level:
        depth += 1
        if depth > limit:
            return True
        level = [child for v in level for child in (v.values() if isinstance(v, dict) else v)
                 if isinstance(child, (list, dict))]
    return False


def looks_like_json(head: str, *markers: str) -> bool:
    """True if the text opens with an object or array and names one of the markers."""
    return head.lstrip()[:1] in ("{", "[") and any(marker in head for marker in markers)


def json_lines(text: str, path: str, limit: int = MAX_RECORD_BYTES) -> Iterator[tuple[int, object] | Skipped]:
    """Each non-blank line decoded, with its line number; a Skipped for a broken line."""
    # surrogateescape: bytes that stdin could not decode come back as they were, and are
    # reported as not UTF-8 with their line
    return stream_json_lines(io.BytesIO(text.encode("utf-8", "surrogateescape")), path, limit=limit)


def stream_json_lines(stream: BinaryIO, path: str, start: int = 0, end: int | None = None,
                      first_line: int = 1, limit: int = MAX_RECORD_BYTES
                      ) -> Iterator[tuple[int, object] | Skipped]:
    """Each non-blank line of a binary stream from byte ``start`` (a line's start, line
    ``first_line``) to byte ``end``, decoded, with its line number; a Skipped for a broken
    line, and for a line over ``limit`` bytes (read past, never held). InputError naming the
    line if one is not UTF-8. A stream that cannot seek (standard input) is read from where
    it is."""
    return decoded_lines(numbered_lines(stream, start, end, first_line, limit), path, limit)


def numbered_lines(stream: BinaryIO, start: int = 0, end: int | None = None, first_line: int = 1,
                   limit: int = MAX_RECORD_BYTES) -> Iterator[tuple[int, bytes | Oversized]]:
    """The lines of :func:`stream_json_lines` as they are (each with its line break, or an
    Oversized), with their numbers."""
    if stream.seekable():
        stream.seek(start)
    at = start
    for number, line in enumerate(byte_lines(stream, limit), start=first_line):
        if end is not None and at >= end:
            return
        at += line.size if isinstance(line, Oversized) else len(line)
        yield number, line


def decoded_lines(lines: Iterable[tuple[int, bytes | Oversized]], path: str, limit: int = MAX_RECORD_BYTES
                  ) -> Iterator[tuple[int, object] | Skipped]:
    """Numbered lines (:func:`numbered_lines`) decoded as :func:`stream_json_lines` decodes them."""
    for number, line in lines:
        if isinstance(line, Oversized):
            if not line.blank:
                yield Skipped(path=path, line=number, reason=too_big(line.size, limit))
            continue
        # Without its line break, as a line of the text: json's column of a line cut short
        # would otherwise be that of the break.
        line = (line[:-1] if line.endswith(b"\n") else line).rstrip(b"\r")
        text = line_text(line, number, path)
        if not text.strip():
            continue
        try:
            yield number, loads(text)
        except BadJSON as exc:
            yield Skipped(path=path, line=number, reason=exc.reason)


def count_lines(stream: BinaryIO, end: int | None = None) -> int:
    """How many line breaks the stream holds before byte ``end`` (None: to its end)."""
    stream.seek(0)
    count, left = 0, end if end is not None else float("inf")
    while left > 0:
        chunk = stream.read(int(min(left, 1 << 24)))
        if not chunk:
            break
        count += chunk.count(b"\n")
        left -= len(chunk)
    return count


def _is_json_lines(stream: BinaryIO, limit: int) -> bool:
    """More than one non-blank line, and the first one a JSON object by itself (or a line
    that opens one and is too large or too deep to read). Leaves the stream at its start."""
    stream.seek(0)
    first = None
    try:
        for line in byte_lines(stream, limit):
            data = line.head if isinstance(line, Oversized) else line
            text = data.decode("utf-8", "replace").removeprefix("\ufeff")
            if line.blank if isinstance(line, Oversized) else not text.strip():
                continue
            if first is not None:
                return first
            if isinstance(line, Oversized):
                first = text.lstrip().startswith("{")
            elif not text.lstrip().startswith("{"):
                return False
            else:
                try:
                    first = isinstance(loads(text), dict)
                except _Beyond:
                    first = True
                except BadJSON:
                    first = False
            if not first:
                return False
        return False
    finally:
        stream.seek(0)


def json_records(stream: BinaryIO, path: str, list_keys: tuple[str, ...], limit: int = MAX_RECORD_BYTES
                 ) -> Iterator[tuple[int, object] | Skipped]:
    """Each record of a JSON input in any of the three shapes, with its 1-based line.

    A broken line of JSON lines is a Skipped; a broken JSON document is an InputError naming
    the file and the line, since nothing after the break can be read. A record over ``limit``
    bytes, or nested deeper than MAX_JSON_DEPTH, is a Skipped in either shape.
    """
    if _is_json_lines(stream, limit):
        return stream_json_lines(stream, path, limit=limit)
    return _document(_Window(stream, path, limit), path, list_keys, limit)


# --- A JSON document, a record at a time ----------------------------------------------------------

_CHUNK = 1 << 16
_DECODER = json.JSONDecoder()
_WS_RE = re.compile(r"[ \t\n\r]*")
# A JSON error this close to the end of the text read so far may be a token the end cut short.
_NEAR_END = 8
# Skipping a value without decoding it: what can open, close or end one, and a string's body.
_STRUCTURE_RE = re.compile(r'["\[\]{},]')
_STRING_BODY_RE = re.compile(r'[^"\\]*(?:\\.[^"\\]*)*', re.S)


class _Window:
    """The text of a binary stream, read and decoded a chunk at a time, of which the part
    before a position can be let go: positions are offsets in the whole text."""

    def __init__(self, stream: BinaryIO, path: str, limit: int):
        self.stream, self.path, self.limit = stream, path, limit
        self.decoder = codecs.getincrementaldecoder("utf-8-sig")()
        self.text, self.base, self.eof = "", 0, False
        # the line at offset `counted`, and the offset where that line starts
        self.line, self.counted, self.line_start = 1, 0, 0

    @property
    def end(self) -> int:
        return self.base + len(self.text)

    def more(self) -> bool:
        """Read the next chunk (as large as the text held, so that a value read again as it
        grows is read a bounded number of times); False at the end of the stream."""
        if self.eof:
            return False
        chunk = self.stream.read(max(_CHUNK, len(self.text)))
        try:
            text = self.decoder.decode(chunk, final=not chunk)
        except UnicodeDecodeError as exc:
            line = self.line_of(self.end) + exc.object.count(b"\n", 0, exc.start)
            raise not_utf8(self.path, line, exc.object[exc.start]) from None
        self.eof = not chunk
        self.text += text
        return bool(chunk)

    def at(self, pos: int) -> str:
        """The character at ``pos``; "" at the end of the text."""
        while pos >= self.end:
            if not self.more():
                return ""
        return self.text[pos - self.base]

    def skip_ws(self, pos: int) -> int:
        """The position of the first character at or after ``pos`` that is not white space.
        A run of it longer than a record may be is let go as it is read (a record holding it
        is over the limit anyway)."""
        while True:
            rel = _WS_RE.match(self.text, pos - self.base).end()
            if rel < len(self.text):
                return self.base + rel
            pos = self.base + rel
            if len(self.text) > self.limit:
                self.drop(pos)
            if not self.more():
                return pos

    def line_of(self, pos: int) -> int:
        """The 1-based line of ``pos`` (at or after the text held; counted once, forwards)."""
        if pos < self.counted:
            return self.line - self.text.count("\n", pos - self.base, self.counted - self.base)
        start, stop = self.counted - self.base, pos - self.base
        breaks = self.text.count("\n", start, stop)
        if breaks:
            self.line += breaks
            self.line_start = self.base + self.text.rindex("\n", start, stop) + 1
        self.counted = pos
        return self.line

    def drop(self, pos: int) -> None:
        """Let go of the text before ``pos``."""
        self.line_of(pos)
        self.text = self.text[pos - self.base:]
        self.base = pos

    def error(self, pos: int, message: str) -> InputError:
        """A broken document: InputError naming the file, the line and the column."""
        line = self.line_of(max(pos, self.counted))
        column = max(pos, self.counted) - self.line_start + 1
        return InputError(f"{self.path}:{line}: broken JSON ({message.removesuffix(' starting at')}, "
                          f"column {column})")


def _value(w: _Window, pos: int, limit: int) -> tuple[object, int, str | None]:
    """The JSON value at ``pos`` in the document: (value, end, None), or (None, end, reason)
    for a value over ``limit`` bytes or nested too deep, read past without being decoded.
    InputError if the document is broken there."""
    while True:
        rel, text = pos - w.base, w.text
        try:
            value, end = _DECODER.raw_decode(text, rel)
        except json.JSONDecodeError as exc:
            cut_short = exc.pos >= len(text) - _NEAR_END or exc.msg.startswith("Unterminated string")
            if w.eof or not cut_short:
                raise w.error(w.base + exc.pos, exc.msg) from None
        except RecursionError:
            end, _ = _skip_value(w, pos)
            return None, end, _TOO_DEEP
        except ValueError as exc:
            end, _ = _skip_value(w, pos)
            return None, end, _number_too_long(exc)
        else:
            if end < len(text) or w.eof:  # else a number may go on in the next chunk
                size = end - rel
                if size > limit // 4:  # a character is up to four bytes
                    size = len(text[rel:end].encode("utf-8"))
                if size > limit:
                    return None, w.base + end, too_big(size, limit)
                if (text.count("[", rel, end) + text.count("{", rel, end) > MAX_JSON_DEPTH
                        and _deeper_than(value, MAX_JSON_DEPTH)):
                    return None, w.base + end, _TOO_DEEP
                if _SURROGATE_ESCAPE_RE.search(text, rel, end):
                    value = _repaired(value)
                return value, w.base + end, None
        if len(text) - rel > limit:  # more characters than the value may have bytes
            end, size = _skip_value(w, pos)
            return None, end, too_big(size, limit)
        w.more()


def _skip_value(w: _Window, pos: int) -> tuple[int, int]:
    """The end of the JSON value at ``pos`` and its size in bytes, found from its brackets and
    strings alone, a chunk at a time, the text read let go (for a value too large or too deep
    to decode). At a broken value, where it seems to end; the caller finds the break."""
    depth, in_string, size = 0, False, 0
    i = pos - w.base
    while True:
        text = w.text
        while i < len(text):
            if in_string:
                i = _STRING_BODY_RE.match(text, i).end()
                if i == len(text) or text[i] != '"':  # the end of the text, or a \ at its end
                    break
                in_string = False
                i += 1
                if depth == 0:
                    return w.base + i, size + len(text[:i].encode("utf-8"))
                continue
            match = _STRUCTURE_RE.search(text, i)
            if match is None:
                i = len(text)
                break
            char, i = match.group(), match.end()
            if char == '"':
                in_string = True
            elif char in "[{":
                depth += 1
            elif depth == 0:  # a "," or the container's end after a value that is not a container
                i = match.start()
                return w.base + i, size + len(text[:i].encode("utf-8"))
            elif char != ",":
                depth -= 1
                if depth == 0:
                    return w.base + i, size + len(text[:i].encode("utf-8"))
        size += len(text[:i].encode("utf-8"))
        w.drop(w.base + i)
        i = 0
        if not w.more():
            return w.end, size + len(w.text.encode("utf-8"))


def _array(w: _Window, pos: int, path: str, limit: int
           ) -> Generator[tuple[int, object] | Skipped, None, int]:
    """The members of the array opening at ``pos``, each with its line; returns its end."""
    pos = w.skip_ws(pos + 1)
    if w.at(pos) == "]":
        return pos + 1
    while True:
        line = w.line_of(pos)
        value, end, problem = _value(w, pos, limit)
        yield Skipped(path=path, line=line, reason=problem) if problem else (line, value)
        if end - w.base > _CHUNK:
            w.drop(end)
        pos = w.skip_ws(end)
        char = w.at(pos)
        if char == ",":
            pos = w.skip_ws(pos + 1)
        elif char == "]":
            return pos + 1
        else:
            raise w.error(pos, "Expecting ',' delimiter")


def _object(w: _Window, pos: int, path: str, list_keys: tuple[str, ...], limit: int
            ) -> Generator[tuple[int, object] | Skipped, None, int]:
    """The records of the object opening at ``pos``: the members of its list under one of
    ``list_keys``, else the object itself; returns its end."""
    start, line, found, inner = pos, w.line_of(pos), False, None
    pos = w.skip_ws(pos + 1)
    if w.at(pos) == "}":
        pos += 1
    else:
        while True:
            if w.at(pos) != '"':
                raise w.error(pos, "Expecting property name enclosed in double quotes")
            key, pos, _ = _value(w, pos, limit)
            pos = w.skip_ws(pos)
            if w.at(pos) != ":":
                raise w.error(pos, "Expecting ':' delimiter")
            pos = w.skip_ws(pos + 1)
            if not found and key in list_keys and w.at(pos) == "[":
                found = True
                pos = yield from _array(w, pos, path, limit)
            else:
                _, pos, problem = _value(w, pos, limit)
                inner = inner or problem
            pos = w.skip_ws(pos)
            char = w.at(pos)
            if char == ",":
                pos = w.skip_ws(pos + 1)
            elif char == "}":
                pos += 1
                break
            else:
                raise w.error(pos, "Expecting ',' delimiter")
    if not found:  # the object is the one record
        if inner or w.base > start:  # a value of it too deep, or too large to hold
            value, problem = None, inner or too_big(pos - start, limit)
        else:
            value, _, problem = _value(w, start, limit)
        yield Skipped(path=path, line=line, reason=problem) if problem else (line, value)
    return pos


def _document(w: _Window, path: str, list_keys: tuple[str, ...], limit: int
              ) -> Iterator[tuple[int, object] | Skipped]:
    pos = w.skip_ws(0)
    char = w.at(pos)
    if char == "[":
        pos = yield from _array(w, pos, path, limit)
    elif char == "{":
        pos = yield from _object(w, pos, path, list_keys, limit)
    else:  # a document of one value that is not a record (or nothing: json says what it expects)
        line = w.line_of(pos)
        value, pos, problem = _value(w, pos, limit)
        yield Skipped(path=path, line=line, reason=problem) if problem else (line, value)
    pos = w.skip_ws(pos)
    if w.at(pos):
        raise w.error(pos, "Extra data")
