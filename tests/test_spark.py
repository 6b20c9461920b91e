"""The Spark build (paperlike.spark) gives the local build's model: the same vocabulary, IDF,
vectors (bit for bit), pairs and groups, and a model folder that answers alike.

One Spark session (``local[2]``) for the module; the build runs once, through the CLI. Skipped
with the reason when pyspark or a Java runtime is missing.
"""

from __future__ import annotations

import json
import os
import random
import shutil
from pathlib import Path

import numpy as np
import pytest
import scipy.sparse as sp
from typer.testing import CliRunner

pyspark = pytest.importorskip("pyspark", reason="pyspark is not installed (pip install 'paperlike[spark]')")
if shutil.which("java") is None and not os.environ.get("JAVA_HOME"):
    pytest.skip("no Java runtime: the Spark tests need one (apt-get install openjdk-17-jre-headless)",
                allow_module_level=True)

from paperlike import api, read_records, store  # noqa: E402
from paperlike.allpairs import pairs_above as local_pairs_above  # noqa: E402
from paperlike.cli import app  # noqa: E402
from paperlike.dedup.grouping import components as local_components  # noqa: E402
from paperlike.index import PaperIndex  # noqa: E402

FIXTURES = Path(__file__).parent / "fixtures"
# Bibliographic exports (no abstracts), JSON of several sources, and a file with broken lines.
FIXTURE_FILES = ["versions.jsonl", "library.bib", "dblp_like.csv", "bib_exports.csv", "zotero.ris",
                 "openalex_works.jsonl", "s2_search.json", "broken.jsonl", "arxiv_snapshot.jsonl"]

_SYLLABLES = ["ka", "lo", "mi", "ne", "ru", "sa", "ti", "vo", "xe", "zu", "pra", "qel", "dor", "fin", "gha"]
_MARKUP = ["$\\alpha$-stable", "\\emph{robust}", "Schr{\\\"o}dinger", "$O(n \\log n)$", "{\\em sparse} codes",
           "na\\\"ive", "10\\% faster", "&amp; more"]
_FOREIGN = ["théorie", "Straße", "α-helix", "naïve", "Ångström", "über", "数据", "Ελλάδα", "façade", "Øresund"]


def _word(rnd: random.Random) -> str:
    return "".join(rnd.choice(_SYLLABLES) for _ in range(rnd.randint(2, 4)))


