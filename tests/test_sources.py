import gzip
import json
import shutil

import pytest
from conftest import FIXTURES, GOLDEN
from hypothesis import given, settings
from hypothesis import strategies as st

import paperlike
from paperlike.errors import BadRecordError, EmptyCorpusError, InputError
from paperlike.sources.listing import parse_header, split_byline


def test_every_seed_entry_is_read(seed_corpus):
    assert len(seed_corpus.records) == 62
    assert seed_corpus.skipped == []
    assert sum(1 for r in seed_corpus.records if r.title) == 42
    assert sum(1 for r in seed_corpus.records if not r.title) == 20


def test_titles_authors_and_dates_of_all_listing_entries_are_exact(seed_corpus):
    golden = json.loads((GOLDEN / "seed_listing_entries.json").read_text(encoding="utf-8"))
    got = [{"file": r.source.path.rsplit("/", 1)[-1], "line": r.source.line, "title": r.title,
            "authors": r.authors, "date": r.date, "categories": r.categories}
           for r in seed_corpus.records if r.title]
    assert got == golden


def test_split_byline_loses_nothing_of_any_seed_byline():
    for path in paperlike.seed_paths():
        lines = path.read_text(encoding="utf-8").splitlines()
        for i, line in enumerate(lines):
            if parse_header(line):
                byline = lines[i + 1]
                title, authors, affs, truncated = split_byline(byline)
                rebuilt = title + ", ".join(authors) + (" et al." if truncated else "")
                rebuilt += (" · " + ", ".join(affs)) if affs else ""
                assert rebuilt == byline


@pytest.mark.parametrize("byline, title, first_author", [
    ("BESTOW: Best of Two Worlds in GPT and T5Zhehuai Chen, He Huang et al.",
     "BESTOW: Best of Two Worlds in GPT and T5", "Zhehuai Chen"),
    ("Injection in Mandarin-English ASRHaibin Yu, Yuxuan Hu et al.",
     "Injection in Mandarin-English ASR", "Haibin Yu"),
    ("Context Size of Your Long-Context Language Models?Cheng-Ping Hsieh, Simeng Sun et al. · nvidia",
     "Context Size of Your Long-Context Language Models?", "Cheng-Ping Hsieh"),
    ("Encoder-Decoder Speech ModelsPiotr Żelasko, Kunal Dhawan et al.",
     "Encoder-Decoder Speech Models", "Piotr Żelasko"),
    ("Star Attention: Efficient LLM Inference over Long SequencesShantanu Acharya, Fei Jia, Boris Ginsburg · nvidia",
     "Star Attention: Efficient LLM Inference over Long Sequences", "Shantanu Acharya"),
    ("A SoftCorrect-like SystemTravis M. Bartley, Fei Jia",
     "A SoftCorrect-like System", "Travis M. Bartley"),
])
def test_split_byline_finds_where_the_names_begin(byline, title, first_author):
    got_title, authors, _, _ = split_byline(byline)
    assert (got_title, authors[0]) == (title, first_author)


def test_a_listing_date_without_year_stays_yearless_unless_given(tmp_path):
    entry = ("LGApr 14Code\nA Paper TitleAda Lovelace, Alan Turing et al.\nAn abstract.\n")
    (tmp_path / "l.txt").write_text(entry, encoding="utf-8")
    assert paperlike.read_records([tmp_path]).records[0].date == "--04-14"
    record = paperlike.read_records([tmp_path], year=2026).records[0]
    assert record.date == "2026-04-14" and record.extra["code"] is True


def test_arxiv_api_lines_keep_ids_lists_and_unwrap_the_abstract():
    records = paperlike.read_records([FIXTURES / "arxiv_api.jsonl"]).records
    first = records[0]
    assert first.id == "2503.11731"
    assert first.categories == ["cs.CV", "cs.RO"]
    assert first.authors[:2] == ["Xianming Zeng", "Sicong Du"]
    assert "\n" not in first.abstract and "autonomous driving systems, yet" in first.abstract
    # The crawl day is no publication date: the arXiv id's month is the paper's, the day kept in extra.
    assert first.date == "2025-03" and first.extra["crawled"] == "2025-03-18"
    assert first.extra["pdf"] == "https://arxiv.org/pdf/2503.11731"
    assert [r.source.line for r in records] == [1, 2, 3]


