"""The arXiv JSON-lines reader a block at a time into columns (paperlike.sources.arxiv_columns)
makes what the line-by-line reader makes: the same records, skips, messages and errors."""

from __future__ import annotations

import io
import json

import pyarrow as pa
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from paperlike.columns import rows_batch
from paperlike.errors import InputError
from paperlike.sources import arxiv, arxiv_columns, read_records

PATH = "in.jsonl"


def _outcome(read, data: bytes) -> tuple[list, str | None]:
    """What a reader gives of the data, as plain values: each record as the columns hold it (a
    batch's rows one by one), each Skipped, and the error that ended the reading, if any."""
    items: list = []
    try:
        for item in read(io.BytesIO(data), PATH):
            if isinstance(item, pa.RecordBatch):
                items += item.to_pylist()
            elif isinstance(item, tuple):
                items += rows_batch([item]).to_pylist()
            else:
                items.append(item)
    except InputError as exc:
        return items, f"{type(exc).__name__}: {exc}"
    return items, None


def _same(data: bytes, block_lines: int = arxiv_columns.BLOCK_LINES) -> list:
    lines, error = _outcome(arxiv.read_stream, data)
    in_blocks = _outcome(lambda stream, path: arxiv_columns.read_stream(stream, path, block_lines=block_lines), data)
    assert in_blocks == (lines, error)
    return lines


_words = st.sampled_from(["graph", "Neural", "the", "of", "NETWORKS", "é", "naïve", "ﬁeld", "&amp;", "&", "$x^2$",
                          "{\\em deep}", "\\'e", "x-\n", "- \n", "  ", " ", "\n", "\t", "\x1c", "\x00", "\x7f", "",
                          "“quoted”", "10.1000/XYZ", "arXiv:2101.00001v2", "—", "\u2028", "\ud800"])
_text = st.lists(_words, max_size=8).map(" ".join) | _words
_texts = st.one_of(st.none(), _text, st.integers(-5, 10**6), st.booleans(), st.floats(allow_nan=False),
                   st.lists(_text, max_size=2))
_ids = st.one_of(st.none(), st.sampled_from(["2101.00001", "2101.00001v3", "hep-th/9901001", "arXiv:1706.03762",
                                             "https://arxiv.org/abs/2102.05231", "10.1145/3292500.3330701",
                                             "doi:10.48550/arXiv.2401.00001", "W12345", "syn.001", "", " x ",
                                             "Ünïcode"]), st.integers(0, 99), _text)
_names = st.one_of(st.none(), st.lists(st.one_of(st.none(), _text), max_size=4), _text, st.integers())
_dates = st.one_of(st.none(), st.sampled_from(["2021-03-04T10:00:00Z", "2021-03", "2021", "March 2021", "", "x",
                                               "2021-13-40", "²⁰²¹"]), st.integers(1990, 2030))
_versions = st.one_of(st.none(), st.just([]), st.just("v1"),
                      st.lists(st.fixed_dictionaries({"created": st.one_of(
                          st.sampled_from(["Mon, 2 Apr 2007 19:18:42 GMT", "not a date", ""]), st.none(),
                          st.integers())}), min_size=1, max_size=2))
_extra = st.one_of(st.none(), st.just(""), st.just([]), st.just({}), st.integers(), _text,
                   st.dictionaries(st.sampled_from(["a", "b"]), st.integers(), max_size=2))
_fields = {
    "id": _ids, "title": _texts, "summary": _texts, "abstract": _texts, "authors": _names, "categories": _names,
    "doi": st.one_of(st.none(), st.sampled_from(["10.1/ABC", "doi:10.2/x", "https://doi.org/10.3%2Fy", "nope"])),
    "journal-ref": _texts, "venue": _texts, "published": _dates, "date": _dates, "update_date": _dates,
    "crawled": _dates, "versions": _versions, "volume": _texts, "pages": st.one_of(st.none(), st.sampled_from(
        ["1-10", "e123", "5"]), st.integers()), "isbn": _texts, "pmid": _texts, "entry_type": _texts,
    "authors_parsed": st.one_of(st.none(), st.just([["A", "B", ""]])), "pdf": _extra, "comment": _extra,
    "x": _extra,
}
# Mostly the plain records a crawl holds, so that most blocks are read as columns.
_plain = st.fixed_dictionaries(
    {"id": st.sampled_from(["2101.00001", "2102.05231v2", "syn.001", "hep-th/9901001"]),
     "title": st.sampled_from(["A title", "Graphs of graphs", "Deep nets"]),
     "summary": st.sampled_from(["An abstract.", "Two\nlines of  text.", "We show $x$ & more."])},
    optional={"authors": st.lists(st.sampled_from(["Ada Lovelace", " Alan  Turing ", "", "Émile", None]), max_size=3),
              "categories": st.lists(st.sampled_from(["cs.LG", "math.CO", "", None]), max_size=2),
              "pdf": st.just("https://arxiv.org/pdf/x"), "comment": st.one_of(st.none(), st.just("5 pages")),
              "published": st.just("2021-03-04T10:00:00Z"), "crawled": st.just("2026-01-02"),
              "versions": st.just([{"created": "Mon, 2 Apr 2007 19:18:42 GMT", "version": "v1"}])})
_record = st.one_of(_plain, _plain, st.dictionaries(st.sampled_from(sorted(_fields)), st.none(), max_size=6).flatmap(
    lambda keys: st.fixed_dictionaries({key: _fields[key] for key in keys})))