def _synthetic(rnd: random.Random) -> list[dict]:
    """Papers, with graded rewrites whose cosines with their originals run densely across the
    joins' thresholds, copies, markup, non-ASCII text and bibliographic records."""
    lexicon = [_word(rnd) for _ in range(3000)]
    out = []
    for p in range(120):
        words = [rnd.choice(lexicon) for _ in range(rnd.randint(40, 120))]
        if p % 5 == 0:
            words[rnd.randrange(len(words))] = rnd.choice(_MARKUP)
        if p % 7 == 0:
            words[rnd.randrange(len(words))] = rnd.choice(_FOREIGN)
        title = [rnd.choice(lexicon) for _ in range(rnd.randint(4, 10))]
        base = {"id": f"syn.{p:04d}", "title": " ".join(title).capitalize(), "summary": " ".join(words),
                "authors": [f"{_word(rnd).capitalize()} {_word(rnd).capitalize()}" for _ in range(rnd.randint(1, 4))]}
        out.append(base)
        # Rewrites: k words replaced, the title changed by a word or two now and then.
        for v in range(rnd.randint(1, 4)):
            changed = list(words)
            for _ in range(rnd.randint(1, max(2, len(words) // 4))):
                changed[rnd.randrange(len(changed))] = rnd.choice(lexicon)
            new_title = list(title)
            for _ in range(rnd.randint(0, 3)):
                new_title[rnd.randrange(len(new_title))] = rnd.choice(lexicon)
            out.append({**base, "id": f"syn.{p:04d}.{v}", "title": " ".join(new_title).capitalize(),
                        "summary": " ".join(changed)})
        if p % 10 == 0:  # an exact copy under another id, and one under the same id
            out.append({**base, "id": f"copy.{p:04d}"})
            out.append(dict(base))
        if p % 6 == 0:  # a bibliographic record of the paper: title, authors, venue, pages, no abstract
            out.append({"id": f"bib.{p:04d}", "title": base["title"], "authors": base["authors"],
                        "journal_ref": f"J. {_word(rnd).capitalize()} {rnd.randint(1, 40)} ({rnd.randint(1990, 2024)}) "
                                       f"{rnd.randint(1, 300)}-{rnd.randint(301, 600)}"})
    # Titles alone, no abstract: the title join decides these.
    for p in range(40):
        title = [rnd.choice(lexicon) for _ in range(6)]
        out.append({"id": f"t.{p:03d}", "title": " ".join(title), "authors": ["A. Person"]})
        other = list(title)
        other[rnd.randrange(6)] = rnd.choice(lexicon)
        out.append({"id": f"t.{p:03d}b", "title": " ".join(other), "authors": ["A. Person"]})
    rnd.shuffle(out)
    return out


@pytest.fixture(scope="module")
def corpus(tmp_path_factory) -> list[Path]:
    folder = tmp_path_factory.mktemp("spark-corpus")
    paths = []
    for name in FIXTURE_FILES:
        shutil.copy(FIXTURES / name, folder / name)
        paths.append(folder / name)
    synthetic = folder / "synthetic.jsonl"
    synthetic.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in _synthetic(random.Random(23))),
                         encoding="utf-8")
    paths.append(synthetic)
    return paths


@pytest.fixture(scope="module")
def spark():
    from paperlike.spark import session

    found = session("local[2]", "paperlike-tests", shuffle_partitions=2)
    yield found
    found.stop()


@pytest.fixture(scope="module")
def local_model(corpus, tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("local") / "model"
    api.rebuild(folder, read_records(corpus))
    return folder


@pytest.fixture(scope="module")
def spark_model(corpus, spark, tmp_path_factory) -> Path:
    """The Spark build, run as a user runs it: ``paperlike index --engine spark``."""
    folder = tmp_path_factory.mktemp("spark") / "model"
    result = CliRunner().invoke(app, ["index", "--engine", "spark", "--master", "local[2]",
                                      *map(str, corpus), "--model", str(folder), "--format", "json"])
    assert result.exit_code == 0, result.output
    summary = json.loads(result.stdout)
    assert summary["skipped"] == len(read_records(corpus).skipped) > 0
    return folder


@pytest.fixture(scope="module")
def both(local_model, spark_model) -> tuple[PaperIndex, PaperIndex]:
    return store.load(local_model), store.load(spark_model)


def test_fixture_has_what_the_identity_must_cover(both):
    local, _ = both
    records = local.records_
    assert any(not r.abstract and r.pages for r in records), "bibliographic records"
    assert any(not r.abstract for r in records) and any(r.abstract and not r.abstract.isascii() for r in records)
    assert any(r.abstract and "α" in r.abstract for r in records), "LaTeX turned into symbols"
    assert len(local.record_of_text_) < len(records), "identical texts collapsed"
    # Cosines on both sides of each join's threshold, close to it: the build's edges.
    X = local.X_
    i, j, cos = local_pairs_above(X, 0.5)
    for t in (0.9,):
        assert ((cos >= t) & (cos < t + 0.01)).any() and ((cos < t) & (cos > t - 0.01)).any()
    titled = np.array([k for k, r in enumerate(local.records_[x] for x in local.record_of_text_) if r.title])
    assert len(titled) > 100


def test_same_records_texts_and_vocabulary(both):
    local, remote = both
    assert [r.model_dump() for r in remote.records_] == [r.model_dump() for r in local.records_]
    assert np.array_equal(remote.text_of_record_, local.text_of_record_)
    assert np.array_equal(remote.record_of_text_, local.record_of_text_)
    assert list(remote.vectorizer.vocabulary_) == list(local.vectorizer.vocabulary_)
    assert remote.vectorizer.idf_.dtype == np.float32
    assert np.array_equal(remote.vectorizer.idf_, local.vectorizer.idf_)


def test_same_vectors_bit_for_bit(both):
    local, remote = both
    for a, b in ((local.X_, remote.X_), (local.XT_, remote.XT_)):
        assert a.shape == b.shape and a.dtype == b.dtype == np.float32
        assert np.array_equal(a.indptr, b.indptr) and np.array_equal(a.indices, b.indices)
        assert np.array_equal(a.data.view(np.uint32), b.data.view(np.uint32))  # exact, not within an ulp


def test_same_pairs_and_groups(both):
    local, remote = both
    assert len(local.dedup.pairs_) > 50
    assert np.array_equal(remote.dedup.pairs_, local.dedup.pairs_)
    assert remote.dedup.rules_ == local.dedup.rules_
    assert np.array_equal(remote.dedup.scores_, local.dedup.scores_)
    assert np.array_equal(remote.dedup.maybe_, local.dedup.maybe_)
    assert np.array_equal(remote.paper_of_text_, local.paper_of_text_)
    assert np.array_equal(remote.canonical_, local.canonical_)


def test_model_folders_are_the_same_files(local_model, spark_model):
    """Every file of the two folders is the same, byte for byte, but for the dates: the
    manifest's (and so its own digest) and when the records came in (additions.json, whose
    checksum the manifest holds), which agree in everything but the time."""
    names = sorted(p.name for p in local_model.iterdir() if not p.name.startswith("."))
    assert names == sorted(p.name for p in spark_model.iterdir() if not p.name.startswith("."))
    differ = [n for n in names if (local_model / n).read_bytes() != (spark_model / n).read_bytes()]
    assert set(differ) <= {"manifest.json", "additions.json"}, differ
    additions = [json.loads((folder / "additions.json").read_text()) for folder in (local_model, spark_model)]
    for added in additions:
        for one in added:
            del one["at"]
    assert additions[0] == additions[1]
    manifests = [json.loads((folder / "manifest.json").read_text()) for folder in (local_model, spark_model)]
    for manifest in manifests:
        del manifest["created"], manifest["manifest_sha256"]
        manifest["files"].pop("additions.json", None)
    assert manifests[0] == manifests[1]


def test_answers_similar_and_dupes_alike(local_model, spark_model, both):
    local, remote = both
    queries = [local.records_[k].id for k in range(0, len(local.records_), 37)] + ["protein structure graph attention",
                                                                                  "théorie α-helix"]
    for query in queries:
        assert api.similar(remote, query, k=5).model_dump() == api.similar(local, query, k=5).model_dump(), query
    assert api.dupes(remote).model_dump() == api.dupes(local).model_dump()
    assert api.dupes(remote, maybe=True).model_dump() == api.dupes(local, maybe=True).model_dump()
    # And as a user asks, through the CLI on the folders.
    for command in (["dupes", "--maybe"], ["similar", queries[1]]):
        answers = [CliRunner().invoke(app, [*command, "--model", str(folder), "--format", "json"])
                   for folder in (local_model, spark_model)]
        assert answers[0].exit_code == answers[1].exit_code == 0, answers[1].output
        assert answers[0].stdout == answers[1].stdout and len(answers[0].stdout) > 100


def test_no_staging_left_beside_the_model(spark_model):
    """The executors' row ranges went into the model's staging area, which is gone after."""
    assert not [p.name for p in spark_model.parent.iterdir() if p.name.startswith(f".{spark_model.name}.tmp-")]


def _rows_frame(spark, X: sp.csr_matrix, counts: sp.csr_matrix, order: np.ndarray):
    import pyarrow as pa

    from paperlike.spark.vectors import lists_of

    X, counts = X[order], counts[order]
    table = pa.table({"text": pa.array(order.astype(np.int64)),
                      "x_idx": lists_of(X.indptr, X.indices.astype(np.int32), pa.int32()),
                      "x_val": lists_of(X.indptr, X.data.astype(np.float32), pa.float32()),
                      "counts": lists_of(counts.indptr, counts.data.astype(np.int32), pa.int32())})
    return spark.createDataFrame(table.to_pandas(), "text long, x_idx array<int>, x_val array<float>, counts array<int>")


def test_rows_written_in_ranges_and_assembled(spark, tmp_path):
    """Rows in shuffled order (empty ones among them) written by the executors in ranges and
    assembled by the driver: the same CSR arrays, bit for bit; a range file gone or cut short
    is a one-line error naming it."""
    from paperlike.errors import ModelError
    from paperlike.spark.rows import assemble_rows, write_rows

    rnd = np.random.default_rng(3)
    counts = sp.random(500, 300, density=0.03, format="csr", random_state=rnd, dtype=np.float64)
    counts.data = rnd.integers(1, 9, counts.nnz).astype(np.float64)
    keep = np.ones(500, dtype=np.int32)
    keep[::17] = 0  # empty rows
    counts = sp.csr_matrix(sp.diags(keep) @ sp.csr_matrix(counts, dtype=np.int32), dtype=np.int32)
    counts.eliminate_zeros()
    counts.sort_indices()
    X = sp.csr_matrix(counts, dtype=np.float32)
    X.data = rnd.random(X.nnz, dtype=np.float32)
    frame = _rows_frame(spark, X, counts, rnd.permutation(500))
    ranges = write_rows(frame, tmp_path / "rows", partitions=5)
    assert 2 <= ranges.num_rows <= 5
    got_X, got_counts = assemble_rows(tmp_path / "rows", ranges, 500, 300)
    for got, want in ((got_X, X), (got_counts, counts)):
        assert got.dtype == want.dtype and got.shape == want.shape
        assert np.array_equal(got.indptr, want.indptr) and np.array_equal(got.indices, want.indices)
        assert got.data.tobytes() == want.data.tobytes()
    victim = sorted((tmp_path / "rows").glob("part-*.val"))[0]
    victim.write_bytes(victim.read_bytes()[:-4])
    with pytest.raises(ModelError, match=rf"{victim.name}: .* bytes, not the"):
        assemble_rows(tmp_path / "rows", ranges, 500, 300)
    victim.unlink()
    with pytest.raises(ModelError, match=rf"{victim.name}: missing; .*shared one on a cluster"):
        assemble_rows(tmp_path / "rows", ranges, 500, 300)
    with pytest.raises(ModelError, match="do not cover the 501 texts"):
        assemble_rows(tmp_path / "rows", ranges, 501, 300)


def test_join_at_the_threshold(spark):
    """Rows whose cosine with a first row is the threshold, a millionth above and below it:
    the Spark join keeps exactly the pairs the local join keeps."""
    from paperlike.spark import pairs_above
    from paperlike.spark.vectors import lists_of

    rows = [np.array([1.0, 0.0, 0.0], dtype=np.float32)]
    for t in (0.9, 0.7):
        for c in (t - 2e-6, t - 1e-6, t - 5e-7, t, t + 1e-6):
            rows.append(np.array([c, np.sqrt(1 - c * c), 0.0], dtype=np.float32))
    rows.append(np.array([0.0, 0.0, 1.0], dtype=np.float32))
    X = sp.csr_matrix(np.vstack(rows))
    X.sort_indices()
    import pyarrow as pa

    table = pa.table({"text": pa.array(np.arange(X.shape[0], dtype=np.int64)),
                      "x_idx": lists_of(X.indptr, X.indices.astype(np.int32), pa.int32()),
                      "x_val": lists_of(X.indptr, X.data, pa.float32())})
    frame = spark.createDataFrame(table.to_pandas(), "text long, x_idx array<int>, x_val array<float>")
    for t in (0.9, 0.7):
        i, j, _ = local_pairs_above(X, t)
        found = sorted((r.i, r.j) for r in pairs_above(frame, X.shape[1], t).collect())
        assert found == sorted(zip(i.tolist(), j.tolist()))
        assert any(a == 0 for a, _ in found) and len(found) < X.shape[0] * (X.shape[0] - 1) // 2


def test_components_are_scipys(spark):
    from paperlike.spark import components

    rnd = random.Random(5)
    edges = sorted({(a, b) for a, b in ((rnd.randrange(300), rnd.randrange(300)) for _ in range(260)) if a < b})
    frame = spark.createDataFrame(edges, "i long, j long")
    found = {row.node: row.label for row in components(frame).collect()}
    labels = local_components(300, np.array(edges))
    nodes = sorted({x for e in edges for x in e})
    for a in nodes:
        for b in nodes[:40]:
            assert (found[a] == found[b]) == (labels[a] == labels[b])
    assert all(found[a] == min(x for x in nodes if labels[x] == labels[a]) for a in nodes)


def test_engine_errors_are_one_line(tmp_path):
    result = CliRunner().invoke(app, ["index", "--engine", "flink", str(FIXTURES / "versions.jsonl"),
                                      "--model", str(tmp_path / "m")])
    assert result.exit_code != 0 and "unknown --engine 'flink'" in result.output
    result = CliRunner().invoke(app, ["index", "--master", "local[2]", str(FIXTURES / "versions.jsonl"),
                                      "--model", str(tmp_path / "m")])
    assert result.exit_code != 0 and "--master is for --engine spark" in result.output


def test_spark_submit_entry_writes_a_model(spark, tmp_path, capsys):
    """``python -m paperlike.spark`` (the script spark-submit runs): one JSON line, and a model
    the ordinary commands open, equal to a local build's."""
    from paperlike.spark.__main__ import main

    inputs = [str(FIXTURES / "versions.jsonl"), str(FIXTURES / "dblp_like.csv")]
    shared = tmp_path / "shared"  # --staging: where a cluster's executors write the rows
    shared.mkdir()
    (shared / "keep.txt").write_text("not the build's")
    assert main([*inputs, "--model", str(tmp_path / "m"), "--master", "local[2]", "--staging", str(shared)]) == 0
    assert [p.name for p in shared.iterdir()] == ["keep.txt"]
    assert not [p.name for p in tmp_path.iterdir() if p.name.startswith(".m.tmp-")]
    summary = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    local = PaperIndex().fit(read_records(inputs).records)
    assert summary["records"] == len(local.records_) and summary["papers"] == local.n_papers
    loaded = store.load(tmp_path / "m")
    assert np.array_equal(loaded.paper_of_text_, local.paper_of_text_)
    assert np.array_equal(loaded.X_.data, local.X_.data)


def test_unwritable_staging_is_a_one_line_error(spark, tmp_path, capsys):
    from paperlike.spark.__main__ import main

    (tmp_path / "file").write_text("a file, not a folder")
    code = main([str(FIXTURES / "versions.jsonl"), "--model", str(tmp_path / "m"), "--master", "local[2]",
                 "--staging", str(tmp_path / "file")])
    err = capsys.readouterr().err
    assert code == 1 and "cannot make the staging folder" in err and "--staging" in err and "Traceback" not in err
    assert not (tmp_path / "m").exists() and (tmp_path / "file").read_text() == "a file, not a folder"


def test_missing_input_is_a_one_line_error(spark, tmp_path):
    result = CliRunner().invoke(app, ["index", "--engine", "spark", str(tmp_path / "nothing.jsonl"),
                                      "--model", str(tmp_path / "m")])
    assert result.exit_code != 0
    assert "nothing.jsonl: no such file" in result.output and "Traceback" not in result.output
    assert not (tmp_path / "m").exists()