def test_arxiv_snapshot_lines_split_authors_categories_and_date():
    first, second = paperlike.read_records([FIXTURES / "arxiv_snapshot.jsonl"]).records
    assert first.id == "0704.0001"
    assert first.authors == ["C. Balázs", "E. L. Berger", "P. M. Nadolsky", "C.-P. Yuan"]
    assert first.title == "Calculation of prompt diphoton production cross sections at Tevatron and LHC energies"
    assert first.doi == "10.1103/physrevd.76.013009"
    assert first.date == "2007-04-02"
    assert second.authors == ["Ileana Streinu", "Louis Theran"]
    assert second.categories == ["math.CO", "cs.CG"]
    assert "(k,ℓ)-pebble game" in second.abstract


def test_csv_rows_are_read_by_header_and_a_bad_row_is_skipped():
    corpus = paperlike.read_records([FIXTURES / "dblp_like.csv"])
    ids = [r.id for r in corpus.records]
    assert ids == ["journals/sigmod/Mackay99", "304590", "conf/vldb/PoosalaI96"]
    assert corpus.records[1].authors[2] == "Bertram Ludäscher"
    assert corpus.records[1].venue == "International Conference on Management of Data"
    assert corpus.records[1].date == "1999" and corpus.records[1].abstract is None
    assert corpus.records[2].source.line == 5  # a quoted newline: the row starts on line 5
    assert corpus.records[2].title.endswith("Application in Parallel-Join Load Balancing")
    assert [(s.line, s.reason) for s in corpus.skipped] == [(4, "row has 6 fields, the header has 5")]


def test_tsv_with_semicolon_authors_and_a_doi_url():
    (record,) = paperlike.read_records([FIXTURES / "papers.tsv"]).records
    assert record.authors == ["Ada Lovelace", "Charles Babbage"]
    assert record.id == record.doi == "10.1000/xyz123"


def test_broken_lines_are_reported_with_file_and_line_and_skipped():
    corpus = paperlike.read_records([FIXTURES / "broken.jsonl"])
    assert [r.id for r in corpus.records] == ["2501.00001", "2501.00004"]
    assert [(s.line, s.reason.split(" (")[0]) for s in corpus.skipped] == [
        (2, "broken JSON"), (3, "record has neither a title nor an abstract")]
    assert all(s.path.endswith("broken.jsonl") for s in corpus.skipped)


def test_strict_rejects_the_first_bad_record():
    with pytest.raises(BadRecordError, match=r"broken.jsonl:2: broken JSON"):
        paperlike.read_records([FIXTURES / "broken.jsonl"], strict=True)


def test_a_malformed_listing_entry_is_skipped_and_the_rest_read():
    corpus = paperlike.read_records([FIXTURES / "listing_bad.txt"])
    assert [r.abstract for r in corpus.records] == ["A lone abstract about speech recognition."]
    assert [s.line for s in corpus.skipped] == [1, 4]
    assert "title from the author list" in corpus.skipped[0].reason


def test_gzip_and_folders_are_read_and_unknown_files_in_folders_reported(tmp_path):
    shutil.copy(FIXTURES / "papers.tsv", tmp_path / "a.tsv")
    (tmp_path / "sub").mkdir()
    (tmp_path / "sub" / "b.jsonl.gz").write_bytes(gzip.compress((FIXTURES / "arxiv_api.jsonl").read_bytes()))
    (tmp_path / "notes.md").write_text("# just notes\n", encoding="utf-8")
    (tmp_path / ".hidden").write_text("ignored", encoding="utf-8")
    corpus = paperlike.read_records([tmp_path])
    assert len(corpus.records) == 4
    assert [s.path.rsplit("/", 1)[-1] for s in corpus.skipped] == ["notes.md"]


def test_unreadable_inputs_raise_one_clear_error(tmp_path):
    with pytest.raises(InputError, match="no such file"):
        paperlike.read_records([tmp_path / "missing.jsonl"])
    latin1 = tmp_path / "latin1.csv"
    latin1.write_bytes("title,abstract\nok,fine\nCaf\xe9,bad byte\n".encode("latin-1"))
    with pytest.raises(InputError, match=r"latin1.csv:3: not UTF-8"):
        paperlike.read_records([latin1])
    named = tmp_path / "notes.md"
    named.write_text("hello\n", encoding="utf-8")
    with pytest.raises(InputError, match="unknown format"):
        paperlike.read_records([named])
    empty = tmp_path / "empty.jsonl"
    empty.write_text("", encoding="utf-8")
    with pytest.raises(EmptyCorpusError):
        paperlike.read_records([empty], format="arxiv-json")


