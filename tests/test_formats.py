"""The formats people export: BibTeX, RIS, OpenAlex and Semantic Scholar JSON, Zotero CSV."""

import json

import pytest
from conftest import FIXTURES
from typer.testing import CliRunner

import paperlike
from paperlike.cli import app
from paperlike.errors import InputError
from paperlike.sources import FORMATS, detect_format


def read(name):
    return paperlike.read_records([FIXTURES / name])


def by_id(corpus):
    return {r.id: r for r in corpus.records}


def seed_record(seed_corpus, title_start):
    return next(r for r in seed_corpus.records if r.title and r.title.startswith(title_start))


# --- BibTeX ---------------------------------------------------------------------------------

def test_bibtex_entries_with_ids_authors_dates_and_venues():
    corpus = read("library.bib")
    assert [(r.id, r.source.line) for r in corpus.records] == [
        ("10.18653/v1/2021.findings-emnlp.367", 5),  # DOI: no arXiv id in the entry
        ("2409.06656", 54),  # eprint 2409.06656v3 with archivePrefix arXiv
        ("10.1162/neco.1997.9.8.1735", 80),
        ("pmlr-v139-touvron21a", 96),  # neither: the citation key
        ("NIPS2017_3f5ee243", 112),
        ("2103.10385", 124),  # eprinttype arxiv wins over the DOI
    ]
    fc2, sortformer, lstm, deit, attention, gpt = corpus.records
    assert fc2.title == ("FastCorrect 2: Fast Error Correction on Multiple Candidates for "
                         "Automatic Speech Recognition")
    assert fc2.authors[:3] == ["Yichong Leng", "Xu Tan", "Rui Wang"] and len(fc2.authors) == 11
    assert fc2.venue == "Findings of the Association for Computational Linguistics: EMNLP 2021"
    assert fc2.date == "2021-11" and fc2.doi == "10.18653/v1/2021.findings-emnlp.367"
    assert fc2.extra["key"] == "leng-etal-2021-fastcorrect-2"
    assert fc2.extra["type"] == "inproceedings"
    assert "reduce the WER over the previous correction model with single candidate by 3.2% " \
           "and 2.6%" in fc2.abstract  # {\%}
    assert sortformer.date == "2024" and sortformer.authors[-1] == "Boris Ginsburg"
    assert sortformer.abstract.startswith("Sortformer is an encoder-based speaker diarization")
    assert lstm.authors == ["Sepp Hochreiter", "Jürgen Schmidhuber"]  # J{\"u}rgen
    assert lstm.date == "1997-11" and lstm.venue == "Neural Computation"
    assert deit.title == "Training data-efficient image transformers & distillation through attention"
    assert deit.authors[-1] == "Hervé Jégou"  # J\'{e}gou, Herv\'{e}
    assert deit.date == "2021-07"  # month = {18--24 Jul}
    assert "top-1 accuracy of 83.1% (single-crop) on ImageNet" in deit.abstract  # a bare %
    assert attention.authors[5:7] == ["Aidan N Gomez", "Łukasz Kaiser"]  # {\L}ukasz
    assert attention.abstract is None and attention.venue.startswith("Advances in Neural")
    assert gpt.title == "GPT Understands, Too"  # {{GPT}}
    assert gpt.doi == "10.1016/j.aiopen.2023.08.012" and gpt.venue == "AI Open"
    assert "unstable performance—e.g., changing" in gpt.abstract  # {\textemdash}


def test_bibtex_malformed_entries_are_skipped_with_their_line_and_the_rest_read():
    corpus = read("library.bib")
    assert [(s.line, s.reason) for s in corpus.skipped] == [
        (138, "malformed BibTeX entry: Unexpected block start: `@misc`. "
              "Was still looking for field-value closing `,` or `}`"),
        (144, "record has neither a title nor an abstract"),
    ]
    assert all(s.path.endswith("library.bib") for s in corpus.skipped)


def test_bibtex_duplicate_keys_macros_and_bad_names(tmp_path):
    path = tmp_path / "dup.bib"
    path.write_text(
        "@string{ icml = {International Conference on Machine Learning} }\n"
        "@inproceedings{a, title={First}, booktitle=icml # {, 2021}, author={Doe, Jane and "
        "{Google Brain}}, date={2021-07-18}}\n"
        "@article{a, title={Second with the same key}}\n"
        "@article{b, title={Third}, author={van der Maaten, Laurens and Hinton, Geoffrey},\n"
        "  eprint={hep-th/9901001v2}, url={https://example.org/x}}\n",
        encoding="utf-8")
    corpus = paperlike.read_records([path])
    first, third = corpus.records
    assert first.venue == "International Conference on Machine Learning, 2021"
    assert first.authors == ["Jane Doe", "Google Brain"] and first.date == "2021-07-18"
    assert third.id == "hep-th/9901001"  # an eprint without archivePrefix is an arXiv id
    assert third.authors == ["Laurens van der Maaten", "Geoffrey Hinton"]
    assert [(s.line, s.reason) for s in corpus.skipped] == [
        (3, "duplicate entry key 'a' (BibTeX keeps the first)")]


