"""Inputs that used to abort a whole run or take the memory (issue 19, defects 3 and 4): JSON
nested too deep, fields of the wrong type, records over the size limit, gzip bombs."""

import gzip
import io
import json
import random
import tracemalloc
import zlib

import pytest
from conftest import FIXTURES
from typer.testing import CliRunner

import paperlike
from paperlike.cli import app
from paperlike.errors import BadRecordError, InputError, UsageError
from paperlike.sources import MAX_RECORD_BYTES, jsondoc

DEEP = "[" * 100_000 + "]" * 100_000
TOO_DEEP = "JSON nested deeper than 100 levels"


def write(path, text):
    path.write_text(text, encoding="utf-8")
    return path


def reasons(corpus):
    return [(s.line, s.reason) for s in corpus.skipped]


# --- Defect 3: JSON nested too deep --------------------------------------------------------------

@pytest.mark.parametrize("strict", [False, True])
def test_a_json_line_nested_100k_deep_is_one_skipped_record(tmp_path, strict):
    path = write(tmp_path / "deep.jsonl", '{"title": "Fine"}\n{"title": "Deep", "x": ' + DEEP + '}\n'
                 '{"title": "Also fine"}\n')
    if strict:
        with pytest.raises(BadRecordError, match=r"deep\.jsonl:2: JSON nested deeper than 100 levels"):
            paperlike.read_records([path], strict=True)
        return
    corpus = paperlike.read_records([path])
    assert [r.title for r in corpus.records] == ["Fine", "Also fine"]
    assert reasons(corpus) == [(2, TOO_DEEP)]


def test_a_first_line_nested_too_deep_is_still_sniffed_and_skipped(tmp_path):
    path = write(tmp_path / "deep.jsonl", '{"title": "Deep", "x": ' + DEEP + '}\n{"title": "Fine"}\n')
    corpus = paperlike.read_records([path])
    assert [r.title for r in corpus.records] == ["Fine"] and reasons(corpus) == [(1, TOO_DEEP)]


def test_nesting_up_to_the_limit_is_read_and_beyond_it_skipped(tmp_path):
    def line(depth):  # the record itself is one level
        return json.dumps({"title": f"depth {depth}", "x": json.loads("[" * (depth - 1) + "]" * (depth - 1))})
    corpus = paperlike.read_records([write(tmp_path / "edge.jsonl", line(100) + "\n" + line(101) + "\n")])
    assert [r.title for r in corpus.records] == ["depth 100"] and reasons(corpus) == [(2, TOO_DEEP)]


@pytest.mark.parametrize("shape", ["response", "array", "lines"])
def test_an_openalex_work_nested_too_deep_is_skipped_and_the_rest_read(tmp_path, shape):
    work = '{"id": "https://openalex.org/W%d", "title": "Work %d", "authorships": %s}'
    works = [work % (1, 1, "[]"), work % (2, 2, DEEP), work % (3, 3, "[]")]
    text = {"response": '{"meta": {"count": 3},\n"results": [\n' + ",\n".join(works) + "\n]}\n",
            "array": "[\n" + ",\n".join(works) + "\n]\n",
            "lines": "\n".join(works) + "\n"}[shape]
    corpus = paperlike.read_records([write(tmp_path / "works.json", text)])
    assert [r.id for r in corpus.records] == ["W1", "W3"]
    assert reasons(corpus) == [({"response": 4, "array": 3, "lines": 2}[shape], TOO_DEEP)]


def test_a_semantic_scholar_document_nested_too_deep_is_skipped(tmp_path):
    text = '{"total": 2, "data": [{"paperId": "a", "title": "A"}, {"paperId": "b", "title": ' + DEEP + "}]}"
    corpus = paperlike.read_records([write(tmp_path / "s2.json", text)])
    assert [r.id for r in corpus.records] == ["a"] and reasons(corpus) == [(1, TOO_DEEP)]
    whole = write(tmp_path / "one.json", '{"paperId": "b", "title": "B", "x": ' + DEEP + "}")
    with pytest.raises(paperlike.EmptyCorpusError, match=r"one\.json:1: JSON nested deeper"):
        paperlike.read_records([whole])


def test_a_number_of_too_many_digits_is_a_skipped_record(tmp_path):
    path = write(tmp_path / "big.jsonl", '{"title": "A", "n": ' + "9" * 5000 + '}\n{"title": "B"}\n')
    corpus = paperlike.read_records([path])
    assert [r.title for r in corpus.records] == ["B"]
    assert corpus.skipped[0].line == 1 and corpus.skipped[0].reason.startswith("JSON number too long")