def test_ids_are_unique_stable_and_independent_of_input_order(seed_corpus):
    ids = [r.id for r in seed_corpus.records]
    assert len(set(ids)) == len(ids)
    reversed_ids = {(r.source.path, r.source.line): r.id
                    for r in paperlike.read_records(list(reversed(paperlike.seed_paths()))).records}
    assert reversed_ids == {(r.source.path, r.source.line): r.id for r in seed_corpus.records}


def test_progress_reports_fractions_up_to_one():
    seen = []
    paperlike.read_records([FIXTURES / "arxiv_api.jsonl", FIXTURES / "dblp_like.csv"], progress=seen.append)
    assert seen[-1] == 1.0 and all(0 <= f <= 1 for f in seen) and seen == sorted(seen)


@pytest.mark.parametrize("halves", [False, True])
def test_json_lines_are_streamed_with_their_bom_crlf_and_a_bad_byte_named_by_line(tmp_path, monkeypatch, halves):
    from paperlike.parallel import PARALLEL_MIN

    if halves:  # the second half of the lines is read by a forked child, from its own stream
        monkeypatch.setitem(PARALLEL_MIN, "bytes", 1)
    clean = paperlike.read_records([FIXTURES / "arxiv_api.jsonl"]).records
    lines = (FIXTURES / "arxiv_api.jsonl").read_bytes().splitlines()
    windows = tmp_path / "windows.jsonl"
    windows.write_bytes("\ufeff".encode() + b"\r\n".join(lines) + b"\r\n")
    read = paperlike.read_records([windows]).records
    assert [(r.id, r.title, r.abstract, r.source.line) for r in read] == [
        (r.id, r.title, r.abstract, r.source.line) for r in clean]
    bad = tmp_path / "bad.jsonl"
    bad.write_bytes(b"\n".join(lines[:2] + ['{"title": "Caf\xe9"}'.encode("latin-1")] + lines[2:]) + b"\n")
    with pytest.raises(InputError, match=r"bad.jsonl:3: not UTF-8 \(byte 0xe9\)"):
        paperlike.read_records([bad])


def test_records_read_share_their_fields_set_and_repeated_strings():
    a, b = paperlike.read_records([FIXTURES / "arxiv_api.jsonl"]).records[:2]
    assert a.model_fields_set == set(paperlike.Record.model_fields)
    assert a.__pydantic_fields_set__ is b.__pydantic_fields_set__
    a.title = "changed"  # pydantic adds the name to the shared set: it holds it already
    assert b.model_fields_set == set(paperlike.Record.model_fields)
    assert a.source.model_fields_set == {"path", "line"}
    shared = set(a.categories) & set(b.categories)
    assert shared and all(any(x is y for y in b.categories) for x in a.categories if x in shared)


def test_a_record_made_from_its_row_is_what_model_construct_makes():
    for record in paperlike.read_records([FIXTURES / "arxiv_api.jsonl", FIXTURES / "papers.tsv"]).records:
        assert len(record.row()) == len(paperlike.records.ROW_FIELDS)
        rebuilt = paperlike.Record.from_row(record.row())
        made = paperlike.Record.model_construct(**dict(record))
        assert rebuilt == made == record
        assert rebuilt.model_dump_json() == made.model_dump_json()
        assert rebuilt.model_fields_set == made.model_fields_set
        assert (rebuilt.__pydantic_extra__, rebuilt.__pydantic_private__) == (made.__pydantic_extra__, None)
        assert rebuilt.source == made.source and rebuilt.source.model_fields_set == {"path", "line"}


