"""A model edited by hand or on purpose (issue 19, defect 2): the manifest cannot switch the
checksums off, is validated and protected by its own digest, and arrays overwritten with their
checksums rewritten are refused by the structure checks: one-line ModelErrors, never a
traceback or a segfault."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import paperlike
from paperlike import api, store
from paperlike.columns import BATCH_ROWS, CITE_ROWS
from paperlike.errors import ModelError, PaperlikeError
from paperlike.manifest import OPTIONAL_FILES, digest, required_files
from paperlike.rank import Ranker


@pytest.fixture
def model(seed_model, tmp_path):
    return shutil.copytree(seed_model, tmp_path / "m")


@pytest.fixture(scope="module")
def lsa_model(seed_corpus, tmp_path_factory):
    index = paperlike.PaperIndex(ranker=Ranker(lsa_min_texts=0, n_components=8)).fit(seed_corpus.records)
    return paperlike.save_index(index, tmp_path_factory.mktemp("lsa") / "m")


def _manifest(folder: Path) -> dict:
    return json.loads((folder / "manifest.json").read_text())


def _write_manifest(folder: Path, manifest: object, *, sign: bool = True) -> None:
    """Write a manifest as someone who knows the format would: with its digest rewritten, so
    that what refuses it is the schema (or the structure checks), not the digest."""
    if sign and isinstance(manifest, dict):
        manifest["manifest_sha256"] = digest(manifest)
    (folder / "manifest.json").write_text(json.dumps(manifest))


def _refused(folder: Path, match: str = "") -> str:
    with pytest.raises(ModelError) as caught:
        paperlike.load_index(folder)
    message = str(caught.value)
    assert "\n" not in message and len(message) < 400, message
    assert match in message, message
    return message


def _set(path: str | tuple, value):
    def edit(m: dict) -> dict:
        *parents, last = path if isinstance(path, tuple) else path.split(".")
        node = m
        for key in parents:
            node = node[key]
        node[last] = value
        return m
    return edit


def _drop(path: str):
    def edit(m: dict) -> dict:
        *parents, last = path if isinstance(path, tuple) else path.split(".")
        node = m
        for key in parents:
            node = node[key]
        del node[last]
        return m
    return edit


def _drop_file(name: str):
    def edit(m: dict) -> dict:
        del m["files"][name]
        return m
    return edit


EDITS = {
    "explain_terms -5": (_set("parameters.explain_terms", -5), "explain_terms"),
    "format_version '4'": (_set("format_version", "4"), "format version '4', this paperlike reads version"),
    "format_version 5.0": (_set("format_version", 5.0), "format version 5.0"),
    "format_version true": (_set("format_version", True), "format version True"),
    "files {}": (_set("files", {}), "files: "),
    "files []": (_set("files", []), "files"),
    "files null": (_set("files", None), "files"),
    "files without idf.npy": (_drop_file("idf.npy"), "idf.npy is not listed"),
    "files without records.arrow": (_drop_file("records.arrow"), "records.arrow is not listed"),
    "files with a path": (_set(("files", "../../etc/passwd"), {"bytes": 1, "sha256": "0" * 64}), "files"),
    "files with an extra file": (_set(("files", "notes.txt"), {"bytes": 1, "sha256": "0" * 64}), "notes.txt"),
    "sha256 not hex": (_set(("files", "idf.npy", "sha256"), "x" * 64), "sha256"),
    "bytes -1": (_set(("files", "idf.npy", "bytes"), -1), "bytes"),
    "ranker null": (_set("ranker", None), "ranker"),
    "ranker.lsa claimed": (_set("ranker.lsa", {"n_components": 8, "sample": 10, "n_iter": 5, "random_state": 0,
                                              "rank": 8}), "lsa_components.npy is not listed"),
    "ranker.avgdl string": (_set("ranker.avgdl", "123"), "avgdl"),
    "sources 5": (_set("sources", 5), "sources"),
    "sources of too many records": (_set("sources", [{"path": "x", "records": 10**6}]), "sources"),
    "parameters null": (_set("parameters", None), "parameters"),
    "vectorizer null": (_set("parameters.vectorizer", None), "vectorizer"),
    "dedup null": (_set("parameters.dedup", None), "dedup"),
    "ranker parameters null": (_set("parameters.ranker", None), "parameters.ranker"),
    "an unknown ranker parameter": (_set("parameters.ranker.turbo", True), "turbo"),
    "a missing ranker parameter": (_drop("parameters.ranker.k1"), "k1"),
    "threshold 2": (_set("parameters.dedup.threshold", 2.0), "threshold"),
    "candidates 10**100": (_set("parameters.ranker.candidates", 10**100), "candidates"),
    "title_weight 10**9": (_set("parameters.vectorizer.title_weight", 10**9), "title_weight"),
    "ngram_range reversed": (_set("parameters.vectorizer.ngram_range", [2, 1]), "ngram_range"),
    "token_pattern not a regex": (_set("parameters.vectorizer.token_pattern", "(("), "token_pattern"),
    "counts.records '62'": (_set("counts.records", "62"), "counts.records"),
    "counts.texts 0": (_set("counts.texts", 0), "counts.texts"),
    "more papers than texts": (_set("counts.papers", 10**6), "counts"),
    "counts null": (_set("counts", None), "counts"),
    "updates tokens -1": (_set("updates.tokens", -1), "updates.tokens"),
    "updates 5": (_set("updates", 5), "updates"),
    "versions a list": (_set("versions", []), "versions"),
    "an unknown key": (_set("extra", 1), "extra"),
    "no digest": (_drop("manifest_sha256"), "manifest_sha256"),
    "format 5": (_set("format", 5), "names another format"),
}


@pytest.mark.parametrize("edit", EDITS, ids=list(EDITS))
def test_a_hand_edited_manifest_is_one_line(model, edit):
    change, match = EDITS[edit]
    _write_manifest(model, change(_manifest(model)), sign=edit != "no digest")
    _refused(model, match)


RAW = {
    "nested 100k deep": "[" * 100_000 + "]" * 100_000,
    "nested 100k deep in a key": '{"format": "paperlike-index", "x": ' + "[" * 100_000 + "]" * 100_000 + "}",
    "a list": "[]",
    "a string": '"paperlike-index"',
    "empty": "",
    "not UTF-8": '{"format": "\xff"}',
    "NaN": None,  # filled in below: a valid manifest with k1 NaN
}


@pytest.mark.parametrize("case", RAW, ids=list(RAW))
def test_a_manifest_that_is_not_one_is_one_line(model, case):
    text = RAW[case]
    if text is None:
        m = _manifest(model)
        m["parameters"]["ranker"]["k1"] = float("nan")
        m["manifest_sha256"] = digest(m)
        (model / "manifest.json").write_text(json.dumps(m))
    elif case == "not UTF-8":
        (model / "manifest.json").write_bytes(b'{"format": "\xff"}')
    else:
        (model / "manifest.json").write_text(text)
    _refused(model)


def test_a_directory_named_manifest_json_is_one_line(model):
    (model / "manifest.json").unlink()
    (model / "manifest.json").mkdir()
    _refused(model, "manifest.json")


def test_a_huge_manifest_is_refused_without_reading_it_all(model):
    with (model / "manifest.json").open("ab") as f:
        f.truncate(store._MAX_MANIFEST_BYTES + 10)
    _refused(model, "larger than")


def test_the_manifest_nested_deep_on_the_command_line_is_one_line(model):
    (model / "manifest.json").write_text("[" * 100_000 + "]" * 100_000)
    done = subprocess.run([sys.executable, "-m", "paperlike", "similar", "speech", "--model", str(model)],
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 1 and done.stderr.count("\n") == 1 and "Traceback" not in done.stderr
    assert "manifest.json: damaged (not JSON)" in done.stderr


def test_a_valid_edit_without_its_digest_is_refused(model):
    """explain_terms 5 -> 3 is a valid manifest, and would change every result: the digest
    refuses it (bit rot in a digit does the same)."""
    m = _manifest(model)
    m["parameters"]["explain_terms"] = 3
    _write_manifest(model, m, sign=False)
    _refused(model, "manifest.json: damaged (its content differs from its own manifest_sha256)")


def test_a_flipped_byte_anywhere_in_the_manifest_is_refused(model):
    data = (model / "manifest.json").read_bytes()
    for at in range(0, len(data), max(1, len(data) // 97)):
        flipped = bytearray(data)
        flipped[at] ^= 0x01
        (model / "manifest.json").write_bytes(bytes(flipped))
        message = _refused(model)
        assert "manifest.json" in message or "not a paperlike model" in message or "format version" in message
    (model / "manifest.json").write_bytes(data)
    assert paperlike.load_index(model).similar("SoftCorrect", k=1).results


def test_the_required_files_are_those_save_writes(seed_model, lsa_model):
    """The list a manifest must have is derived from the writer: a saved model lists exactly
    it, with and without an LSA."""
    for folder, lsa in ((seed_model, False), (lsa_model, True)):
        assert (_manifest(folder)["ranker"]["lsa"] is not None) is lsa
        on_disk = {p.name for p in folder.iterdir()} - {"manifest.json", ".verified"}
        # additions.json (when the records came in) is written by every save, and required of
        # none: models saved before it was kept load without it
        assert set(_manifest(folder)["files"]) == required_files(lsa) | set(OPTIONAL_FILES) == on_disk


def test_an_older_format_is_read_by_refit_only(model):
    """A model saved before the manifest's digest (format 5) is refused by load with the
    command that rebuilds it, and --refit reads it."""
    m = _manifest(model)
    del m["manifest_sha256"]
    m["format_version"] = 5
    (model / "manifest.json").write_text(json.dumps(m))
    _refused(model, f"format version 5, this paperlike reads version {store.FORMAT_VERSION}; "
                    "rebuild it with 'paperlike index --refit")
    api.refit(model)
    assert len(paperlike.load_index(model).records_) == 62


def test_a_format_6_model_with_records_jsonl_is_read_by_refit(model):
    """Format 6 kept the records as JSON lines (records.jsonl, record_offsets.npy): load refuses
    it with the command that rebuilds it, --refit reads its records, and the model it writes
    keeps them in records.arrow, every field the same."""
    before = list(paperlike.load_index(model).records_)
    lines = [record.model_dump_json().encode() + b"\n" for record in before]
    (model / "records.jsonl").write_bytes(b"".join(lines))
    np.save(model / "record_offsets.npy", np.cumsum([0] + [len(line) for line in lines]).astype(np.int64))
    (model / "records.arrow").unlink()
    m = _manifest(model)
    del m["files"]["records.arrow"]
    for name in ("records.jsonl", "record_offsets.npy"):
        m["files"][name] = {"bytes": (model / name).stat().st_size, "sha256": store._sha256(model / name)}
    m["format_version"] = 6
    _write_manifest(model, m)
    (model / ".verified").unlink(missing_ok=True)
    _refused(model, f"format version 6, this paperlike reads version {store.FORMAT_VERSION}; rebuild it with 'paperlike index --refit")
    api.refit(model)
    assert list(paperlike.load_index(model).records_) == before
    assert not (model / "records.jsonl").exists() and (model / "records.arrow").exists()


def test_a_format_7_model_without_cite_arrow_is_read_by_refit(model):
    """Format 7 had records.arrow and no citing file: load refuses it with the command that
    rebuilds it, --refit reads its records, and the model it writes has cite.arrow."""
    before = list(paperlike.load_index(model).records_)
    (model / "cite.arrow").unlink()
    m = _manifest(model)
    del m["files"]["cite.arrow"]
    m["format_version"] = 7
    _write_manifest(model, m)
    (model / ".verified").unlink(missing_ok=True)
    _refused(model, f"format version 7, this paperlike reads version {store.FORMAT_VERSION}; rebuild it with "
                    "'paperlike index --refit")
    api.refit(model)
    index = paperlike.load_index(model)
    assert list(index.records_) == before and (model / "cite.arrow").exists()
    assert index.records_.fields(5, ("id", "authors")) == (before[5].id, before[5].authors)


# -- arrays overwritten, their checksums rewritten -------------------------------------------------

def _rewrite(folder: Path, name: str, content: np.ndarray | bytes | str) -> None:
    """Overwrite a file of the model and rewrite its size and SHA-256 and the manifest's
    digest: what only a deliberate edit does."""
    path = folder / name
    if isinstance(content, np.ndarray):
        np.save(path, content, allow_pickle=False)
    elif isinstance(content, bytes):
        path.write_bytes(content)
    else:
        path.write_text(content)
    m = _manifest(folder)
    m["files"][name] = {"bytes": path.stat().st_size, "sha256": store._sha256(path)}
    _write_manifest(folder, m)


def _load(folder: Path, name: str) -> np.ndarray:
    return np.load(folder / f"{name}.npy")


def _with(name: str, change):
    def tamper(folder: Path) -> None:
        a = _load(folder, name).copy()
        _rewrite(folder, f"{name}.npy", change(a))
    return tamper


def _fill(value):
    def change(a):
        a[...] = value
        return a
    return change


def _at(i, value):
    def change(a):
        a.reshape(-1)[i] = value
        return a
    return change


TAMPERED = {
    "XT_indices huge": (_with("XT_indices", _fill(10**9)), "XT_indices.npy: damaged (a value outside"),
    "XT_indices -1": (_with("XT_indices", _at(5, -1)), "XT_indices.npy"),
    "X_indices past the vocabulary": (_with("X_indices", _at(0, 10**6)), "X_indices.npy"),
    "X_indices unsorted": (_with("X_indices", lambda a: np.concatenate([a[1::-1], a[2:]])), "not sorted"),
    "X_indptr decreasing": (_with("X_indptr", _at(3, 0)), "X_indptr.npy"),
    "X_indptr ends early": (_with("X_indptr", _at(-1, 5)), "X_indptr.npy"),
    "XT_indptr past nnz": (_with("XT_indptr", _at(-1, 10**9)), "XT_indptr.npy"),
    "XT_indptr too short": (_with("XT_indptr", lambda a: a[:-3]), "XT_indptr.npy: damaged (shape"),
    "X_data int64": (_with("X_data", lambda a: a.astype(np.int64)), "X_data.npy: damaged (<i8 values"),
    "X_indices big-endian": (_with("X_indices", lambda a: a.astype(">i4")), "X_indices.npy"),
    "idf 2-D": (_with("idf", lambda a: a.reshape(1, -1)), "idf.npy: damaged (shape"),
    "idf float64": (_with("idf", lambda a: a.astype(np.float64)), "idf.npy"),
    "bm25_postings short": (_with("bm25_postings", lambda a: a[:-1]), "bm25_postings.npy"),
    "text_of_record past the texts": (_with("text_of_record", _at(0, 10**6)), "text_of_record.npy"),
    "record_of_text -1": (_with("record_of_text", _at(0, -1)), "record_of_text.npy"),
    "record_of_text of another text": (_with("record_of_text", lambda a: a[::-1].copy()), "record_of_text.npy"),
    "paper_of_text past the papers": (_with("paper_of_text", _at(0, 10**6)), "paper_of_text.npy"),
    "canonical past the records": (_with("canonical", _at(0, 10**6)), "canonical.npy"),
    "canonical of another paper": (_with("canonical", lambda a: a[::-1].copy()), "canonical.npy"),
    "version_pairs past the texts": (_with("version_pairs", _fill(10**6)), "version_pairs.npy"),
    "maybe_pairs odd": (_with("maybe_pairs", lambda a: np.zeros(3, dtype=np.int64)), "maybe_pairs.npy"),
    "category indices past the categories": (_with("record_category_indices", _fill(10**6)),
                                             "record_category_indices.npy"),
    "category indptr decreasing": (_with("record_category_indptr", _at(2, 10**6)), "record_category_indptr.npy"),
    "keys_id_value past the records": (_with("keys_id_value", _at(0, 10**6)), "keys_id_value.npy"),
    "keys_title_value -5": (_with("keys_title_value", _at(0, -5)), "keys_title_value.npy"),
    "keys_text_hash unsorted": (_with("keys_text_hash", lambda a: a[::-1].copy()), "keys_text_hash.npy"),
    "keys_short shorter": (_with("keys_short_value", lambda a: a[:-1]), "keys_short_value.npy"),
    "an npy header that lies": (lambda f: _rewrite(f, "idf.npy", (f / "idf.npy").read_bytes()[:-40]), "idf.npy"),
    "an npy that is a pickle": (lambda f: _rewrite(f, "idf.npy", b"\x80\x04K\x01."), "idf.npy: unreadable"),
    "vocabulary reversed and cut": (lambda f: _rewrite(f, "vocabulary.json", json.dumps(
        json.loads((f / "vocabulary.json").read_text())[:0:-1])), "vocabulary.json"),
    "vocabulary with a term twice": (lambda f: _rewrite(f, "vocabulary.json", json.dumps(
        ["x"] * len(json.loads((f / "vocabulary.json").read_text())))), "twice"),
    "vocabulary nested deep": (lambda f: _rewrite(f, "vocabulary.json", "[" * 100_000 + "]" * 100_000),
                               "vocabulary.json"),
    "vocabulary of numbers": (lambda f: _rewrite(f, "vocabulary.json", "[1, 2]"), "vocabulary.json"),
    "version_rules an object": (lambda f: _rewrite(f, "version_rules.json", "{}"), "version_rules.json"),
    "categories null": (lambda f: _rewrite(f, "categories.json", "null"), "categories.json"),
}


@pytest.mark.parametrize("case", TAMPERED, ids=list(TAMPERED))
def test_overwritten_files_with_rewritten_checksums_are_one_line(model, case):
    tamper, match = TAMPERED[case]
    tamper(model)
    _refused(model, match)


@pytest.mark.parametrize("name,change", [
    ("lsa_terms", _at(0, 10**6)), ("lsa_terms", lambda a: a[:-1]),
    ("lsa_embeddings", lambda a: a[:-1]), ("lsa_components", lambda a: a[:, :-1].copy()),
    ("lsa_embeddings", lambda a: a.astype(np.float32)),
])
def test_overwritten_lsa_arrays_are_one_line(lsa_model, tmp_path, name, change):
    folder = shutil.copytree(lsa_model, tmp_path / "lsa")
    _with(name, change)(folder)
    _refused(folder, "lsa_")


def test_the_segfault_of_the_issue_is_a_one_line_error(model):
    """`"files": {}` and the inverted index overwritten: `similar --text` died of signal 11."""
    m = _manifest(model)
    m["files"] = {}
    (model / "manifest.json").write_text(json.dumps(m))
    a = _load(model, "XT_indices")
    np.save(model / "XT_indices.npy", np.full_like(a, 10**9))
    for files_rewritten in (False, True):
        if files_rewritten:
            _with("XT_indices", _fill(10**9))(model)
        done = subprocess.run([sys.executable, "-m", "paperlike", "similar", "speech recognition errors", "--text",
                               "--model", str(model)], capture_output=True, text=True, timeout=120)
        assert done.returncode == 1, (done.returncode, done.stderr)
        assert done.stderr.startswith("paperlike: error: ") and done.stderr.count("\n") == 1


def _records_table(folder: Path):
    import pyarrow as pa

    with pa.memory_map(str(folder / "records.arrow")) as source:
        return pa.ipc.open_file(source).read_all()


def _write_records(folder: Path, table, batch_rows: int | None = BATCH_ROWS, chunk: int = BATCH_ROWS,
                   compression: str | None = "zstd") -> None:
    """Write a records file as someone who knows the format would, checksums rewritten."""
    import pyarrow as pa

    sink = pa.BufferOutputStream()
    schema = table.schema.remove_metadata()
    if batch_rows is not None:
        schema = schema.with_metadata({b"paperlike.batch_rows": str(batch_rows).encode()})
    with pa.ipc.new_file(sink, schema, options=pa.ipc.IpcWriteOptions(compression=compression)) as writer:
        writer.write_table(table.combine_chunks().replace_schema_metadata(schema.metadata), max_chunksize=chunk)
    _rewrite(folder, "records.arrow", sink.getvalue().to_pybytes())


# The seeds' 62 records fit in one batch of the saved file: tampered files are written 32 records
# a batch (a size the file may have), so that an error can name the second batch.
_SMALL = 32


def _column_set(name: str, i: int, value):
    def tamper(folder: Path) -> None:
        import pyarrow as pa

        table = _records_table(folder)
        values = table.column(name).to_pylist()
        values[i] = value
        at = table.schema.get_field_index(name)
        _write_records(folder, table.set_column(at, table.schema.field(name), pa.array(values, table.schema.field(name).type)),
                       batch_rows=_SMALL, chunk=_SMALL)
    return tamper


RECORDS_TAMPERED = {
    "not an Arrow file": (lambda f: _rewrite(f, "records.arrow", b"ARROW1" + b"\0" * 100), "not an Arrow IPC file"),
    "a JSON-lines file": (lambda f: _rewrite(f, "records.arrow", b'{"id": "x"}\n'), "not an Arrow IPC file"),
    "a column dropped": (lambda f: _write_records(f, _records_table(f).drop_columns(["doi"])), "its columns"),
    "a column of another type": (lambda f: _write_records(f, _records_table(f).set_column(
        0, "id", _records_table(f).column("id").cast("large_string"))), "its columns"),
    "no batch size": (lambda f: _write_records(f, _records_table(f), batch_rows=None), "no batch size"),
    "batches of another size": (lambda f: _write_records(f, _records_table(f), chunk=10), "7 batches"),
    "a batch size that lies": (lambda f: _write_records(f, _records_table(f), batch_rows=40, chunk=31),
                               "batch 1 holds 31 records, not 40"),
    "smaller batches, consistent": (lambda f: _write_records(f, _records_table(f), batch_rows=10, chunk=10), None),
    "a record short": (lambda f: _write_records(f, _records_table(f).slice(1), batch_rows=_SMALL, chunk=_SMALL),
                       f"batch 2 holds {61 - _SMALL} records, not {62 - _SMALL}"),
    "a record without an id": (_column_set("id", 40, None), "batch 2: a record without an id"),
    "a source line of 0": (_column_set("source_line", 0, 0), "batch 1: a source line below 1"),
    "a source path without its line": (_column_set("source_line", 3, None), "batch 1: a source with a path and no line"),
}


@pytest.mark.parametrize("case", RECORDS_TAMPERED, ids=list(RECORDS_TAMPERED))
def test_a_records_file_rewritten_is_refused_on_load(model, case):
    tamper, match = RECORDS_TAMPERED[case]
    tamper(model)
    if match is None:  # another batch size, said so: a file that reads the same
        assert [r.id for r in paperlike.load_index(model).records_][-1] == _records_table(model).column("id")[-1].as_py()
    else:
        _refused(model, f"records.arrow: damaged ({match}")


def _cite_table(folder: Path):
    import pyarrow as pa

    with pa.memory_map(str(folder / "cite.arrow")) as source:
        return pa.ipc.open_file(source).read_all()


def _write_cite(folder: Path, table, batch_rows: int | None = CITE_ROWS, chunk: int = CITE_ROWS,
                compression: str | None = None) -> None:
    """Write a citing file as someone who knows the format would, checksums rewritten."""
    import pyarrow as pa

    sink = pa.BufferOutputStream()
    schema = table.schema.remove_metadata()
    if batch_rows is not None:
        schema = schema.with_metadata({b"paperlike.batch_rows": str(batch_rows).encode()})
    with pa.ipc.new_file(sink, schema, options=pa.ipc.IpcWriteOptions(compression=compression)) as writer:
        writer.write_table(table.combine_chunks().replace_schema_metadata(schema.metadata), max_chunksize=chunk)
    _rewrite(folder, "cite.arrow", sink.getvalue().to_pybytes())


def _cite_set(name: str, i: int, value):
    def tamper(folder: Path) -> None:
        import pyarrow as pa

        table = _cite_table(folder)
        values = table.column(name).to_pylist()
        values[i] = value
        field = table.schema.field(name)
        _write_cite(folder, table.set_column(table.schema.get_field_index(name), field, pa.array(values, field.type)))
    return tamper


def _oversized(folder: Path) -> None:
    import pyarrow as pa

    table = _cite_table(folder)
    _write_cite(folder, pa.concat_tables([table, table]), chunk=10**6)


CITE_TAMPERED = {
    "missing": (lambda f: (f / "cite.arrow").unlink(), "cite.arrow: missing from the model"),
    "not an Arrow file": (lambda f: _rewrite(f, "cite.arrow", b"ARROW1" + b"\0" * 100), "not an Arrow IPC file"),
    "empty": (lambda f: _rewrite(f, "cite.arrow", b""), "not an Arrow IPC file"),
    "the records file in its place": (lambda f: _rewrite(f, "cite.arrow", (f / "records.arrow").read_bytes()),
                                      "its columns are not those of a model's citing file"),
    "a column dropped": (lambda f: _write_cite(f, _cite_table(f).drop_columns(["doi"])), "its columns"),
    "an abstract added": (lambda f: _write_cite(f, _cite_table(f).append_column("abstract", _cite_table(f).column("title"))),
                          "its columns"),
    "a column of another type": (lambda f: _write_cite(f, _cite_table(f).set_column(
        0, "id", _cite_table(f).column("id").cast("large_string"))), "its columns"),
    "no batch size": (lambda f: _write_cite(f, _cite_table(f), batch_rows=None), "no batch size"),
    "oversized": (_oversized, "batch 1 holds 124 records, not 62"),
    "batches of another size": (lambda f: _write_cite(f, _cite_table(f), chunk=10), "7 batches"),
    "a record short": (lambda f: _write_cite(f, _cite_table(f).slice(1)), "batch 1 holds 61 records, not 62"),
    "compressed": (lambda f: _write_cite(f, _cite_table(f), compression="zstd"), None),
    "a record without an id": (_cite_set("id", 40, None), "batch 1: a record without an id"),
    "a null author": (_cite_set("authors", 3, [None]), "batch 1: a null in authors"),
    "a title changed": (_cite_set("title", 40, "Another title"),
                        f"records {40 // BATCH_ROWS * BATCH_ROWS + 1} to 62 differ from those of records.arrow"),
    "smaller batches, consistent": (lambda f: _write_cite(f, _cite_table(f), batch_rows=10, chunk=10), None),
}


@pytest.mark.parametrize("case", CITE_TAMPERED, ids=list(CITE_TAMPERED))
def test_a_citing_file_rewritten_is_refused_on_load(model, case):
    """cite.arrow damaged, missing, oversized, of other columns, or saying other than the
    records (checksums rewritten): a one-line ModelError naming it; or, for a file that reads
    the same, the same results."""
    before = paperlike.load_index(model).similar("speech recognition", k=5).model_dump()
    (model / ".verified").unlink(missing_ok=True)
    tamper, match = CITE_TAMPERED[case]
    tamper(model)
    if match is None:
        assert paperlike.load_index(model).similar("speech recognition", k=5).model_dump() == before
    else:
        _refused(model, match if match.startswith("cite.arrow") else f"cite.arrow: damaged ({match}")


def test_a_citing_file_read_without_verification_is_still_checked(model, tmp_path):
    """The citing file's batches are checked when first read, not only by the verification
    (which a .verified stamp skips): garbage over its bytes gives a one-line ModelError when a
    query's results read it, or values that read; never a crash."""
    import pyarrow as pa

    from paperlike.columns import CiteFile

    table = _cite_table(model)
    sink = pa.BufferOutputStream()
    with pa.ipc.new_file(sink, table.schema.with_metadata({b"paperlike.batch_rows": b"4096"})) as writer:
        writer.write_table(table)
    clean = sink.getvalue().to_pybytes()
    refused = []
    for at in range(0, len(clean) - 60, 211):
        path = tmp_path / f"at{at}.arrow"
        path.write_bytes(clean[:at] + b"\xff" * 60 + clean[at + 60:])
        try:
            cite = CiteFile(path, table.num_rows, lambda what, path=path: ModelError(f"{path}: damaged ({what})"))
            for i in range(table.num_rows):
                cite.fields(i, ("id", "title", "authors", "date", "venue", "doi"))
        except ModelError as exc:
            assert "\n" not in str(exc) and f"at{at}.arrow: damaged (" in str(exc)
            refused.append(at)
    assert refused  # the garbage was read, not skipped