def _line(value: dict, ascii: bool, order: list[int], escaped: bool) -> bytes:
    items = list(value.items())
    items = [items[i % len(items)] for i in order] + items if items else []
    text = json.dumps(dict(items), ensure_ascii=ascii)
    if escaped:  # a key written with an escape is the same key
        text = text.replace('"summary"', '"summ\\u0061ry"').replace('"title"', '"ti\\u0074le"')
    return text.encode("utf-8", "surrogatepass")


_raw = st.sampled_from([b"", b"   ", b"not json", b"[1, 2]", b'{"title": "a"} x', b'{"title": "a"} {"title": "b"}',
                        b'{"title": "a"}{"title": "b"}', b'{"title": "t", "summary": null, "abstract": "a"}',
                        b'{"title": "t", "abstract": "a"}', b'{"title": "t", "journal-ref": null, "venue": "v"}', b'\xef\xbb\xbf{"title": "bom"}',
                        b'{"title": "a", "title": "b"}', b'{"title": "\\ud800 lone"}', b'{"title": "\xff"}',
                        b'{"title": "a"}\r', b'{"title": NaN}', b'{"title": "a", "x": 1' + b"0" * 5000 + b"}",
                        b'{"title": "deep", "x": ' + b"[" * 120 + b"]" * 120 + b"}", b"{}"])
_lines = st.lists(st.one_of(
    st.builds(_line, _record, st.booleans(), st.lists(st.integers(0, 5), max_size=3), st.booleans()), _raw), min_size=1, max_size=14)


@settings(deadline=None, max_examples=300)  # the first example imports pyarrow.compute and pyarrow.json
@given(_lines, st.booleans(), st.sampled_from([1, 3, 1024]))
def test_blocks_read_as_lines_are(lines, last_break, block_lines):
    _same(b"\n".join(lines) + (b"\n" if last_break else b""), block_lines)


def test_plain_blocks_are_read_as_columns():
    lines = [json.dumps({"id": f"2101.{k:05d}", "title": f"Title {k}", "summary": "Two\nlines.  Here &amp; there.",
                         "authors": ["Ada  Lovelace", "", "Émile Borel"], "categories": ["cs.LG", ""],
                         "pdf": "https://arxiv.org/pdf/x", "comment": None, "crawled": "2026-01-02",
                         "versions": [{"created": "Mon, 2 Apr 2007 19:18:42 GMT"}]}, ensure_ascii=k % 2 == 0)
             for k in range(50)]
    data = "\n".join(lines).encode("utf-8")
    items = list(arxiv_columns.read_stream(io.BytesIO(data), PATH))
    assert len(items) == 1 and isinstance(items[0], pa.RecordBatch) and items[0].num_rows == 50
    first = _same(data)[0]
    assert first["authors"] == ["Ada Lovelace", "Émile Borel"] and first["categories"] == ["cs.LG"]
    assert first["abstract"] == "Two lines. Here & there." and first["date"] == "2007-04-02"
    assert json.loads(first["extra"]) == {"pdf": "https://arxiv.org/pdf/x", "crawled": "2026-01-02"}


def test_a_block_with_a_bad_line_is_read_line_by_line():
    good = json.dumps({"id": "2101.00001", "title": "A", "summary": "B"}).encode()
    data = b"\n".join([good, b'{"title": 5}', good])
    items = list(arxiv_columns.read_stream(io.BytesIO(data), PATH))
    assert [type(item).__name__ for item in items] == ["tuple", "Skipped", "tuple"]
    assert items[1].line == 2 and "title is not text" in items[1].reason


@pytest.mark.parametrize("lines", [
    [b'{"title": "t", "summary": null, "abstract": "a"}'],
    [b'{"title": "t", "summ\\u0061ry": null, "abstract": "a"}'],
    [b'{"title": "t", "summ\\u0061ry": "s"}', b'{"title": "u", "summary": "a"}'],
    [b'{"title": "t", "summary": "s"}', b'{"title": "u", "abstract": "a"}'],
    [b'{"title": "t", "journal-ref": null, "venue": "v"}', b'{"title": "u", "venue": "w"}'],
    [b'{"title": "a"} {"title": "b"}', b'{"title": "c"}'],
    # pyarrow.json leaves a list's leading nulls out of its items but not of its offsets
    [b'{"title": "a", "categories": [null, "x"]}'],
    [b'{"title": "a", "authors": [null]}', b'{"title": "b", "authors": [null, "x"]}'],
    [b'{"title": "a", "authors": []}', b'{"title": "b", "authors": [null, null, "x"]}'],
])
def test_what_columns_cannot_tell_is_read_line_by_line(lines):
    """A null under the key the reader takes first, two objects on one line, lists that open
    with nulls."""
    _same(b"\n".join(lines))


def test_not_utf8_is_the_readers_error():
    data = b'{"title": "a"}\n{"title": "\xff"}\n'
    with pytest.raises(InputError, match=":2"):
        list(arxiv_columns.read_stream(io.BytesIO(data), PATH))


def test_a_build_reads_the_same_records_in_columns(tmp_path):
    path = tmp_path / "crawl.jsonl"
    path.write_text("\n".join(json.dumps({"id": f"2101.{k:05d}", "title": f"T {k}", "summary": "S  s",
                                          "authors": ["A B"], "x": k}) for k in range(3000)))
    seen: list[float] = []
    assert [r.model_dump() for r in read_records(path, columnar=True, progress=seen.append).records] == \
        [r.model_dump() for r in read_records(path).records]
    assert any(0 < fraction < 1 for fraction in seen) and seen == sorted(seen) and seen[-1] == 1.0