def test_a_line_cut_short_is_reported_at_its_column_and_a_pipe_is_read_once(tmp_path):
    import os

    cut = '{"id": "2501.00002", "title": "Broken line", "summary": '
    try:
        json.loads(cut)
    except json.JSONDecodeError as exc:
        expected = f"broken JSON ({exc.msg}, column {exc.colno})"
    lines = (FIXTURES / "arxiv_api.jsonl").read_text(encoding="utf-8").splitlines()
    for ending in ("\n", "\r\n"):
        path = tmp_path / "cut.jsonl"
        path.write_text(ending.join([lines[0], cut, lines[1]]) + ending, encoding="utf-8", newline="")
        corpus = paperlike.read_records([path])
        assert [(s.line, s.reason) for s in corpus.skipped] == [(2, expected)] and len(corpus.records) == 2
    pipe = tmp_path / "pipe"
    os.mkfifo(pipe)
    if os.fork() == 0:  # the writer
        with open(pipe, "w", encoding="utf-8") as out:
            out.write("\n".join(lines) + "\n")
        os._exit(0)
    read = paperlike.read_records([pipe])
    os.wait()
    assert [r.id for r in read.records] == [r.id for r in paperlike.read_records([FIXTURES / "arxiv_api.jsonl"]).records]


def test_a_file_in_a_folder_that_is_not_utf8_is_an_error_naming_its_line(tmp_path):
    (tmp_path / "ok.jsonl").write_bytes((FIXTURES / "arxiv_api.jsonl").read_bytes())
    (tmp_path / "bad.csv").write_bytes("title,abstract\nok,fine\nCaf\xe9,bad byte\n".encode("latin-1"))
    with pytest.raises(InputError, match=r"bad.csv:3: not UTF-8"):
        paperlike.read_records([tmp_path])


def test_a_name_read_twice_is_one_string_and_the_name_cache_ends_with_the_read():
    from paperlike.sources.base import author_name, split_authors

    first = split_authors(["Ada  Lovelace", "A. Turing"])
    second = split_authors(["Ada Lovelace", "Ada  Lovelace", "", 7])
    assert first == ["Ada Lovelace", "A. Turing"] and second == ["Ada Lovelace", "Ada Lovelace", "7"]
    assert first[0] is second[1] is second[0]  # interned: one object however it was spelled
    assert author_name.cache_info().currsize > 0
    corpus = paperlike.read_records([FIXTURES / "versions.jsonl"])
    assert corpus.records and any(r.authors for r in corpus.records)
    assert author_name.cache_info().currsize == 0


_JSON_VALUES = st.recursive(st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=5),
                            lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=3), inner, max_size=3),
                            max_leaves=6)
_KINDS = st.sampled_from([str, int, list, dict, bool, (str, int), (str, list), (int, float)])


def _kind_ok(value, kind) -> bool:
    kinds = kind if isinstance(kind, tuple) else (kind,)
    return isinstance(value, kinds) and (not isinstance(value, bool) or bool in kinds)


@settings(max_examples=400, deadline=None)
@given(value=_JSON_VALUES, kind=_KINDS)
def test_a_field_read_from_json_is_its_value_or_bad_as_its_kind_says(value, kind):
    """get's shortcut for one field of an object, and get_list's for a list of one kind, take
    what the checks take and nothing else (true is not a number)."""
    from paperlike.sources.base import Bad, get, get_list

    if value is None or _kind_ok(value, kind):
        assert get({"f": value}, "f", kind=kind) is value
    else:
        with pytest.raises(Bad, match=r"^f is not "):
            get({"f": value}, "f", kind=kind)
    if isinstance(value, list):
        if all(v is None or _kind_ok(v, kind) for v in value):
            got = get_list({"f": value}, "f", kind=kind)
            assert got == [v for v in value if v is not None] and got is not value
        else:
            with pytest.raises(Bad, match=r"^f\[\d+\] is not "):
                get_list({"f": value}, "f", kind=kind)


def test_readers_make_rows_that_are_the_records_read():
    """A reader gives each record as a row (no model per record); read_records makes the same
    records of them, and a build's table holds the same columns."""
    from paperlike.records import ROW_FIELDS
    from paperlike.sources import arxiv

    path = FIXTURES / "arxiv_api.jsonl"
    with path.open("rb") as stream:
        rows = [item for item in arxiv.read_stream(stream, str(path)) if type(item) is tuple]
    records = paperlike.read_records(path).records
    assert rows and all(len(row) == len(ROW_FIELDS) for row in rows)
    assert [paperlike.Record.from_row(row) for row in rows] == records
    assert list(paperlike.read_records(path, columnar=True).records) == records