@pytest.mark.parametrize("name,value,match", [
    ("extra", "{not json", "batch 1: Expecting property name"),
    ("extra", "[1, 2]", "batch 1: an extra that is not a JSON object"),
])
def test_a_record_rewritten_into_garbage_is_one_line(model, name, value, match):
    _column_set(name, 0, value)(model)
    index = paperlike.load_index(model)  # records are decoded only when asked for
    with pytest.raises(ModelError, match=rf"records.arrow: damaged \({match}") as caught:
        index.records_[0]
    assert "\n" not in str(caught.value)


@pytest.mark.parametrize("name", ["records.arrow", "cite.arrow"])
@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_bytes_of_the_records_files_overwritten_never_crash(model, name, data):
    """Any bytes of records.arrow or cite.arrow overwritten (checksums rewritten): a one-line
    ModelError on load or on reading the records, or records that read; never a crash. A
    value of one changed so that both files stay valid is caught by their comparison."""
    folder = model.parent / f"r{data.draw(st.integers(0, 10**9))}"
    shutil.rmtree(folder, ignore_errors=True)
    shutil.copytree(model, folder)
    content = bytearray((folder / name).read_bytes())
    at = data.draw(st.integers(0, len(content) - 1))
    piece = data.draw(st.binary(min_size=1, max_size=16))
    content[at:at + len(piece)] = piece
    _rewrite(folder, name, bytes(content))
    try:
        index = paperlike.load_index(folder)
        for i, record in enumerate(index.records_):
            assert index.records_.fields(i, ("id", "title", "authors"))[0] == record.id
    except ModelError as exc:
        message = str(exc)
        assert "\n" not in message and (f"{name}: damaged" in message
                                        or "cite.arrow: damaged (records" in message), message
    finally:
        shutil.rmtree(folder)