@pytest.mark.parametrize("latex, text", [
    (r"\v{S}ediv\'y and Pi{\~n}a", "Šedivý and Piña"),
    (r"{\c{C}}a\u{g}lar G{\"{u}}l{\c{c}}ehre", "Çağlar Gülçehre"),
    (r"Stra\ss{}e, {\o}re, {\aa}r, {\i}", "Straße, øre, år, ı"),
    (r"pages 1--2 --- ``quoted'' a~b", 'pages 1–2 — "quoted" a b'),
    (r"\emph{an {Inner} word}, \textit{et al.}\ end", "an Inner word, et al. end"),
    (r"3$\times$ faster, $O(n^2)$, $\alpha$-stable", "3× faster, O(n^2), α-stable"),
])
def test_bibtex_latex_becomes_unicode(tmp_path, latex, text):
    path = tmp_path / "one.bib"
    path.write_text("@misc{k, title = {" + latex + "}}\n", encoding="utf-8")
    assert paperlike.read_records([path]).records[0].title == text


def test_bibtex_paper_is_the_seed_paper(seed_index, seed_corpus):
    fc2 = read("library.bib").records[0]
    seed = seed_record(seed_corpus, "FastCorrect 2")
    assert fc2.abstract == seed.abstract and fc2.title == seed.title
    match = paperlike.check(seed_index, [fc2])[0]
    assert match.status == "known" and seed.id in match.match.records


# --- RIS ------------------------------------------------------------------------------------

def test_ris_records_with_ids_authors_dates_and_venues():
    corpus = read("zotero.ris")
    assert [(r.id, r.source.line) for r in corpus.records] == [
        ("10.18653/v1/2021.findings-emnlp.367", 1),
        ("2409.06656", 28),  # DO 10.48550/arXiv.2409.06656, UR arxiv.org/abs
        ("10.1162/neco.1997.9.8.1735", 53),  # the DOI of a doi.org UR
        ("smith-thesis-2019", 73),  # ID
    ]
    fc2, sortformer, lstm, thesis = corpus.records
    assert fc2.authors[:2] == ["Yichong Leng", "Xu Tan"] and fc2.authors[-1] == "Tie-Yan Liu"
    assert fc2.date == "2021-11"  # DA 2021/11 beats PY 2021
    assert fc2.venue == "Findings of the Association for Computational Linguistics: EMNLP 2021"
    assert fc2.abstract.startswith("Error correction is widely used in automatic speech")
    assert sortformer.title.startswith("Sortformer: A Novel Approach for Permutation-Resolved")
    assert sortformer.authors[5] == "Nithin Rao Koluguri" and sortformer.date == "2024-09-10"
    assert sortformer.doi == "10.48550/arxiv.2409.06656"
    assert sortformer.extra["keywords"][0] == "Computer Science - Sound"
    assert lstm.title == "Long short-term memory" and lstm.authors == ["S. Hochreiter", "J. Schmidhuber"]
    assert lstm.date == "1997-11-15" and lstm.venue == "Neural Computation"  # JF before JO
    assert lstm.abstract.startswith("Learning to store information over extended time intervals by "
                                    "recurrent backpropagation takes a very long time")  # N2, wrapped
    assert thesis.date == "2019" and thesis.abstract is None and thesis.entry_type == "phdthesis"


def test_ris_unterminated_and_empty_records_are_skipped_with_their_line():
    corpus = read("zotero.ris")
    assert [(s.line, s.reason) for s in corpus.skipped] == [
        (81, "RIS record has no 'ER  -' line before the next 'TY  -'"),
        (86, "record has neither a title nor an abstract"),
    ]


def test_ris_after_a_provider_header_with_a_stray_end_and_no_last_end(tmp_path):
    path = tmp_path / "cut.ris"
    path.write_text("Provider: Some Database\nContent: text/plain; charset=\"UTF-8\"\n\n"
                    "TY  - JOUR\nTI  - Whole\nER  - \nER  - \nTY  - JOUR\nTI  - Cut short\n",
                    encoding="utf-8")
    corpus = paperlike.read_records([path])
    assert [(r.title, r.source.line) for r in corpus.records] == [("Whole", 4)]
    assert [(s.line, s.reason) for s in corpus.skipped] == [
        (7, "'ER  -' outside a record"), (8, "RIS record has no 'ER  -' end line")]


