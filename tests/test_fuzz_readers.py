"""Typed fuzzing of every reader (issue 19): files of each format in a valid shape (JSON lines,
OpenAlex works, Semantic Scholar papers, CSV with a header, BibTeX entries, RIS records,
listings) whose fields take random types and sizes: null, numbers, lists and objects where text
is expected, huge strings, any Unicode, nesting up to and past the limit, records over a small
size limit. Random bytes would almost never reach the record code; these do.

Each file goes through ``paperlike.read_records``. What must hold: no exception but paperlike's
own comes out; every record of the file is accounted for, read or skipped with its line; every
record read can be written as the saved model writes it; and, for one file in ten, an index of
its records can be built and asked for papers like each, with filters on dates.
"""

from __future__ import annotations

import csv
import io
import json
import os
import re
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import paperlike
from paperlike.errors import EmptyCorpusError
from paperlike.sources import MAX_RECORD_BYTES

# 1,000 files a format (each of 1 to 5 records: some 3,000 records a format), 7,000 files a run,
# in about a minute; a longer hunt:
# PAPERLIKE_FUZZ_EXAMPLES=3000 python -m pytest tests/test_fuzz_readers.py (about 3 minutes).
FUZZ = settings(max_examples=int(os.environ.get("PAPERLIKE_FUZZ_EXAMPLES", 1000)), deadline=None,
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
_FOLDER = Path()  # the module's temporary folder, where each file is written in turn


@pytest.fixture(scope="module", autouse=True)
def _folder(tmp_path_factory):
    global _FOLDER
    _FOLDER = tmp_path_factory.mktemp("fuzz")

# --- Values -------------------------------------------------------------------------------------

# Odd values, in small groups: hypothesis draws a long list's first members far more often.
ODD = st.one_of(
    st.sampled_from(["", " ", "\t", "\x00", "\u2028", "\r\n", "\ufeff"]),
    st.sampled_from(["\\", '"', "{", "}", "@", "%", "#", ",", ";", "&amp;", "&#228;"]),
    st.sampled_from([r"$\alpha$", r"\emph{x}", r"{\"u}", "--", "Last, First", "A and B and C"]),
    st.sampled_from(["null", "NaN", "2021", "1999-13-45", "10.1234/ABC", "doi:10.1/x"]),
    st.sampled_from(["arXiv:2109.14420", "https://arxiv.org/abs/2409.06656v3", "hep-th/9901001"]),
    st.sampled_from(["é", "𝔘𝔫𝔦", "ﬁ", "e\u0301", "\u202e", "ǅ", "İ", "ß" * 3, "\U0001F600"]),
    st.sampled_from(["\ud800 lone", "a \udfff", "\udbff\udfff pair"]))  # lone surrogates: JSON escapes them
WORDS = st.text(max_size=30)
HUGE = st.builds(lambda piece, n: piece * n, st.text(min_size=1, max_size=3), st.integers(200, 4000))
TEXT = st.one_of(WORDS, ODD, HUGE)
# one line of text: no character that ends a line for str.splitlines
ONE_LINE = st.characters(blacklist_categories=("Cs", "Cc", "Zl", "Zp"))
LINE = st.one_of(st.text(ONE_LINE, max_size=30),
                 st.builds(lambda piece, n: piece * n, st.text(ONE_LINE, min_size=1, max_size=3), st.integers(200, 4000)),
                 st.sampled_from(["", " ", "é", "𝔘𝔫𝔦", "Last, First", "A and B", "{x}", "%", "@", "\\", "--"]))


def _nested(depth: int) -> list:
    value: list = []
    for _ in range(depth - 1):
        value = [value]
    return value


BIG_NUMBER = "\x00big number\x00"  # written as an integer of 5000 digits, more than Python reads
SCALAR = st.one_of(st.none(), st.booleans(), st.integers(-(2 ** 70), 2 ** 70), st.floats(), TEXT)
ANY = st.one_of(st.recursive(SCALAR, lambda inner: st.lists(inner, max_size=3)
                             | st.dictionaries(st.text(max_size=6), inner, max_size=3), max_leaves=8),
                st.integers(95, 110).map(_nested), st.just(BIG_NUMBER))


def typed(good: st.SearchStrategy) -> st.SearchStrategy:
    """Mostly a value of the right type, else anything JSON holds."""
    return st.one_of(good, good, ANY)


def objects(**fields: st.SearchStrategy) -> st.SearchStrategy:
    return st.fixed_dictionaries({}, optional={name: typed(value) for name, value in fields.items()})


def dumps(value: object, indent: int | None = None, ascii_only: bool = True) -> str:
    """JSON text; the big-number marker becomes an integer of 5000 digits (which json will not
    write), and a lone surrogate stays an escape (UTF-8 has none)."""
    text = json.dumps(value, indent=indent, ensure_ascii=ascii_only).replace(json.dumps(BIG_NUMBER), "9" * 5000)
    return text if ascii_only else re.sub("[\ud800-\udfff]", lambda m: f"\\u{ord(m.group()):04x}", text)


LIMIT = st.one_of(st.just(MAX_RECORD_BYTES), st.integers(64, 4096))


# --- Reading a file -------------------------------------------------------------------------------

def read(data: str | bytes, name: str, format: str, expected: int, limit: int, index: bool = False) -> None:
    """Read the file as ``format`` and check that every one of its ``expected`` records is read
    or skipped, and that each record read can be saved (and, with ``index``, indexed and
    queried)."""
    path = _FOLDER / name
    path.write_bytes(data.encode("utf-8") if isinstance(data, str) else data)
    try:
        corpus = paperlike.read_records(path, format=format, max_record_bytes=limit)
    except EmptyCorpusError as exc:  # every record skipped, or none there
        found = re.search(r"\((\d+) malformed", str(exc))
        assert (int(found.group(1)) if found else 0) == expected, str(exc)
        return
    assert len(corpus.records) + len(corpus.skipped) == expected, (corpus.skipped, len(corpus.records))
    for record in corpus.records:
        paperlike.Record.__pydantic_serializer__.to_json(record)  # as the saved model writes it
        assert record.source.path == str(path) and record.source.line >= 1
    for skipped in corpus.skipped:
        assert skipped.line >= 1 and skipped.reason and "\n" not in skipped.reason
    if index:
        use(corpus)


def use(corpus: paperlike.Corpus) -> None:
    """What the records go on to: an index of them, papers like the first three, filtered by
    date, and the groups of versions."""
    try:
        built = paperlike.build_index(corpus)
    except paperlike.PaperlikeError:  # e.g. no word to index
        return
    since = paperlike.Filters(since="1900", until="2100-12")
    for record in built.records_[:3]:
        paperlike.similar(built, record.id, k=3, kind="id", filters=since)
    paperlike.dupes(built)


def detected(data: str | bytes, name: str) -> None:
    """The same file with its format detected: paperlike's errors only (any other fails)."""
    path = _FOLDER / name
    path.write_bytes(data.encode("utf-8") if isinstance(data, str) else data)
    try:
        paperlike.read_records(path)
    except paperlike.PaperlikeError:
        pass


# --- JSON: arXiv lines, OpenAlex works, Semantic Scholar papers ------------------------------------

DATE = st.one_of(st.dates().map(str), TEXT)
NAMES = st.lists(TEXT, max_size=4)
ARXIV = objects(
    id=st.one_of(st.sampled_from(["2109.14420", "2409.06656v3", "hep-th/9901001", "1234.5678"]), TEXT),
    title=TEXT, summary=TEXT, abstract=TEXT, authors=st.one_of(TEXT, NAMES),
    categories=st.one_of(st.lists(st.sampled_from(["cs.CL", "eess.AS", "math.CO"]), max_size=3),
                         st.sampled_from(["cs.CL eess.AS", "hep-th"])),
    doi=TEXT, **{"journal-ref": TEXT}, venue=TEXT, update_date=DATE, published=DATE, date=DATE,
    versions=st.lists(objects(created=st.sampled_from(["Mon, 2 Apr 2007 19:18:42 GMT", "Mon, 99 Apr 2007", ""])),
                      max_size=2),
    volume=st.one_of(st.integers(), TEXT), issue=TEXT, pages=TEXT, isbn=TEXT, pmid=st.one_of(st.integers(), TEXT),
    entry_type=TEXT, comment=ANY, pdf=TEXT)


@FUZZ
@given(lines=st.lists(st.one_of(ARXIV, ANY), min_size=1, max_size=5), blank=st.booleans(), crlf=st.booleans(),
       ascii_only=st.booleans(), limit=LIMIT, detect=st.integers(0, 9))
def test_arxiv_json_lines(lines, blank, crlf, ascii_only, limit, detect):
    text = [dumps(line, ascii_only=ascii_only) for line in lines]
    if blank:
        text.insert(1, "   ")
    data = ("\r\n" if crlf else "\n").join(text) + "\n"
    read(data, "fuzz.jsonl", "arxiv-json", len(lines), limit, index=detect == 1)
    if detect == 0:
        detected(data, "fuzz.jsonl")


LOCATION = objects(landing_page_url=TEXT, pdf_url=TEXT, source=objects(display_name=TEXT))
WORK = objects(
    id=st.integers(0, 10 ** 10).map(lambda n: f"https://openalex.org/W{n}"), title=TEXT, display_name=TEXT,
    abstract_inverted_index=st.dictionaries(st.text(max_size=8), st.lists(st.integers(0, 400), max_size=3),
                                            max_size=12),
    authorships=st.lists(typed(objects(author=objects(display_name=TEXT), raw_author_name=TEXT)), max_size=4),
    locations=st.lists(typed(LOCATION), max_size=3), primary_location=LOCATION, best_oa_location=LOCATION,
    ids=objects(doi=TEXT, arxiv=TEXT, pmid=st.one_of(st.integers(), TEXT)), doi=TEXT,
    publication_date=DATE, publication_year=st.integers(1900, 2030),
    biblio=objects(volume=st.one_of(st.integers(), TEXT), issue=TEXT, first_page=st.one_of(st.integers(), TEXT),
                   last_page=TEXT),
    type=st.sampled_from(["article", "preprint", "book-chapter", ""]), language=ANY, cited_by_count=ANY,
    primary_topic=ANY)
PAPER = objects(
    paperId=st.text(min_size=1, max_size=12), title=TEXT, abstract=TEXT, year=st.integers(1900, 2030),
    publicationDate=DATE, venue=TEXT,
    externalIds=objects(ArXiv=TEXT, DOI=TEXT, PubMed=st.one_of(st.integers(), TEXT), CorpusId=ANY),
    authors=st.lists(typed(objects(authorId=TEXT, name=TEXT)), max_size=4),
    journal=objects(name=TEXT, volume=st.one_of(st.integers(), TEXT), pages=TEXT),
    publicationTypes=st.lists(st.sampled_from(["JournalArticle", "Conference", "Review"]), max_size=2),
    tldr=objects(text=TEXT), url=TEXT, citationCount=ANY, fieldsOfStudy=ANY, isOpenAccess=ANY)


def _document(records: list, first: object, shape: str, key: str, indent: int | None, ascii_only: bool) -> str:
    if shape == "lines":  # JSON lines are told by their first line: a whole object
        return "\n".join(dumps(r, ascii_only=ascii_only) for r in [first, *records]) + "\n"
    if shape == "single":
        return dumps(first, indent, ascii_only)
    members = [first, *records]
    if shape == "array":
        return dumps(members, indent, ascii_only)
    return dumps({"meta": {"count": len(members)}, key: members}, indent, ascii_only)


SHAPES = st.sampled_from(["response", "array", "lines", "single"])


@FUZZ
@given(first=WORK, works=st.lists(typed(WORK), max_size=4), shape=SHAPES, indent=st.sampled_from([None, 1, 2]),
       ascii_only=st.booleans(), limit=LIMIT, detect=st.integers(0, 9))
def test_openalex_works(first, works, shape, indent, ascii_only, limit, detect):
    works = [] if shape == "single" else works
    data = _document(works, first, shape, "results", indent, ascii_only)
    read(data, "works.json", "openalex", 1 + len(works), limit, index=detect == 1)
    if detect == 0:
        detected(data, "works.json")


@FUZZ
@given(first=PAPER, papers=st.lists(st.one_of(st.none(), typed(PAPER)), max_size=4), shape=SHAPES,
       indent=st.sampled_from([None, 1, 2]), ascii_only=st.booleans(), limit=LIMIT, detect=st.integers(0, 9))
def test_semantic_scholar_papers(first, papers, shape, indent, ascii_only, limit, detect):
    papers = [] if shape == "single" else papers
    data = _document(papers, first, shape, "data", indent, ascii_only)
    read(data, "papers.json", "semantic-scholar", 1 + len(papers), limit, index=detect == 1)
    if detect == 0:
        detected(data, "papers.json")


# --- CSV with a header ------------------------------------------------------------------------------

COLUMNS = ["id", "authors", "author", "year", "date", "venue", "journal", "doi", "categories", "volume",
           "issue", "pages", "isbn", "pmid", "entrytype", "url", "extra", "Item Type", "Key", "Publication Year",
           "Publication Title", "Url", "Extra", "notes"]
CELL = st.one_of(TEXT.map(lambda text: re.sub("[\ud800-\udfff]", "\ufffd", text)), st.integers().map(str), st.sampled_from(["", " ", '"', '""', "a,b", "a\tb", "x\ny", "x\r\ny",
                                                                 "x\ry", "PMID: 12345", "Ada Lovelace; Charles Babbage"]))


@st.composite
def tables(draw):
    first = draw(st.sampled_from(["title", "abstract", "Title", "Abstract Note", "summary"]))
    header = [first, *draw(st.lists(st.sampled_from(COLUMNS), max_size=6, unique=True))]
    width = len(header)
    rows = draw(st.lists(st.one_of(st.lists(CELL, min_size=width, max_size=width),
                                   st.lists(CELL, min_size=max(width - 1, 1), max_size=width + 1)), max_size=5))
    return header, rows


@FUZZ
@given(table=tables(), tab=st.booleans(), bom=st.booleans(), limit=st.one_of(st.just(MAX_RECORD_BYTES), st.integers(256, 4096)),
       detect=st.integers(0, 9))
def test_csv_with_a_header(table, tab, bom, limit, detect):
    header, rows = table
    tab = tab and len(header) > 1  # one column: nothing tells a TSV from a CSV, and it is read as one
    out = io.StringIO()
    writer = csv.writer(out, delimiter="\t" if tab else ",")
    writer.writerow(header)
    writer.writerows(rows)
    data = ("\ufeff" if bom else "") + out.getvalue()

    def size(row):  # a row over the limit is skipped, blank or not
        one = io.StringIO()
        csv.writer(one, delimiter="\t" if tab else ",").writerow(row)
        return len(one.getvalue().encode())

    expected = sum(1 for row in rows if any(cell.strip() for cell in row) or size(row) > limit)
    read(data, "table.csv", "csv", expected, limit, index=detect == 1)
    if detect == 0:
        detected(data, "table.csv")


# --- BibTeX entries -----------------------------------------------------------------------------------

LATEX = st.sampled_from([r"\'{e}", r"{\"u}", r"\"o", r"{\L}", r"{{GPT}}", r"\&", r"\%", "--", "---", "``q''", "~",
                         r"$\alpha$", r"$O(n^2)$", r"\emph{x}", r"\textit{y}", r"\v{S}", r"\c{c}", r"{\aa}", r"\ss{}",
                         r"\url{http://x.org/a_b}", "100%", "#", "a@b.org", "{Google Brain}", r"\unknownmacro{z}"])
PLAIN = st.text(st.characters(blacklist_characters="{}\\@\r", blacklist_categories=("Cs",)), max_size=30)
VALUE = st.one_of(st.lists(st.one_of(PLAIN, LATEX), max_size=6).map("".join), HUGE.map(lambda s: re.sub(r"[{}\\@\r]", "", s)))
BIB_FIELDS = ["title", "author", "abstract", "year", "month", "date", "doi", "eprint", "archiveprefix", "eprinttype",
              "journal", "journaltitle", "booktitle", "volume", "number", "issue", "pages", "isbn", "pmid", "url",
              "note", "keywords", "Title", "AUTHOR"]
KEY = st.text("abcdefghijklmnopqrstuvwxyzABCXYZ0123456789:_-.", min_size=1, max_size=12)


@st.composite
def bibtex_files(draw):
    entries = []
    for _ in range(draw(st.integers(1, 4))):
        kind = draw(st.sampled_from(["article", "inproceedings", "misc", "book", "phdthesis", "online", "Article",
                                     "weird"]))
        fields = draw(st.lists(st.tuples(st.sampled_from(BIB_FIELDS), VALUE,
                                         st.sampled_from(["braces", "quotes", "number", "macro"])), max_size=6))
        parts = []
        for name, value, form in fields:
            if form == "quotes":
                parts.append(f'  {name} = "{value.replace(chr(34), "")}"')
            elif form == "number":
                parts.append(f"  {name} = {draw(st.integers(0, 99999))}")
            elif form == "macro":
                parts.append(f"  {name} = {draw(st.sampled_from(['nov', 'icml', 'jul']))} # {{{value}}}")
            else:
                parts.append(f"  {name} = {{{value}}}")
        # a line that starts with @ starts a block: no value may start one
        body = ",\n".join(parts).replace("\n@", "\n ").replace("\n  @", "\n  ")
        entries.append(f"@{kind}{{{draw(KEY)},\n{body}\n}}\n")
    head = draw(st.sampled_from(["", "% a comment\n", "@string{ icml = {ICML} }\n", "@comment{x}\n",
                                 "@preamble{\"x\"}\n", "Exported by Zotero\n\n"]))
    return head + "\n".join(entries), len(entries)


@FUZZ
@given(bib=bibtex_files(), limit=LIMIT, detect=st.integers(0, 9))
def test_bibtex_entries(bib, limit, detect):
    data, count = bib
    read(data, "library.bib", "bibtex", count, limit, index=detect == 1)
    if detect == 0:
        detected(data, "library.bib")


# --- RIS records ------------------------------------------------------------------------------------

RIS_TAGS = ["TI", "T1", "AU", "A1", "A2", "AB", "N2", "DA", "PY", "Y1", "DO", "T2", "JF", "JO", "JA", "J2", "UR",
            "ID", "VL", "IS", "SP", "EP", "SN", "KW", "N1", "PB", "CY", "L1", "L2", "M3", "ST", "ET", "Y2", "C1",
            "AN", "LA", "DB", "XX", "U1"]


@st.composite
def ris_files(draw):
    records = []
    for _ in range(draw(st.integers(1, 4))):
        kind = draw(st.sampled_from(["JOUR", "CONF", "BOOK", "CHAP", "THES", "RPRT", "GEN", "ELEC", "XYZ", ""]))
        lines = [f"TY  - {kind}"]
        for tag, value in draw(st.lists(st.tuples(st.sampled_from(RIS_TAGS), LINE), max_size=8)):
            lines.append(f"{tag}  - {value}")
            if draw(st.integers(0, 9)) == 0:
                lines.append(draw(LINE).lstrip() or "continued")  # a continuation line, no tag
        lines.append("ER  - " if draw(st.booleans()) else "ER  -")
        records.append("\n".join(lines))
    return draw(st.sampled_from(["", "Provider: Zotero\n\n"])) + "\n\n".join(records) + "\n", len(records)


@FUZZ
@given(ris=ris_files(), crlf=st.booleans(), limit=LIMIT, detect=st.integers(0, 9))
def test_ris_records(ris, crlf, limit, detect):
    data, count = ris
    data = data.replace("\n", "\r\n") if crlf else data
    read(data, "library.ris", "ris", count, limit, index=detect == 1)
    if detect == 0:
        detected(data, "library.ris")


# --- Listings -------------------------------------------------------------------------------------------

@st.composite
def listings(draw):
    entries = []
    for _ in range(draw(st.integers(1, 5))):
        if draw(st.booleans()):
            entries.append("Abstract:" + draw(LINE))
            continue
        header = (draw(st.sampled_from(["", "95.3", "7"])) + draw(st.sampled_from(["LG", "CL", "AS", "CV"]))
                  + draw(st.sampled_from(["Jan", "Apr", "Dec"])) + f" {draw(st.integers(1, 31))}"
                  + draw(st.sampled_from(["", ", 2024"])) + draw(st.sampled_from(["", "Code"])))
        byline = draw(st.one_of(LINE, st.builds(lambda t, a: f"{t}{a}", LINE, st.sampled_from(
            ["Ada Lovelace", "Ada Lovelace, Alan Turing et al. · Cambridge", "Żelasko Piotr · JHU"]))))
        entries.append("\n".join([header, byline, draw(LINE) or "x"]))
    return "\n\n".join(entries) + "\n", len(entries)


@FUZZ
@given(listing=listings(), limit=LIMIT, detect=st.integers(0, 9))
def test_listings(listing, limit, detect):
    data, count = listing
    read(data, "listing.txt", "listing", count, limit, index=detect == 1)