def test_a_reversed_vocabulary_with_rewritten_checksums_loads_but_never_crashes(model):
    """The documented limit (paperlike.manifest): a vocabulary in reverse order, its checksum
    and the manifest's digest rewritten, is a valid model that answers wrongly. Without the
    digest rewritten, it is refused."""
    vocabulary = json.loads((model / "vocabulary.json").read_text())
    path = model / "vocabulary.json"
    path.write_text(json.dumps(vocabulary[::-1]))
    m = _manifest(model)
    m["files"]["vocabulary.json"] = {"bytes": path.stat().st_size, "sha256": store._sha256(path)}
    _write_manifest(model, m, sign=False)
    _refused(model, "manifest_sha256")
    _write_manifest(model, m)
    index = paperlike.load_index(model)
    assert index.similar("speech recognition", k=3).results is not None


# -- fuzzing: any array's values, checksums rewritten ------------------------------------------

_NAMES = sorted(n for n in store.schema.ARRAYS)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(name=st.sampled_from(_NAMES), seed=st.integers(0, 2**32 - 1),
       how=st.sampled_from(["shuffle", "one", "many", "scale", "negate", "zero"]))
def test_any_array_overwritten_gives_answers_or_a_model_error(seed_model, tmp_path_factory, name, seed, how):
    """Whatever an array holds (same dtype and length, checksums rewritten), loading and
    querying the model gives answers or a PaperlikeError, never another exception."""
    folder = shutil.copytree(seed_model, tmp_path_factory.mktemp("fuzz") / "m")
    rng = np.random.default_rng(seed)
    a = _load(folder, name).copy()
    flat = a.reshape(-1)
    if flat.size:
        big = np.iinfo(a.dtype).max if a.dtype.kind in "iu" else 1e30
        if how == "shuffle":
            rng.shuffle(flat)
        elif how == "one":
            values = [big, 0, flat.size, -1 if a.dtype.kind != "u" else 1]
            flat[rng.integers(flat.size)] = values[rng.integers(len(values))]
        elif how == "many":
            flat[:] = rng.integers(-3, flat.size + 3, flat.size) if a.dtype.kind == "i" else rng.random(flat.size)
        elif how == "scale":
            flat *= 3
        elif how == "negate" and a.dtype.kind in "if":
            flat *= -1
        elif how == "zero":
            flat[:] = 0
    _rewrite(folder, f"{name}.npy", a)
    try:
        index = paperlike.load_index(folder)
        for query in ("FastCorrect 2", "speech recognition error correction", index.records_[7].id):
            index.similar(query, k=5)
        index.recommend(["SoftCorrect"], k=3)
        index.dupes()
        index.check(paperlike.Record(id="x", title="SoftCorrect", abstract="error correction for speech"))
    except PaperlikeError:
        pass