# --- OpenAlex -------------------------------------------------------------------------------

def test_openalex_api_response_rebuilds_abstracts_and_picks_ids(seed_corpus):
    corpus = read("openalex_works.json")
    assert [(r.id, r.source.line) for r in corpus.records] == [
        ("2109.14420", 10),  # an arXiv location beside the publisher's DOI
        ("2409.06656", 899),  # an arXiv preprint (arXiv's DOI, arXiv landing page)
        ("W4301259497", 1469),  # no DOI, no arXiv: the OpenAlex id
    ]
    fc2, sortformer, lstm = corpus.records
    assert fc2.abstract == seed_record(seed_corpus, "FastCorrect 2").abstract  # inverted index
    assert fc2.doi == "10.18653/v1/2021.findings-emnlp.367"
    assert fc2.authors[0] == "Yichong Leng" and len(fc2.authors) == 11
    assert fc2.venue == "Findings of the Association for Computational Linguistics: EMNLP 2021"
    assert fc2.date == "2021-01-01" and fc2.extra["openalex"] == "W3203718466"
    assert sortformer.venue == "arXiv (Cornell University)" and sortformer.date == "2024-09-10"
    assert sortformer.abstract.startswith("Sortformer is an encoder-based speaker diarization model")
    assert lstm.authors == ["Sepp Hochreiter", "Jürgen Schmidhuber"] and lstm.abstract is None
    assert lstm.venue is None and lstm.extra["url"].startswith("https://direct.mit.edu/")
    assert [(s.line, s.reason) for s in corpus.skipped] == [
        (1519, "abstract_inverted_index is not {word: [positions]}")]


def test_openalex_json_lines_skip_a_broken_line():
    corpus = read("openalex_works.jsonl")
    assert [(r.id, r.source.line) for r in corpus.records] == [("2409.06656", 1), ("W4301259497", 3)]
    assert [(s.line, s.reason.split(" (")[0]) for s in corpus.skipped] == [(2, "broken JSON")]


def test_openalex_a_json_array_and_a_single_work(tmp_path):
    work = {"id": "https://openalex.org/W1", "display_name": "Only a display name",
            "abstract_inverted_index": {"world": [1], "Hello": [0]}, "publication_year": 2020}
    (tmp_path / "array.json").write_text(json.dumps([work, work | {"id": "https://openalex.org/W2"}]))
    (tmp_path / "one.json").write_text(json.dumps(work | {"id": "https://openalex.org/W3"}, indent=1))
    records = paperlike.read_records([tmp_path / "array.json", tmp_path / "one.json"]).records
    assert [(r.id, r.title, r.abstract, r.date) for r in records] == [
        ("W1", "Only a display name", "Hello world", "2020"),
        ("W2", "Only a display name", "Hello world", "2020"),
        ("W3", "Only a display name", "Hello world", "2020")]


def test_a_broken_json_document_is_an_error_naming_file_and_line(tmp_path):
    text = (FIXTURES / "openalex_works.json").read_text(encoding="utf-8")
    cut = tmp_path / "cut.json"
    cut.write_text(text[:text.index('"Sortformer: A Novel')], encoding="utf-8")
    with pytest.raises(InputError, match=r"cut\.json:902: broken JSON \(Expecting"):
        paperlike.read_records([cut])


# --- Semantic Scholar -----------------------------------------------------------------------

def test_semantic_scholar_search_response():
    corpus = read("s2_search.json")
    assert [(r.id, r.source.line) for r in corpus.records] == [
        ("2109.14420", 6),  # externalIds.ArXiv before the DOI
        ("2409.06656", 79),  # ArXiv "2409.06656v3": the version is dropped
        ("2e9d221c206e9503ceb452302d68d10e293f2a10", 144),  # neither: the paperId
    ]
    fc2, sortformer, lstm = corpus.records
    assert fc2.doi == "10.18653/v1/2021.findings-emnlp.367" and fc2.date == "2021-09-29"
    assert fc2.venue == "Conference on Empirical Methods in Natural Language Processing"
    assert fc2.authors[-1] == "Tie-Yan Liu" and fc2.extra["externalIds"]["CorpusId"] == 238215436
    assert fc2.abstract.startswith("Error correction is widely used in automatic speech recognition")
    assert sortformer.authors[:2] == ["Taejin Park", "Ivan Medennikov"]
    assert lstm.abstract is None and lstm.date == "1997" and lstm.venue == "Neural Computation"
    assert [(s.line, s.reason) for s in corpus.skipped] == [
        (180, "record has neither a title nor an abstract")]