def test_the_cli_reports_a_deep_line_in_one_line_with_or_without_strict(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    write(tmp_path / "deep.jsonl", '{"title": "Fine paper about speech"}\n{"title": ' + DEEP + "}\n")
    result = CliRunner().invoke(app, ["index", "deep.jsonl", "--model", "m"])
    assert result.exit_code == 0, result.output
    assert "paperlike: skipped deep.jsonl:2: JSON nested deeper than 100 levels" in result.stderr
    result = CliRunner().invoke(app, ["index", "deep.jsonl", "--model", "m2", "--strict"])
    assert result.exit_code == 1 and "Traceback" not in result.output
    assert result.stderr.strip() == ("paperlike: error: deep.jsonl:2: JSON nested deeper than 100 levels "
                                     "(rejected by --strict)")


def test_a_lone_surrogate_escape_is_read_as_u_fffd_and_the_model_saves(tmp_path, monkeypatch):
    # found by tests/test_fuzz_readers.py: "\ud800" is valid JSON, but no UTF-8 can write it, and
    # saving a model that held it failed with a traceback
    arxiv = r'{"title": "Lone \ud800 surrogate", "summary": "a \udfff b", "authors": ["A \ud83d"], "x": "\ud83d\ude00"}'
    s2 = r'{"paperId": "p", "title": "Lone \ud800 surrogate", "abstract": "a \udfff b", "authors": [{"name": "A \ud83d"}]}'
    write(tmp_path / "s.jsonl", arxiv + "\n")
    write(tmp_path / "s.json", '{"data": [' + s2 + "]}")
    for name in ("s.jsonl", "s.json"):
        (record,) = paperlike.read_records([tmp_path / name]).records
        assert (record.title, record.abstract, record.authors) == ("Lone \ufffd surrogate", "a \ufffd b", ["A \ufffd"])
    assert paperlike.read_records([tmp_path / "s.jsonl"]).records[0].extra["x"] == "\U0001F600"  # a pair is one character
    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(app, ["index", "s.jsonl", "--model", "m"])
    assert result.exit_code == 0, result.output


# --- Defect 3: fields of the wrong type ----------------------------------------------------------

OPENALEX = {"id": "https://openalex.org/W1", "title": "A work"}
S2 = {"paperId": "p1", "title": "A paper"}
ARXIV = {"id": "2501.00001", "title": "An arXiv paper"}


@pytest.mark.parametrize("base, field, value, reason", [
    (OPENALEX, "locations", 5, "locations is not a list but int '5'"),
    (OPENALEX, "locations", [7], "locations[0] is not an object but int '7'"),
    (OPENALEX, "primary_location", [], "primary_location is not an object but list '[]'"),
    (OPENALEX, "authorships", {"a": 1}, "authorships is not a list but dict \"{'a': 1}\""),
    (OPENALEX, "authorships", ["Ada"], "authorships[0] is not an object but str 'Ada'"),
    (OPENALEX, "ids", {"doi": 10}, "ids.doi is not text but int '10'"),
    (OPENALEX, "biblio", {"volume": [1]}, "biblio.volume is not text or a number but list '[1]'"),
    (OPENALEX, "publication_year", 2021.5, "publication_year is not text or a number but float '2021.5'"),
    (OPENALEX, "id", 5, "id is not text but int '5'"),
    (S2, "authors", 1.5, "authors is not a list but float '1.5'"),
    (S2, "authors", [5], "authors[0] is not an object but int '5'"),
    (S2, "externalIds", [], "externalIds is not an object but list '[]'"),
    (S2, "journal", "Nature", "journal is not an object but str 'Nature'"),
    (S2, "year", True, "year is not text or a number but bool 'True'"),
    (S2, "publicationTypes", "JournalArticle", "publicationTypes is not a list but str 'JournalArticle'"),
    (ARXIV, "authors", 3, "authors is not text or a list but int '3'"),
    (ARXIV, "authors", [{"name": "Ada"}], "authors[0] is not text but dict \"{'name': 'Ada'}\""),
    (ARXIV, "categories", {"cs": 1}, "categories is not text or a list but dict \"{'cs': 1}\""),
    (ARXIV, "summary", ["a"], "abstract is not text but list \"['a']\""),
    (ARXIV, "id", [1], "id is not text or a number but list '[1]'"),
    (ARXIV, "versions", [{"created": [[]]}], "versions[0].created is not text but list '[[]]'"),  # found by fuzzing
    (ARXIV, "versions", "v1", "versions is not a list but str 'v1'"),
    (ARXIV, "published", 2007, "published is not text but int '2007'"),
])
def test_a_field_of_the_wrong_type_is_a_skipped_record_with_its_line(tmp_path, base, field, value, reason):
    path = write(tmp_path / "records.jsonl", json.dumps(base) + "\n" + json.dumps(base | {field: value}) + "\n")
    corpus = paperlike.read_records([path])
    assert len(corpus.records) == 1 and reasons(corpus) == [(2, reason)]


def test_dates_that_are_no_iso_date_are_read_as_one_or_as_unknown(tmp_path, monkeypatch):
    # found by fuzzing: month = {²} in BibTeX ("²".isdigit(), but int() refuses it), and a JSON
    # date of "2021x" or "²²²²-01", which reached the index and failed there
    lines = [{"title": f"Paper {i}", "date": date} for i, date in
             enumerate(["2021x", "\u00b2\u00b2\u00b2\u00b2-01", "2019, November", "2020/05/06", "2024-1-5", "2024-10-23"])]
    write(tmp_path / "dates.jsonl", "".join(json.dumps(line) + "\n" for line in lines))
    assert [r.date for r in paperlike.read_records([tmp_path / "dates.jsonl"]).records] == [
        "2021", None, "2019", "2020-05-06", "2024-01-05", "2024-10-23"]
    write(tmp_path / "m.bib", "@misc{k, title={A paper on speech}, year={2020}, month={\u00b2}}\n")
    assert paperlike.read_records([tmp_path / "m.bib"]).records[0].date == "2020"
    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(app, ["index", "dates.jsonl", "--model", "m"])
    assert result.exit_code == 0, result.output


def test_null_is_unknown_not_the_wrong_type(tmp_path):
    lines = [OPENALEX | {"locations": None, "authorships": [None, {"author": None}], "biblio": None},
             S2 | {"authors": None, "externalIds": None, "journal": None, "year": None}]
    path = write(tmp_path / "nulls.jsonl", "\n".join(map(json.dumps, lines[:1])) + "\n")
    assert len(paperlike.read_records([path]).records) == 1
    path = write(tmp_path / "nulls_s2.jsonl", "\n".join(map(json.dumps, lines[1:] * 2)) + "\n")
    assert len(paperlike.read_records([path]).records) == 2


# --- Defect 4: the size of a record --------------------------------------------------------------

BIG = "word " * 2000  # 10 kB of abstract


def _formats():
    """Each format: a file with a small record, a 10 kB one and a small one, and the line of the big one."""
    bib = "@article{{{k},\n  title = {{Paper {k}}},\n  abstract = {{{a}}}\n}}\n\n"
    ris = "TY  - JOUR\nTI  - Paper {k}\nAB  - {a}\nER  - \n\n"
    return {
        "arxiv.jsonl": ("".join(json.dumps({"title": f"Paper {k}", "summary": a}) + "\n"
                                for k, a in ((1, "short"), (2, BIG), (3, "short"))), 2),
        "works.json": (json.dumps({"meta": {}, "results": [
            {"id": f"https://openalex.org/W{k}", "title": f"Paper {k}",
             "abstract_inverted_index": {w: [i] for i, w in enumerate(a.split())} if k != 2 else
             {f"w{i}": [i] for i in range(2000)}} for k, a in ((1, "short"), (2, ""), (3, "short"))]}, indent=1), 13),
        "papers.csv": ("title,abstract\nPaper 1,short\n\"Paper 2\",\"" + BIG.replace(" ", "\n") + "\"\nPaper 3,short\n", 3),
        "library.bib": ("".join(bib.format(k=k, a=a) for k, a in ((1, "short"), (2, BIG), (3, "short"))), 6),
        "library.ris": ("".join(ris.format(k=k, a=a) for k, a in ((1, "short"), (2, BIG), (3, "short"))), 6),
        "listing.txt": ("Abstract:short one\nAbstract:" + BIG + "\nAbstract:short three\n", 2),
    }


@pytest.mark.parametrize("name", list(_formats()))
def test_a_record_over_the_limit_is_skipped_with_its_line_and_a_raised_limit_reads_it(tmp_path, name):
    text, line = _formats()[name]
    path = write(tmp_path / name, text)
    everything = paperlike.read_records([path])
    assert len(everything.records) == 3 and not everything.skipped
    corpus = paperlike.read_records([path], max_record_bytes=5000)
    assert len(corpus.records) == 2
    (skipped,) = corpus.skipped
    assert skipped.line == line and "is over the limit of 5,000 bytes (raise it with --max-record-bytes)" in skipped.reason
    assert [(r.id, r.title, r.abstract, r.source.line) for r in corpus.records] == [
        (r.id, r.title, r.abstract, r.source.line) for r in everything.records if r.source.line != line]


def test_a_csv_row_over_the_limit_ends_where_csv_would_end_it(tmp_path):
    # found by fuzzing: a quoted field running over a line longer than the limit, full of
    # delimiters, swallowed the rows after it
    text = ('title,abstract\r\nFirst,one\r\n"Second\n' + "0\t0," * 300 + '",two\r\n'
            + "Third,three\r\n" + " " * 300 + ",\r\nFourth,four\r\n")
    corpus = paperlike.read_records([write(tmp_path / "t.csv", text)], max_record_bytes=256)
    assert [(r.title, r.source.line) for r in corpus.records] == [("First", 2), ("Third", 5), ("Fourth", 7)]
    assert [s.line for s in corpus.skipped] == [3, 6]  # a blank row over the limit is reported too


def test_the_default_limit_is_one_mebibyte(tmp_path):
    assert MAX_RECORD_BYTES == 1 << 20
    just = {"title": "x", "summary": "a" * (MAX_RECORD_BYTES - 40)}
    over = {"title": "y", "summary": "a" * MAX_RECORD_BYTES}
    corpus = paperlike.read_records([write(tmp_path / "big.jsonl", json.dumps(just) + "\n" + json.dumps(over) + "\n")])
    assert [r.title for r in corpus.records] == ["x"] and [s.line for s in corpus.skipped] == [2]
    with pytest.raises(UsageError, match="at least 1 byte"):
        paperlike.read_records([tmp_path / "big.jsonl"], max_record_bytes=0)


def test_a_giant_line_is_read_past_in_bounded_memory(tmp_path):
    path = tmp_path / "giant.jsonl.gz"
    with gzip.open(path, "wb", compresslevel=1) as out:
        out.write(b'{"title": "before"}\n{"title": "giant", "summary": "')
        block = b"a" * (1 << 20)
        for _ in range(16):
            out.write(block)
        out.write(b'"}\n{"title": "after"}\n')
    tracemalloc.start()
    try:
        corpus = paperlike.read_records([path])
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert [r.title for r in corpus.records] == ["before", "after"]
    assert corpus.skipped[0].line == 2 and "record of 16,777,250 bytes" in corpus.skipped[0].reason
    assert peak < 4 << 20, f"{peak:,} bytes"


def test_a_gzip_bomb_is_sniffed_from_its_first_bytes_not_unpacked(tmp_path):
    bomb = tmp_path / "bomb.gz"
    member = gzip.compress(b" " * (1 << 24), 9)  # 16 MiB of spaces; gzip reads members one after another
    bomb.write_bytes(member * 64)  # 1 GiB
    assert bomb.stat().st_size < 2_000_000
    tracemalloc.start()
    try:
        with pytest.raises(InputError, match="bomb.gz: unknown format"):
            paperlike.read_records([bomb])
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < 4 << 20, f"{peak:,} bytes"


@pytest.mark.parametrize("head, format", [
    ('{"title": "x"}\n', "arxiv-json"), ('{"paperId": "p", "title": "x"}\n', "semantic-scholar"),
    ("title,abstract\nx,y\n", "csv"), ("@misc{k, title={x}}\n", "bibtex"), ("TY  - JOUR\nTI  - x\nER  - \n", "ris"),
    ("Abstract:x\n", "listing"), ('{"results": [{"id": "https://openalex.org/W1", "title": "x"}', "openalex")])
def test_a_valid_head_before_a_bomb_reads_in_bounded_memory(tmp_path, head, format):
    path = tmp_path / "bomb.gz"
    compressor = zlib.compressobj(9, zlib.DEFLATED, 31)
    with open(path, "wb") as out:
        out.write(compressor.compress(head.encode()))
        for _ in range(16):
            out.write(compressor.compress(b" " * (1 << 20)))
        out.write(compressor.flush())
    tracemalloc.start()
    try:
        try:
            corpus = paperlike.read_records([path])
        except InputError:  # the document never closes: broken, as it should be
            assert format == "openalex"
        else:
            assert len(corpus.records) + len(corpus.skipped) >= 1
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < 12 << 20, f"{format}: {peak:,} bytes"


def test_a_damaged_gzip_stream_is_one_error(tmp_path):
    data = gzip.compress((FIXTURES / "arxiv_api.jsonl").read_bytes() * 50)
    path = tmp_path / "cut.jsonl.gz"
    path.write_bytes(data[: len(data) // 2])
    with pytest.raises(InputError, match=r"cut\.jsonl\.gz: damaged gzip file"):
        paperlike.read_records([path])


def test_a_document_is_read_a_record_at_a_time_as_json_reads_it_whole(tmp_path):
    works = [{"id": f"https://openalex.org/W{i}", "title": f"Work {i}", "abstract_inverted_index":
              {f"w{j}": [j] for j in range(i % 40)}} for i in range(1500)]
    for indent in (None, 1):
        text = json.dumps({"meta": {"count": len(works)}, "results": works}, indent=indent)
        items = list(jsondoc.json_records(io.BytesIO(text.encode()), "w.json", ("results",), 5000))
        assert [value for _, value in items] == works
        if indent:  # each work on the line of its "{"
            lines = [text.count("\n", 0, text.index(f'"https://openalex.org/W{i}"')) for i in range(len(works))]
            assert [line for line, _ in items] == lines


def test_a_document_cut_anywhere_is_the_error_json_gives_for_it(tmp_path):
    text = (FIXTURES / "openalex_works.json").read_text(encoding="utf-8")
    rng = random.Random(19)
    for cut in sorted(rng.sample(range(1, len(text)), 60)):
        part = text[:cut]
        try:
            json.loads(part)
            continue
        except json.JSONDecodeError as exc:
            expected = f"w.json:{exc.lineno}: broken JSON ({exc.msg.removesuffix(' starting at')}, column {exc.colno})"
        with pytest.raises(InputError) as error:
            list(jsondoc.json_records(io.BytesIO(part.encode()), "w.json", ("results",), 1 << 20))
        assert str(error.value) == expected


def test_a_single_line_document_larger_than_a_record_is_read_by_its_records(tmp_path):
    works = [{"id": f"https://openalex.org/W{i}", "title": f"Work {i}", "abstract_inverted_index":
              {f"w{j}": [j] for j in range(100)}} for i in range(50)]
    path = write(tmp_path / "response.json", json.dumps({"meta": {}, "results": works}))
    assert path.stat().st_size > 60_000
    corpus = paperlike.read_records([path], max_record_bytes=3000)
    assert len(corpus.records) == 50 and not corpus.skipped


def test_cli_max_record_bytes_on_the_commands_that_read_inputs(tmp_path, monkeypatch, seed_model):
    import shutil

    monkeypatch.chdir(tmp_path)
    shutil.copytree(seed_model, "m")
    write(tmp_path / "big.jsonl", json.dumps({"title": "Big", "summary": BIG}) + "\n"
          + json.dumps({"title": "Small one about error correction"}) + "\n")
    runner = CliRunner()
    result = runner.invoke(app, ["index", "big.jsonl", "--model", "new", "--max-record-bytes", "5000"])
    assert result.exit_code == 0 and "skipped big.jsonl:1: record of 10,032 bytes is over the limit" in result.stderr
    for command in (["add", "big.jsonl", "--model", "m"], ["check", "big.jsonl", "--model", "m"],
                    ["recommend", "--like", "big.jsonl", "--model", "m"],
                    ["eval", "dupes", "big.jsonl", "--truth-field", "title"]):
        result = runner.invoke(app, [*command, "--max-record-bytes", "5000"])
        assert result.exit_code in (0, 3), (command, result.output)
        assert "big.jsonl:1" in result.stderr and "over the limit" in result.stderr, command
        result = runner.invoke(app, [*command, "--max-record-bytes", "20000"])
        assert result.exit_code in (0, 3) and "over the limit" not in result.stderr, (command, result.output)
    result = runner.invoke(app, ["index", "big.jsonl", "--model", "x", "--max-record-bytes", "0"])
    assert result.exit_code == 2 and "--max-record-bytes" in result.stderr