def test_a_json_value_of_the_wrong_type_is_a_skipped_record(tmp_path):
    path = tmp_path / "odd.jsonl"
    path.write_text(json.dumps({"paperId": "a", "title": ["A", "list"]}) + "\n"
                    + json.dumps({"paperId": "b", "title": "Fine", "publicationDate": 2020}) + "\n"
                    + json.dumps({"paperId": "c", "title": "Fine", "authors": [{"name": None}]}) + "\n",
                    encoding="utf-8")
    corpus = paperlike.read_records([path])
    assert [(r.id, r.authors) for r in corpus.records] == [("c", [])]
    assert [(s.line, s.reason) for s in corpus.skipped] == [
        (1, "title is not text but list \"['A', 'list']\""),
        (2, "date is not text but int '2020'")]


def test_semantic_scholar_batch_array_with_a_null_and_json_lines(tmp_path):
    paper = {"paperId": "abc", "title": "A title", "abstract": "An abstract.", "year": 2023,
             "authors": [{"authorId": "1", "name": "Ada Lovelace"}], "externalIds": {"DOI": "10.1234/X"}}
    (tmp_path / "batch.json").write_text("[\n" + json.dumps(paper) + ",\nnull\n]\n")
    (tmp_path / "papers.jsonl").write_text(json.dumps(paper | {"externalIds": None}) + "\n"
                                           + json.dumps(paper | {"paperId": "def"}) + "\n")
    corpus = paperlike.read_records([tmp_path / "batch.json", tmp_path / "papers.jsonl"])
    assert [(r.id, r.source.line) for r in corpus.records] == [
        ("10.1234/x", 2), ("abc", 1), ("10.1234/x#2", 2)]
    assert [(s.path.rsplit("/", 1)[-1], s.line, s.reason) for s in corpus.skipped] == [
        ("batch.json", 3, "no paper (null: an id the batch request did not find)")]


# --- Zotero CSV -----------------------------------------------------------------------------

def test_zotero_csv_maps_its_columns():
    corpus = read("zotero.csv")
    assert [(r.id, r.source.line) for r in corpus.records] == [
        ("10.18653/v1/2021.findings-emnlp.367", 2),
        ("2409.06656", 3),  # from Url http://arxiv.org/abs/2409.06656 (and Extra arXiv:...)
        ("10.1162/neco.1997.9.8.1735", 4),
        ("5RZ3YH8E", 6),  # no DOI, no arXiv id: the Zotero key; row 4's abstract has a newline
    ]
    fc2, sortformer, lstm, thesis = corpus.records
    assert fc2.authors[:3] == ["Yichong Leng", "Xu Tan", "Rui Wang"] and len(fc2.authors) == 11
    assert fc2.venue == "Findings of the Association for Computational Linguistics: EMNLP 2021"
    assert fc2.date == "2021-11" and fc2.abstract.startswith("Error correction is widely used")
    assert fc2.entry_type == "inproceedings" and "Item Type" not in fc2.extra and "Key" not in fc2.extra
    assert sortformer.authors[5] == "Nithin Rao Koluguri" and sortformer.date == "2024-09-10"
    assert sortformer.extra["Extra"] == "arXiv:2409.06656 [eess]"
    assert lstm.authors == ["Sepp Hochreiter", "Jürgen Schmidhuber"] and lstm.date == "1997"
    assert "backflow. We briefly review" in lstm.abstract
    assert thesis.authors == ["Jane Smith"]  # one "Last, First" author is one person
    assert [(s.line, s.reason) for s in corpus.skipped] == [
        (7, "row has 12 fields, the header has 87"),
        (8, "record has neither a title nor an abstract")]


def test_semicolon_authors_without_commas_are_kept_as_written(tmp_path):
    path = tmp_path / "a.csv"
    path.write_text('title,authors\nT,"Lovelace, Ada; Charles Babbage"\nU,"Ada Lovelace, Charles Babbage"\n',
                    encoding="utf-8")
    first, second = paperlike.read_records([path]).records
    assert first.authors == second.authors == ["Ada Lovelace", "Charles Babbage"]


# --- Detection, the seeds, the command line -------------------------------------------------

@pytest.mark.parametrize("name, fmt", [
    ("library.bib", "bibtex"), ("zotero.ris", "ris"), ("openalex_works.json", "openalex"),
    ("openalex_works.jsonl", "openalex"), ("s2_search.json", "semantic-scholar"),
    ("zotero.csv", "csv"),
    # the formats that were there before are detected as before
    ("arxiv_api.jsonl", "arxiv-json"), ("arxiv_snapshot.jsonl", "arxiv-json"),
    ("broken.jsonl", "arxiv-json"), ("versions.jsonl", "arxiv-json"), ("dblp_like.csv", "csv"),
    ("papers.tsv", "csv"), ("listing_bad.txt", "listing"),
])
def test_each_format_is_detected_from_its_content(name, fmt):
    path = FIXTURES / name
    assert detect_format(path.read_text(encoding="utf-8"), path) == fmt


def test_only_the_order_tells_apart_source_json_lines_from_arxiv_json_lines():
    claims = {path.name: [name for name, module in FORMATS.items()
                          if module.sniff(path.read_text(encoding="utf-8")[:65536])]
              for path in sorted(FIXTURES.iterdir()) if path.is_file()}
    # every line of OpenAlex works has a "title", as arXiv lines do: the sources come first
    assert claims.pop("openalex_works.jsonl") == ["openalex", "arxiv-json"]
    assert all(len(names) == 1 for names in claims.values()), claims
    order = list(FORMATS)
    assert order.index("openalex") < order.index("arxiv-json")
    assert order.index("semantic-scholar") < order.index("arxiv-json")


def test_seeds_are_still_listings(seed_corpus):
    for path in paperlike.seed_paths():
        assert detect_format(path.read_text(encoding="utf-8"), path) == "listing"


@pytest.mark.parametrize("head", [
    "%% Created with BibDesk\n\n@article{x, title={T}}",  # comments before the first entry
    "\ufeff@Article{x,\n  title = {T}\n}",
    "Provider: Publisher\nDatabase: Db\n\nTY  - JOUR\nTI  - T\nER  - \n",
])
def test_export_headers_before_the_records_do_not_hide_the_format(tmp_path, head):
    path = tmp_path / "x.txt"
    path.write_text(head, encoding="utf-8")
    assert paperlike.read_records([path]).records[0].title == "T"


def test_every_export_of_the_seed_paper_is_known_to_the_seed_index(seed_index, seed_corpus):
    seed = seed_record(seed_corpus, "FastCorrect 2")
    for name in ("library.bib", "zotero.ris", "openalex_works.json", "s2_search.json", "zotero.csv"):
        record = read(name).records[0]
        assert record.title == seed.title, name
        result = paperlike.check(seed_index, [record])[0]
        assert result.status == "known" and seed.id in result.match.records, name


def test_the_exports_of_one_paper_are_one_paper():
    names = ["library.bib", "zotero.ris", "openalex_works.json", "s2_search.json", "zotero.csv"]
    corpus = paperlike.read_records([FIXTURES / n for n in names])
    index = paperlike.build_index(corpus)
    groups = {g.title: {m.id.split("#")[0] for m in g.members}
              for g in paperlike.dupes(index).groups}
    fc2 = groups["FastCorrect 2: Fast Error Correction on Multiple Candidates for Automatic Speech "
                 "Recognition"]
    assert fc2 == {"2109.14420", "10.18653/v1/2021.findings-emnlp.367"}
    assert any(ids == {"2409.06656"} for ids in groups.values())


def test_cli_indexes_a_bibtex_file(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    runner = CliRunner()
    result = runner.invoke(app, ["index", str(FIXTURES / "library.bib"), "--model", "tmp"])
    assert result.exit_code == 0, result.output
    assert "indexed 6 records" in result.stdout
    assert "library.bib:138: malformed BibTeX entry" in result.stderr
    assert "library.bib:144: record has neither a title nor an abstract" in result.stderr
    papers = json.loads(runner.invoke(app, ["papers", "--json", "--model", "tmp"]).stdout)
    assert papers[1]["id"] == "2409.06656" and papers[1]["source"]["line"] == 54
    similar = runner.invoke(app, ["similar", "2409.06656v2", "-k", "1", "--json", "--model", "tmp"])
    assert json.loads(similar.stdout)["query"]["id"] == "2409.06656"


def test_cli_format_choices_include_the_new_formats(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    forced = CliRunner().invoke(app, ["index", str(FIXTURES / "zotero.ris"), "--input-format", "ris",
                                      "--model", "tmp"])
    assert forced.exit_code == 0, forced.output
    wrong = CliRunner().invoke(app, ["index", str(FIXTURES / "zotero.ris"), "--input-format", "nope"])
    assert wrong.exit_code == 2 and "bibtex, ris, openalex, semantic-scholar" in wrong.stderr
