"""How paperlike's costs grow with the corpus, against peers on the same matrix, in one run.

    python benchmarks/run.py --sizes 100k 300k 1m      # the default sizes; writes RESULTS.md "scale"
    python benchmarks/run.py --quick                   # a 20k smoke run; prints, does not write

For each size: a synthetic corpus from benchmarks/generate.py (made once, kept in the scratch
folder), then every operation in its own child process, so that its wall time and peak RSS are
its own (``os.wait4`` gives the child's rusage): build (the ``paperlike index`` command, with
phase timers), the floor of its read phase (``json.loads`` of the corpus), load, queries
(paperlike, then scikit-learn and sparse_dot_topn on the same matrix and query vectors), all pairs >= 0.9 (paperlike.allpairs, sparse_dot_topn) and the
planted versions (the saved model's grouping, datasketch MinHashLSH). A step that exceeds the
time budget is stopped and reported as skipped; a peer that is not installed is reported as such.
Generated data and per-size JSON results go to ``$PAPERLIKE_SCRATCH`` (default
``/tmp/paperlike-scratch``), never into the repository.
"""

from __future__ import annotations

import argparse
import csv
import inspect
import json
import math
import os
import re
import resource
import shutil
import subprocess
import sys
import time
from collections import defaultdict
from importlib import metadata
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
import generate  # noqa: E402
from _results import machine, write_section  # noqa: E402

DEFAULT_SIZES = ["100k", "300k", "1m"]
QUICK_SIZE = "20k"
N_QUERIES = 1000
N_AGREEMENT = 200
K = 10
DUP_THRESHOLD = 0.9
PEERS = {"sklearn": "scikit-learn", "sparse_dot_topn": "sparse_dot_topn", "datasketch": "datasketch"}
PIP = "pip install sparse_dot_topn datasketch"


# -- measuring in this process ---------------------------------------------------------------


def peak_mb() -> float:
    """This process's peak RSS so far, MB (ru_maxrss is KiB on Linux)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def rss_mb() -> float:
    """This process's current RSS, MB."""
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return float("nan")


def pct(values, q) -> float:
    return float(np.percentile(np.asarray(values, dtype=float), q)) if len(values) else float("nan")


class Phases:
    """Wraps functions with timers: inclusive seconds, calls, and the peak RSS when each ended."""

    def __init__(self) -> None:
        self.seconds: dict[str, float] = defaultdict(float)
        self.calls: dict[str, int] = defaultdict(int)
        self.peak: dict[str, float] = {}
        self.rss: dict[str, float] = {}
        self.missing: list[str] = []

    def wrap(self, owner, attr: str, label: str | None = None, label_of=None) -> None:
        """Time owner.attr; a function paperlike no longer has is listed in ``missing``."""
        if not hasattr(owner, attr):
            self.missing.append(f"{getattr(owner, '__name__', owner)}.{attr}")
            return
        static = isinstance(inspect.getattr_static(owner, attr), staticmethod)
        fn = getattr(owner, attr)

        def wrapper(*args, **kwargs):
            name = label_of(*args, **kwargs) if label_of else label
            start = time.perf_counter()
            try:
                return fn(*args, **kwargs)
            finally:
                self.seconds[name] += time.perf_counter() - start
                self.calls[name] += 1
                self.peak[name] = peak_mb()

        setattr(owner, attr, staticmethod(wrapper) if static else wrapper)

    def snapshot(self, label: str) -> None:
        self.rss[label] = rss_mb()

    def as_dict(self) -> dict:
        return {"seconds": dict(self.seconds), "calls": dict(self.calls), "peak_mb": self.peak,
                "rss_mb": self.rss, "missing": self.missing}


# -- workers: each runs in its own child process ---------------------------------------------


def _load_matrix(model: Path):
    import scipy.sparse as sp

    manifest = json.loads((model / "manifest.json").read_text())
    shape = (manifest["counts"]["texts"], manifest["counts"]["vocabulary"])
    X = sp.csr_matrix((np.load(model / "X_data.npy"), np.load(model / "X_indices.npy"),
                       np.load(model / "X_indptr.npy")), shape=shape)
    return X


def worker_build(a: dict) -> dict:
    """``paperlike index CORPUS --model DIR`` (the CLI's own code, in this process), its phases
    timed by wrappers. Nothing else runs in this child, so its wall time is the build's."""
    import paperlike
    from paperlike import allpairs, api, cli, index, rank, store, vectorize
    from paperlike.dedup import candidates, deduplicator

    ph = Phases()
    ph.wrap(api, "read_corpus", "read records")
    ph.wrap(index, "same_text_hashes", "texts: identities (a hash of each record's text key)")
    ph.wrap(index.PaperIndex, "_texts_of", "texts: group records")
    ph.wrap(index.PaperIndex, "_representatives", "texts: representatives")
    ph.wrap(vectorize.Vectorizer, "fit_fields", "vectorise (fit_fields: titles and the rest tokenised once)")
    ph.wrap(index.PaperIndex, "_set_matrix", "matrix float32 + transpose")
    ph.wrap(rank.Ranker, "fit_bm25", "ranker: BM25 postings")
    ph.wrap(rank.Ranker, "fit_lsa", "ranker: LSA")
    ph.wrap(deduplicator.Deduplicator, "fit", "dedup (total)")
    # The Deduplicator imports these from their module when it fits: wrapped there, they are timed.
    ph.wrap(candidates, "candidate_pairs", "dedup: candidates (total)")
    ph.wrap(vectorize.Vectorizer, "transform_texts", "dedup: transform titles/abstracts")
    ph.wrap(candidates, "pairs_above",
            label_of=lambda X, t, *_: f"dedup: pairs_above {'titles' if t < DUP_THRESHOLD else 'texts'} >= {t}")
    ph.wrap(allpairs.SharedJoin, "run", label_of=lambda join: (
        "dedup: title join, the chunks the build's own process took" if join.t < DUP_THRESHOLD - 1e-3
        else "all pairs: SharedJoin.run (texts)"))
    ph.wrap(candidates, "_blocked", "dedup: blocking (opening words, names)")
    ph.wrap(candidates, "abstract_signals", "dedup: abstract cosines and containment ceilings of candidates")
    ph.wrap(candidates, "generic_titles", "dedup: generic titles")
    ph.wrap(deduplicator.Deduplicator, "fit_verdicts", "dedup: groups from the verified pairs")
    ph.wrap(index.PaperIndex, "_group_records", "group records into papers")
    ph.wrap(store, "save", "save (total)")
    ph.wrap(store, "_write_files", "save: write files")
    ph.wrap(store, "_write_records", "save: write records.arrow and cite.arrow")
    ph.wrap(index.PaperIndex, "_build_keys", "save: build id/title key tables")
    ph.wrap(store, "_manifest", "save: manifest + SHA-256")
    ph.wrap(api, "model_info", "model_info")
    start = time.perf_counter()
    argv = sys.argv
    sys.argv = ["paperlike", "index", a["corpus"], "--model", a["model"]]
    code = 0
    try:
        cli.main()
    except SystemExit as exc:
        code = exc.code or 0
    finally:
        sys.argv = argv
    seconds = time.perf_counter() - start
    return {"exit": code, "in_process_seconds": seconds, "peak_mb_build": peak_mb(),
            "phases": ph.as_dict(), "paperlike": paperlike.__version__}


def worker_read_floor(a: dict) -> dict:
    """The floor of the build's read phase: ``json.loads`` of every corpus line, one process.
    A step of its own, so that the build child's wall time is the build's alone."""
    t0 = time.perf_counter()
    n = 0
    with open(a["corpus"], encoding="utf-8") as f:
        for line in f:
            json.loads(line)
            n += 1
    return {"json_parse_seconds": time.perf_counter() - t0, "lines": n}


def worker_load(a: dict) -> dict:
    """Import and ``paperlike.load_index``, RSS after load; with ``extras`` then (not timed as
    load) the raw read of the model's bytes (the floor) and the planted-version recall of the
    saved grouping, the planted pairs mapped to text rows for the other workers."""
    t0 = time.perf_counter()
    import paperlike
    from paperlike import index as index_mod
    from paperlike import store, vectorize

    imported = time.perf_counter() - t0
    rss_imported = rss_mb()
    ph = Phases()
    ph.wrap(store, "_verified", "verify files (SHA-256 unless remembered)")
    ph.wrap(store, "_sha256", "SHA-256 of files")
    ph.wrap(vectorize.Vectorizer, "from_fitted", "vectoriser from vocabulary")
    ph.wrap(index_mod, "_csr", "matrices (X, XT)")
    ph.wrap(index_mod.PaperIndex, "_set_matrix", "matrix float32 + transpose")
    ph.wrap(index_mod.PaperIndex, "_group_records", "group records into papers")
    t0 = time.perf_counter()
    index = paperlike.load_index(a["model"])
    load = time.perf_counter() - t0
    out = {"import_seconds": imported, "rss_after_import_mb": rss_imported, "load_seconds": load,
           "rss_after_load_mb": rss_mb(),
           "peak_after_load_mb": peak_mb(), "phases": ph.as_dict()}
    if not a.get("extras"):
        return out
    # Floor: reading every byte of the model (np.load of arrays, plain read of the rest).
    t0 = time.perf_counter()
    nbytes = 0
    for file in sorted(Path(a["model"]).iterdir()):
        if file.suffix == ".npy":
            nbytes += np.load(file, allow_pickle=False).nbytes
        elif file.is_file():
            nbytes += len(file.read_bytes())
    out["raw_read_seconds"], out["raw_bytes"] = time.perf_counter() - t0, nbytes
    # Planted versions: found when the saved model puts both records in one paper.
    paper_of_record = index.paper_of_text_[index.text_of_record_]
    found = defaultdict(lambda: [0, 0])
    texts = []
    missing = 0
    with open(a["truth"], newline="") as f:
        for rec in csv.DictReader(f):
            i, j = index.record_by_id(rec["original_id"]), index.record_by_id(rec["version_id"])
            if i is None or j is None:
                missing += 1
                continue
            hit = paper_of_record[i] == paper_of_record[j]
            for kind in (rec["kind"], "all"):
                found[kind][0] += int(hit)
                found[kind][1] += 1
            texts.append((int(index.text_of_record_[i]), int(index.text_of_record_[j]),
                          generate.KINDS.index(rec["kind"])))
    np.save(a["planted_texts"], np.array(texts, dtype=np.int64).reshape(-1, 3))
    # Papers that join different synthetic papers (not a planted pair): the grouping's false merges.
    multi = np.flatnonzero(np.bincount(paper_of_record)[paper_of_record] > 1)
    bases = defaultdict(set)
    for r in multi.tolist():
        bases[int(paper_of_record[r])].add(index.records_[r].id.removesuffix("v"))
    out["false_merges"] = {"papers": sum(len(b) > 1 for b in bases.values()),
                           "synthetic_papers_in_them": sum(len(b) for b in bases.values() if len(b) > 1)}
    out["counts"] = {"records": len(index.records_), "texts": int(index.X_.shape[0]), "papers": index.n_papers,
                     "vocabulary": int(index.X_.shape[1]), "nonzeros": int(index.X_.nnz)}
    out.update({"recall": dict(found), "truth_missing": missing})
    return out


def _crawl_titles() -> list[str]:
    import gzip

    titles = {}
    with gzip.open(generate.CRAWL, "rt", encoding="utf-8") as f:
        for line in f:
            obj = json.loads(line)
            if obj.get("title"):
                titles[obj["id"]] = " ".join(obj["title"].split())
    return [titles[k] for k in sorted(titles)]


def _brute_papers(index, scores: np.ndarray, exclude: int | None, k: int) -> list[tuple[str, float]]:
    """Exact reference: texts by score (ties by row), one per paper, the query's paper left out."""
    candidates = np.flatnonzero(scores > 0)
    order = candidates[np.lexsort((candidates, -scores[candidates]))]
    out, seen = [], set()
    for t in order.tolist():
        paper = int(index.paper_of_text_[t])
        if paper == exclude or paper in seen:
            continue
        seen.add(paper)
        out.append((index.records_[index.canonical_record(paper)].id, float(scores[t])))
        if len(out) == k:
            break
    return out


def worker_query(a: dict) -> dict:
    """paperlike's single queries by id and by text after load, in one process; the query
    vectors saved for the peers; agreement with exact brute force; the machine's floor."""
    import scipy.sparse as sp

    import paperlike
    from paperlike.csr import sparse
    from paperlike.text import normalize

    index = paperlike.load_index(a["model"])
    rng = np.random.default_rng(a["seed"])
    picks = rng.choice(len(index.records_), size=min(N_QUERIES, len(index.records_)), replace=False)
    ids = [index.records_[int(i)].id for i in picks]
    titles = _crawl_titles()
    texts = [titles[int(i)] for i in rng.choice(len(titles), size=N_QUERIES, replace=False)]
    out: dict = {}
    # First queries: the first id query builds the look-up tables.
    out["rss_after_load_mb"] = rss_mb()
    t0 = time.perf_counter()
    index.similar(ids[0], k=K, kind="id")
    out["first_id_query_seconds"] = time.perf_counter() - t0
    t0 = time.perf_counter()
    index.similar(texts[0], k=K, kind="text")
    out["first_text_query_seconds"] = time.perf_counter() - t0
    results = {}
    for kind, queries in (("id", ids), ("text", texts)):
        times, errors, answers = [], 0, []
        loop = time.perf_counter()
        for q in queries:
            t0 = time.perf_counter()
            try:
                res = index.similar(q, k=K, kind=kind)
            except paperlike.QueryError:
                errors += 1
                answers.append(None)
                continue
            times.append(time.perf_counter() - t0)
            answers.append(res)
        total = time.perf_counter() - loop
        results[kind] = answers
        out[kind] = {"n": len(times), "errors": errors, "p50_ms": pct(times, 50) * 1e3,
                     "p99_ms": pct(times, 99) * 1e3, "mean_ms": float(np.mean(times)) * 1e3,
                     "loop_seconds": total}
    # The batch call: the same queries through similar_many (both cores), checked against the loop.
    for kind, queries in (("id", ids), ("text", texts)):
        t0 = time.perf_counter()
        answers = paperlike.similar_many(index, queries, k=K, kind=kind)
        seconds = time.perf_counter() - t0
        same = sum((a.answer is None) == (r is None) and (r is None or a.answer.results == r.results)
                   for a, r in zip(answers, results[kind]))
        out[f"batch_{kind}"] = {"seconds": seconds, "n": len(answers), "errors": sum(a.error is not None for a in answers),
                                "same_as_single": same}
    # The query vectors, exactly as paperlike scores them, for the peers.
    id_papers = [index.paper_of_record(int(i)) for i in picks]
    Qid = sp.vstack([sparse(index.vector_of_paper(p)) for p in id_papers]).tocsr().astype(np.float32)
    Qtext = index.vectorizer.transform_texts([normalize(t) for t in texts]).tocsr().astype(np.float32)
    sp.save_npz(a["queries"], Qid, compressed=False)
    sp.save_npz(a["queries_text"], Qtext, compressed=False)
    np.save(a["query_self"], index.text_of_record_[picks])
    # scipy kernels get a copy of the matrices with one index dtype: the arrays as loaded mix
    # int32 indices with an int64 indptr, and scipy then converts (copies) them on every call.
    out["loaded_index_dtypes"] = f"indices {index.X_.indices.dtype}, indptr {index.X_.indptr.dtype}"
    X = sp.csr_matrix((np.asarray(index.X_.data), np.asarray(index.X_.indices), np.asarray(index.X_.indptr)),
                      shape=index.X_.shape)
    XT = sp.csr_matrix((np.asarray(index.XT_.data), np.asarray(index.XT_.indices), np.asarray(index.XT_.indptr)),
                       shape=index.XT_.shape)
    out["scipy_index_dtypes"] = f"indices {X.indices.dtype}, indptr {X.indptr.dtype}"
    # Agreement with brute force: the ranking's formula (paperlike.rank) with its lexical part
    # computed by a full scan of every text instead of the inverted index, one result per paper.
    agree = {}
    ranker = index.ranker
    S = sp.csr_matrix((np.asarray(ranker.postings_), XT.indices, XT.indptr), shape=XT.shape).T.tocsr()
    for kind, Q, excl in (("id", Qid, id_papers), ("text", Qtext, [None] * len(texts))):
        same_ids = same_scores = n = 0
        for q in range(min(N_AGREEMENT, Q.shape[0])):
            res = results[kind][q]
            if res is None:
                continue
            if kind == "id":
                lex = np.asarray(X @ Q[q].toarray().ravel(), dtype=np.float32)
                own = [int(index.text_of_record_[r]) for r in index.records_of_paper(excl[q])]
                lex[own] = 0
                z = ranker.embedding(int(index.text_of_record_[index.canonical_record(excl[q])]))
                lam = ranker.lambda_paper
            else:
                weights = np.zeros(X.shape[1], dtype=np.float32)
                weights[Q[q].indices] = ranker.idf_[Q[q].indices]
                lex = np.asarray(S @ weights, dtype=np.float32)
                lex /= max(float(lex.max()), 1e-30)
                z, lam = ranker.embed(Q[q]), ranker.lambda_text
            scores, _, _ = ranker.blend(lex, z, lam)
            ref = _brute_papers(index, scores, excl[q], K)
            got = [(r.id, r.score) for r in res.results]
            n += 1
            same_ids += [i for i, _ in got] == [i for i, _ in ref]
            same_scores += np.allclose([s for _, s in got], [round(s, 4) for _, s in ref], atol=1.5e-4) and len(got) == len(ref)
        agree[kind] = {"n": n, "same_ids": same_ids, "same_scores": same_scores}
    out["agreement"] = agree
    # The floor: nonzeros of the posting lists a query touches, per second, in scipy kernels.
    df = np.diff(XT.indptr)
    queries = [Qid[i] for i in range(Qid.shape[0])] + [Qtext[i] for i in range(Qtext.shape[0]) if Qtext[i].nnz]
    touched = np.array([int(df[q.indices].sum()) for q in queries], dtype=np.float64)
    XT_loaded = sparse(index.XT_)
    kernels = {
        "paperlike index.scores(q)": index.scores,
        "XT[q.indices].T @ q.data (scipy row gather)": lambda q: XT[q.indices].T @ q.data,
        "same, on the arrays as loaded (mixed index dtypes)": lambda q: XT_loaded[q.indices].T @ q.data,
        "q @ XT (scipy sparse x sparse)": lambda q: q @ XT,
    }
    rates = {}
    sample = list(range(0, len(queries), 4))  # every 4th query: half ids, half texts
    for name, fn in kernels.items():
        t0 = time.perf_counter()
        for i in sample:
            fn(queries[i])
        rates[name] = float(touched[sample].sum() / (time.perf_counter() - t0))
    dense = [np.asarray(q.todense()).ravel() for q in queries[:: max(1, len(queries) // 100)]]
    t0 = time.perf_counter()
    for d in dense:
        X @ d
    scan = time.perf_counter() - t0
    rates["X @ q_dense (scipy CSR SpMV, full scan)"] = float(X.nnz * len(dense) / scan)
    # The hardware's floor: a posting is 8 bytes (int32 text, float32 value) read from memory.
    one_core, two_cores = _read_bandwidth()
    # The floor: the fastest scipy rate measured, applied to the nonzeros a query must touch.
    best = max((k for k in rates if not k.startswith("paperlike")), key=rates.get)
    floor_ms = touched / rates[best] * 1e3
    n_id = Qid.shape[0]
    out["floor"] = {"rates_nnz_per_s": rates, "best": best, "rate": rates[best],
                    "touched_p50_id": pct(touched[:n_id], 50), "touched_p50_text": pct(touched[n_id:], 50),
                    "floor_p50_ms_id": pct(floor_ms[:n_id], 50), "floor_p99_ms_id": pct(floor_ms[:n_id], 99),
                    "floor_p50_ms_text": pct(floor_ms[n_id:], 50), "floor_p99_ms_text": pct(floor_ms[n_id:], 99),
                    "self_join_flops": float((df.astype(np.float64) ** 2).sum()),
                    # A batch on two cores reads every query's postings once: half each, at best.
                    "floor_batch_seconds_id": float(touched[:n_id].sum() / rates[best] / 2),
                    "floor_batch_seconds_text": float(touched[n_id:].sum() / rates[best] / 2),
                    "read_gb_per_s": {"one core": one_core / 1e9, "two cores": two_cores / 1e9},
                    "bandwidth_p50_ms_id": pct(touched[:n_id] * POSTING_BYTES / one_core * 1e3, 50),
                    "bandwidth_p50_ms_text": pct(touched[n_id:] * POSTING_BYTES / one_core * 1e3, 50),
                    "bandwidth_batch_seconds_id": float(touched[:n_id].sum() * POSTING_BYTES / two_cores),
                    "bandwidth_batch_seconds_text": float(touched[n_id:].sum() * POSTING_BYTES / two_cores)}
    out["rss_mb"] = rss_mb()
    return out


POSTING_BYTES = 8  # one int32 text number and one float32 value


def _read_bandwidth() -> tuple[float, float]:
    """Bytes per second that summing a 400 MB array reads from memory: in this process alone,
    and in two processes at once (this one and a forked copy), added."""
    from paperlike import parallel

    block = np.ones(100_000_000, dtype=np.float32)

    def rate() -> float:  # long enough (~0.6 s) that a fork's start-up hardly shifts the overlap
        block.sum()
        t0 = time.perf_counter()
        for _ in range(20):
            block.sum()
        return 20 * block.nbytes / (time.perf_counter() - t0)
    one = rate()
    two = sum(parallel.both(rate, rate, parallel=True))
    return one, two


def _single_times(fn, Q, budget: float) -> tuple[list[float], bool]:
    """Per-row latencies of fn over the rows of Q, stopping early past the budget."""
    times, start = [], time.perf_counter()
    for i in range(Q.shape[0]):
        q = Q[i]
        t0 = time.perf_counter()
        fn(q)
        times.append(time.perf_counter() - t0)
        if time.perf_counter() - start > budget:
            return times, True
    return times, False


def _summary(times: list[float], cut: bool) -> dict:
    return {"n": len(times), "cut": cut, "p50_ms": pct(times, 50) * 1e3, "p99_ms": pct(times, 99) * 1e3,
            "loop_seconds": float(np.sum(times))}


def _text_agreement(get_top, X, Q, n: int) -> dict:
    """Share of queries whose top-k text rows equal exact brute force's (scores compared, so ties
    may reorder)."""
    same = 0
    for q in range(min(n, Q.shape[0])):
        scores = np.asarray((X @ Q[q].T).todense()).ravel()
        ref = np.sort(scores)[::-1][:K + 1]
        got = np.sort(get_top(Q[q]))[::-1][:K + 1]
        same += len(got) == len(ref) and np.allclose(got, ref, atol=1e-5)
    return {"n": min(n, Q.shape[0]), "same": int(same)}


def worker_sklearn(a: dict) -> dict:
    import scipy.sparse as sp
    from sklearn.neighbors import NearestNeighbors

    X = _load_matrix(Path(a["model"]))
    out = {"version": metadata.version("scikit-learn")}
    t0 = time.perf_counter()
    nn = NearestNeighbors(metric="cosine", algorithm="brute", n_neighbors=K + 1).fit(X)
    out["fit_seconds"] = time.perf_counter() - t0
    budget = a["budget"] * 0.25
    for kind, path in (("id", a["queries"]), ("text", a["queries_text"])):
        Q = sp.load_npz(path).tocsr()
        Q = Q[np.flatnonzero(np.diff(Q.indptr))]
        out[kind] = _summary(*_single_times(lambda q: nn.kneighbors(q), Q, budget))
    Q = sp.load_npz(a["queries_text"]).tocsr()
    Q = Q[np.flatnonzero(np.diff(Q.indptr))]
    def top(q):
        dist, _ = nn.kneighbors(q)
        return 1 - dist.ravel()

    out["agreement"] = _text_agreement(top, X, Q, N_AGREEMENT // 4)
    return out


def worker_sklearn_batch(a: dict) -> dict:
    """scikit-learn's kneighbors on the 1000 text query vectors in one call (its own step, so
    that running over the budget loses only this figure)."""
    import scipy.sparse as sp
    from sklearn.neighbors import NearestNeighbors

    X = _load_matrix(Path(a["model"]))
    nn = NearestNeighbors(metric="cosine", algorithm="brute", n_neighbors=K + 1).fit(X)
    Q = sp.load_npz(a["queries_text"]).tocsr()
    Q = Q[np.flatnonzero(np.diff(Q.indptr))]
    t0 = time.perf_counter()
    nn.kneighbors(Q)
    return {"seconds": time.perf_counter() - t0, "n": Q.shape[0]}


def worker_sdtn_query(a: dict) -> dict:
    import scipy.sparse as sp
    from sparse_dot_topn import sp_matmul_topn

    X = _load_matrix(Path(a["model"]))
    out = {"version": metadata.version("sparse_dot_topn")}
    t0 = time.perf_counter()
    XT = X.T.tocsr()
    out["transpose_seconds"] = time.perf_counter() - t0
    budget = a["budget"] * 0.25
    for kind, path in (("id", a["queries"]), ("text", a["queries_text"])):
        Q = sp.load_npz(path).tocsr()
        Q = Q[np.flatnonzero(np.diff(Q.indptr))]
        out[kind] = _summary(*_single_times(lambda q: sp_matmul_topn(q, XT, top_n=K + 1, sort=True), Q, budget))
    Q = sp.load_npz(a["queries_text"]).tocsr()
    Q = Q[np.flatnonzero(np.diff(Q.indptr))]
    t0 = time.perf_counter()
    sp_matmul_topn(Q, XT, top_n=K + 1, sort=True)
    out["batch"] = {"seconds": time.perf_counter() - t0, "n": Q.shape[0]}
    out["agreement"] = _text_agreement(lambda q: sp_matmul_topn(q, XT, top_n=K + 1, sort=True).data,
                                       X, Q, N_AGREEMENT)
    return out


def _recall_of_pairs(i: np.ndarray, j: np.ndarray, planted: np.ndarray, n: int) -> dict:
    keys = set((np.minimum(i, j).astype(np.int64) * n + np.maximum(i, j)).tolist())
    found = defaultdict(lambda: [0, 0])
    for a, b, kind in planted.tolist():
        hit = a == b or min(a, b) * n + max(a, b) in keys
        for k in (generate.KINDS[kind], "all"):
            found[k][0] += int(hit)
            found[k][1] += 1
    return dict(found)


def worker_pairs(a: dict) -> dict:
    """paperlike.allpairs.pairs_above(X, 0.9) alone, on the saved matrix."""
    from paperlike.allpairs import pairs_above

    X = _load_matrix(Path(a["model"]))
    rss = rss_mb()
    t0 = time.perf_counter()
    i, j, _ = pairs_above(X, DUP_THRESHOLD)
    seconds = time.perf_counter() - t0
    planted = np.load(a["planted_texts"])
    return {"seconds": seconds, "pairs": int(len(i)), "rss_before_mb": rss,
            "recall": _recall_of_pairs(i, j, planted, X.shape[0])}


# sparse_dot_topn's all-pairs join grows as N^2: 294 s at 100k, over the 900 s budget at 300k
# (2026-12-02), so it is not run on larger corpora.
SDTN_PAIRS_MAX_PAPERS = 100_000


def worker_sdtn_pairs(a: dict) -> dict:
    """sparse_dot_topn over row chunks, top_n large, threshold 0.9: every pair >= 0.9."""
    papers = json.loads((Path(a["corpus"]).parent / "meta.json").read_text())["params"]["n"]
    if papers > SDTN_PAIRS_MAX_PAPERS:
        return {"skipped": f"not run above {SDTN_PAIRS_MAX_PAPERS:,} papers (N²: over the 900 s budget at 300k)"}
    from sparse_dot_topn import sp_matmul_topn

    X = _load_matrix(Path(a["model"]))
    rss = rss_mb()
    t0 = time.perf_counter()
    XT = X.T.tocsr()
    found_i, found_j, capped = [], [], 0
    top_n = 1000
    for start in range(0, X.shape[0], 4096):
        C = sp_matmul_topn(X[start:start + 4096], XT, top_n=top_n, threshold=DUP_THRESHOLD - 1e-6).tocoo()
        capped += int(np.sum(np.bincount(C.row, minlength=C.shape[0]) >= top_n))
        rows = C.row.astype(np.int64) + start
        keep = rows < C.col
        found_i.append(rows[keep])
        found_j.append(C.col[keep].astype(np.int64))
    i, j = np.concatenate(found_i), np.concatenate(found_j)
    seconds = time.perf_counter() - t0
    planted = np.load(a["planted_texts"])
    return {"seconds": seconds, "pairs": int(len(i)), "rss_before_mb": rss, "rows_at_top_n": capped,
            "top_n": top_n, "version": metadata.version("sparse_dot_topn"),
            "recall": _recall_of_pairs(i, j, planted, X.shape[0])}


def worker_minhash(a: dict) -> dict:
    """datasketch MinHashLSH (threshold 0.5, 128 permutations, word 3-gram shingles) over the
    corpus records' title + abstract: every record inserted, then queried."""
    from datasketch import LeanMinHash, MinHash, MinHashLSH

    word = re.compile(r"\w+")
    read = minhash = 0.0
    keys, hashes, shingles = [], [], []

    def flush() -> float:
        t = time.perf_counter()
        hashes.extend(LeanMinHash(m) for m in MinHash.bulk(shingles, num_perm=128))
        shingles.clear()
        return time.perf_counter() - t

    t0 = time.perf_counter()
    with open(a["corpus"], encoding="utf-8") as f:
        for line in f:
            obj = json.loads(line)
            words = word.findall(f"{obj.get('title') or ''} {obj.get('summary') or ''}".lower())
            grams = {" ".join(words[k:k + 3]).encode() for k in range(max(len(words) - 2, 1))}
            keys.append(obj["id"])
            shingles.append(list(grams))
            if len(shingles) == 10_000:
                minhash += flush()
        minhash += flush()
    read = time.perf_counter() - t0 - minhash
    t0 = time.perf_counter()
    lsh = MinHashLSH(threshold=0.5, num_perm=128)
    with lsh.insertion_session() as session:
        for key, m in zip(keys, hashes):
            session.insert(key, m, check_duplication=False)
    insert = time.perf_counter() - t0
    t0 = time.perf_counter()
    pairs = 0
    candidates = {}
    for key, m in zip(keys, hashes):
        found = lsh.query(m)
        pairs += len(found) - 1
        candidates[key] = found
    query = time.perf_counter() - t0
    found = defaultdict(lambda: [0, 0])
    with open(a["truth"], newline="") as f:
        for rec in csv.DictReader(f):
            hit = rec["version_id"] in candidates.get(rec["original_id"], ())
            for k in (rec["kind"], "all"):
                found[k][0] += int(hit)
                found[k][1] += 1
    return {"read_shingle_seconds": read, "minhash_seconds": minhash, "insert_seconds": insert,
            "query_seconds": query, "seconds": read + minhash + insert + query,
            "candidate_pairs": pairs // 2, "recall": dict(found),
            "version": metadata.version("datasketch")}


WORKERS = {"build": worker_build, "read_floor": worker_read_floor, "load_first": worker_load, "load": worker_load, "query": worker_query, "sklearn": worker_sklearn, "sklearn_batch": worker_sklearn_batch,
           "sdtn_query": worker_sdtn_query, "pairs": worker_pairs, "sdtn_pairs": worker_sdtn_pairs,
           "minhash": worker_minhash}


# -- the parent: one child per step ----------------------------------------------------------


def child_env() -> dict:
    env = dict(os.environ)
    for var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
        env[var] = "1"
    env["PYTHONHASHSEED"] = "0"
    return env


def run_step(name: str, args: dict, budget: float, workdir: Path, log) -> dict:
    """Run a worker in a child; its result plus wall seconds and peak RSS from wait4."""
    result_path = workdir / f"{name}.json"
    result_path.unlink(missing_ok=True)
    stderr_path = workdir / f"{name}.log"
    cmd = [sys.executable, str(Path(__file__).resolve()), "--worker", name, json.dumps(args), str(result_path)]
    load_before = os.getloadavg()[0]
    start = time.perf_counter()
    with open(stderr_path, "w") as err:
        proc = subprocess.Popen(cmd, stdout=err, stderr=subprocess.STDOUT, env=child_env())
        timed_out = False
        while True:
            pid, status, usage = os.wait4(proc.pid, os.WNOHANG)
            if pid:
                break
            if time.perf_counter() - start > budget:
                proc.kill()
                pid, status, usage = os.wait4(proc.pid, 0)
                timed_out = True
                break
            time.sleep(0.05)
        proc.returncode = os.waitstatus_to_exitcode(status)
    wall = time.perf_counter() - start
    out = {"wall_seconds": wall, "peak_mb": usage.ru_maxrss / 1024, "user_seconds": usage.ru_utime,
           "sys_seconds": usage.ru_stime, "loadavg_before": load_before, "loadavg_after": os.getloadavg()[0]}
    if timed_out:
        out["skipped"] = f"skipped (>{budget:.0f} s)"
    elif proc.returncode != 0 or not result_path.exists():
        tail = stderr_path.read_text(errors="replace").strip().splitlines()[-3:]
        out["failed"] = f"failed (exit {proc.returncode}): {' | '.join(tail)}"
    else:
        out.update(json.loads(result_path.read_text()))
    status = out.get("skipped") or out.get("failed") or "ok"
    log(f"  {name}: {wall:.1f} s, peak {out['peak_mb']:.0f} MB, {status}")
    return out


def installed(module: str) -> bool:
    try:
        metadata.version(PEERS[module])
        return True
    except metadata.PackageNotFoundError:
        return False


ALL_STEPS = ("build", "read_floor", "load_first", "load", "query", "sklearn", "sklearn_batch", "sdtn_query", "pairs",
             "sdtn_pairs", "minhash")
NEEDS = {"sklearn": "sklearn", "sklearn_batch": "sklearn", "sdtn_query": "sparse_dot_topn",
         "sdtn_pairs": "sparse_dot_topn", "minhash": "datasketch"}


def measure_size(size: str, seed: int, budget: float, root: Path, log, steps: set[str] | None = None) -> dict:
    """Every step for one size; with ``steps``, only those, the others kept from the last run."""
    n = generate.parse_size(size)
    t0 = time.perf_counter()
    results_path = root / f"results-{generate.size_name(n)}-s{seed}.json"
    previous = json.loads(results_path.read_text()) if steps and results_path.exists() else {}
    log(f"== {size}: generating (or reusing) the corpus")
    subprocess.run([sys.executable, str(HERE / "generate.py"), "--sizes", size, "--seed", str(seed),
                    "--out", str(root)], check=True, env=child_env())
    corpus_dir = root / f"corpus-{generate.size_name(n)}-s{seed}"
    meta = json.loads((corpus_dir / "meta.json").read_text())
    log(f"  corpus ready in {time.perf_counter() - t0:.0f} s")
    work = root / f"run-{generate.size_name(n)}-s{seed}"
    work.mkdir(parents=True, exist_ok=True)
    model = work / "model"
    common = {"corpus": str(corpus_dir / "corpus.jsonl"), "truth": str(corpus_dir / "truth.csv"),
              "model": str(model), "seed": seed, "budget": budget,
              "planted_texts": str(work / "planted_texts.npy"), "queries": str(work / "queries_id.npz"),
              "queries_text": str(work / "queries_text.npz"), "query_self": str(work / "query_self.npy")}
    R = {"size": size, "n": n, "corpus": meta, "budget": budget}
    R.update({k: v for k, v in previous.items() if k in ALL_STEPS or k == "model_bytes"})
    needs_file = {"load_first": model, "load": model, "query": model, "sklearn": Path(common["queries"]),
                  "sklearn_batch": Path(common["queries_text"]), "sdtn_query": Path(common["queries"]),
                  "pairs": Path(common["planted_texts"]), "sdtn_pairs": Path(common["planted_texts"])}
    for step in ALL_STEPS:
        if steps and step not in steps:
            R.setdefault(step, {"skipped": "not run"})
            continue
        if step in NEEDS and not installed(NEEDS[step]):
            R[step] = {"skipped": "not installed"}
            continue
        if step in needs_file and not needs_file[step].exists():
            R[step] = {"skipped": f"skipped (no {needs_file[step].name}: an earlier step failed)"}
            continue
        if step == "build":
            shutil.rmtree(model, ignore_errors=True)
        R[step] = run_step(step, dict(common, extras=True) if step == "load" else common, budget, work, log)
        R[step]["measured_at"] = time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime())
        if step == "build" and model.exists():
            R["model_bytes"] = sum(f.stat().st_size for f in model.iterdir() if f.is_file())
    R["total_seconds"] = time.perf_counter() - t0
    results_path.write_text(json.dumps(R, indent=1, default=str))
    return R


# -- the report ------------------------------------------------------------------------------


def _ok(step: dict | None) -> bool:
    return bool(step) and "skipped" not in step and "failed" not in step


def _why(step: dict | None) -> str:
    if not step:
        return "n/a"
    return step.get("skipped") or step.get("failed", "n/a").split(":")[0]


def _f(value, digits=1) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "n/a"
    if isinstance(value, (int, np.integer)) and not isinstance(value, bool):
        return f"{value:,}"
    if abs(value) >= 100:
        return f"{value:,.0f}"
    if abs(value) >= 10 or value == 0:
        return f"{value:.{digits}f}"
    return f"{value:.3g}" if abs(value) >= 0.001 else f"{value:.1e}"


def _ratio(peer, ours) -> str:
    if peer is None or ours in (None, 0) or (isinstance(peer, float) and math.isnan(peer)):
        return ""
    return f" (×{peer / ours:.2g})" if peer / ours < 10 else f" (×{peer / ours:.0f})"


def _recall(rec: dict | None) -> str:
    if not rec:
        return "n/a"
    parts = []
    for kind in (*generate.KINDS, "all"):
        if kind in rec:
            hit, total = rec[kind]
            parts.append(f"{hit / total:.3f}" if total else "n/a")
        else:
            parts.append("n/a")
    return " | ".join(parts)


def _exponent(values: list, ns: list[int]) -> str:
    pts = [(n, v) for n, v in zip(ns, values) if isinstance(v, (int, float)) and v and v > 0 and not math.isnan(v)]
    if len(pts) < 2 or pts[0][0] == pts[-1][0]:
        return ""
    (n0, v0), (n1, v1) = pts[0], pts[-1]
    return f"N^{math.log(v1 / v0) / math.log(n1 / n0):.2f}"


def _get(R: dict, *path):
    cur = R
    for p in path:
        if not isinstance(cur, dict) or p not in cur:
            return None
        cur = cur[p]
    return cur


def _measured_at(results: list[dict]) -> list[str]:
    """When each step's figures were measured: ``--steps`` re-measures some and keeps the rest."""
    times = {step: [(R.get(step) or {}).get("measured_at") or ("not run" if (R.get(step) or {}).get("skipped") else None)
                    for R in results] for step in ALL_STEPS}
    if not any(t and t != "not run" for ts in times.values() for t in ts):
        return []
    lines = ["When each step was measured (`--steps` re-measures some steps and keeps the others' "
             "figures from the last run of that size, on the same corpus):", "",
             "| step | " + " | ".join(R["size"] for R in results) + " |", "|---|" + "---|" * len(results)]
    for step, ts in times.items():
        lines.append(f"| {step} | " + " | ".join(t or "not recorded" for t in ts) + " |")
    return lines + [""]


def render(results: list[dict], quick: bool, seconds: float) -> str:
    ns = [R["n"] for R in results]
    sizes = [R["size"] for R in results]
    head = "| | " + " | ".join(f"N = {s}" for s in sizes) + " | growth |"
    rule = "|---|" + "---|" * len(sizes) + "---|"

    def row(label: str, values: list, fmt=_f, growth=True) -> str:
        cells = [fmt(v) if v is not None else "n/a" for v in values]
        return f"| {label} | " + " | ".join(cells) + f" | {_exponent(values, ns) if growth else ''} |"

    def phase(R, step, label):
        return _get(R, step, "phases", "seconds", label)

    lines = [f"## Scale (`benchmarks/run.py{' --quick' if quick else ''}`)", "",
             f"{machine()}. Total run {seconds / 60:.1f} min. The 1-minute load average at each step's start "
             f"and end was {', '.join(sorted({f'{v:.1f}' for R in results for s in R.values() if isinstance(s, dict) for v in (s.get('loadavg_before'), s.get('loadavg_after')) if v is not None}))} "
             "(above 1 means something else ran beside the step, e.g. a developer's tests, so times carry "
             "that noise). Every step ran in its own child process with BLAS/OpenMP threads set to 1 "
             "(paperlike's own second thread, for posting walks and the all-pairs join, and its second "
             "process in the build and in `similar_many`, are on, as a user gets them); peak RSS is the "
             "child's own (`os.wait4`). Latencies are wall-clock.", ""]
    lines += _measured_at(results)
    lines.append("Corpora: `benchmarks/generate.py` (sentences of real arXiv abstracts recombined within "
                 "a primary category, 1% planted versions). " + "; ".join(
                     f"{R['size']}: {R['corpus']['records']:,} records ({R['corpus']['planted']:,} planted), "
                     f"{R['corpus']['bytes'] / 1e6:,.0f} MB" for R in results) + ".")
    lines += ["", "### paperlike: build, load, size", "", head, rule]
    lines.append(row("records", [_get(R, "load", "counts", "records") for R in results]))
    lines.append(row("texts (rows of X)", [_get(R, "load", "counts", "texts") for R in results]))
    lines.append(row("papers after grouping", [_get(R, "load", "counts", "papers") for R in results]))
    lines.append(row("papers joining two or more synthetic papers (false merges, not planted)",
                     [_get(R, "load", "false_merges", "papers") for R in results]))
    lines.append(row("&nbsp;&nbsp;synthetic papers in them", [_get(R, "load", "false_merges", "synthetic_papers_in_them") for R in results]))
    lines.append(row("vocabulary", [_get(R, "load", "counts", "vocabulary") for R in results]))
    lines.append(row("nonzeros of X", [_get(R, "load", "counts", "nonzeros") for R in results]))
    lines.append(row("**build** `paperlike index`: wall s", [_get(R, "build", "wall_seconds") if _ok(R.get("build")) else None for R in results]))
    lines.append(row("build: peak RSS MB", [_get(R, "build", "peak_mb") if _ok(R.get("build")) else None for R in results]))
    lines.append(row("model size on disk MB", [R.get("model_bytes", 0) / 1e6 or None for R in results]))
    preferred = ["read records", "texts: identities (a hash of each record's text key)", "texts: group records",
                 "texts: representatives", "vectorise (fit_fields: titles and the rest tokenised once)",
                 "matrix float32 + transpose", "ranker: BM25 postings", "ranker: LSA", "dedup (total)",
                 "dedup: candidates (total)", "dedup: transform titles/abstracts", "dedup: pairs_above titles >= 0.7",
                 "dedup: pairs_above texts >= 0.9", "all pairs: SharedJoin.run (texts)",
                 "dedup: title join, the chunks the build's own process took", "dedup: blocking (opening words, names)",
                 "dedup: abstract cosines and containment ceilings of candidates", "dedup: generic titles",
                 "dedup: groups from the verified pairs", "group records into papers", "save (total)",
                 "save: write files", "save: write records.arrow and cite.arrow", "save: build id/title key tables",
                 "save: manifest + SHA-256", "model_info"]
    seen = {l for R in results for l in (_get(R, "build", "phases", "seconds") or {})}
    for label in [l for l in preferred if l in seen] + sorted(seen - set(preferred)):
        lines.append(row(f"&nbsp;&nbsp;build phase: {label} s", [phase(R, "build", label) for R in results]))
    lines.append(row("&nbsp;&nbsp;build: rest (interpreter, imports, CLI, exit) s",
                     [(_get(R, "build", "wall_seconds") or 0) - (_get(R, "build", "in_process_seconds") or 0)
                      if _ok(R.get("build")) else None for R in results]))
    lines.append(row("&nbsp;&nbsp;candidate pairs verified (pair_evidence calls)",
                     [_get(R, "build", "phases", "calls", "dedup: pair_evidence (per candidate)") for R in results]))
    lines.append(row("&nbsp;&nbsp;floor of the read phase: `json.loads` of every corpus line s",
                     [_get(R, "read_floor", "json_parse_seconds") for R in results]))
    for step, name in (("load_first", "first load after build (verifies SHA-256)"), ("load", "load again (checksums remembered)")):
        lines.append(row(f"**load** `load_index` s, {name}", [_get(R, step, "load_seconds") for R in results]))
        lines.append(row(f"&nbsp;&nbsp;child wall s (interpreter + imports + load), {name.split(' (')[0]}",
                         [_get(R, step, "wall_seconds") if _ok(R.get(step)) else None for R in results]))
        lines.append(row(f"&nbsp;&nbsp;RSS after imports / after load MB, {name.split(' (')[0]}",
                         [(_get(R, step, "rss_after_import_mb"), _get(R, step, "rss_after_load_mb")) for R in results],
                         fmt=lambda v: f"{_f(v[0])} / {_f(v[1])}", growth=False))
        seen = {l for R in results for l in (_get(R, step, "phases", "seconds") or {})}
        for label in sorted(seen):
            lines.append(row(f"&nbsp;&nbsp;&nbsp;&nbsp;load phase: {label} s", [phase(R, step, label) for R in results]))
    lines.append(row("&nbsp;&nbsp;floor: read every model byte (np.load, read) s", [_get(R, "load", "raw_read_seconds") for R in results]))
    lines.append(row("first id query after load s", [_get(R, "query", "first_id_query_seconds") for R in results]))
    lines.append(row("first text query after load s", [_get(R, "query", "first_text_query_seconds") for R in results]))
    lines.append(row("query process: RSS after load MB", [_get(R, "query", "rss_after_load_mb") for R in results]))
    lines.append(row("query process: RSS after 2000 queries MB", [_get(R, "query", "rss_mb") for R in results]))
    # Queries.
    lines += ["", "### Queries: one process after load, 1000 queries each, k = 10", "",
              "ids: 1000 records drawn with a fixed seed; texts: 1000 real arXiv titles as free text "
              "(`kind=\"text\"`). paperlike's \"1000\" is the loop of single calls, then the batch call "
              "`similar_many` (half the queries in a forked process, answers checked equal to the loop's). "
              "Peers get the same matrix (`index.X_`) and the same query vectors (for an id, the row "
              "paperlike scores with); scikit-learn `NearestNeighbors(metric=\"cosine\", "
              "algorithm=\"brute\", n_neighbors=11)`, sparse_dot_topn `sp_matmul_topn(Q, X.T, "
              "top_n=11, sort=True)` single-threaded. The floor is a query's posting-list nonzeros "
              "at the fastest scipy rate measured in the same process (table below); for a batch, all "
              "the queries' postings at that rate on two cores. The memory floor is a query's postings "
              "at 8 bytes each (int32 text, float32 value) at the rate numpy sums a 400 MB array in the "
              "same process: alone for one query, in two processes at once for a batch. "
              "(×r) = peer / paperlike.", "",
              "| N | tool | id p50 ms | id p99 ms | text p50 ms | text p99 ms | 1000 id queries s (loop / batch) | 1000 text queries s (loop / batch) | top-10 agreement with brute force |",
              "|---|---|---|---|---|---|---|---|---|"]
    for R in results:
        q = R.get("query") or {}
        if not _ok(q):
            lines.append(f"| {R['size']} | paperlike | {_why(q)} | | | | | | |")
            continue
        agree = q.get("agreement", {})
        ag = "; ".join(f"{k}: {v['same_ids'] / v['n']:.1%} same ids, {v['same_scores'] / v['n']:.1%} same scores"
                       for k, v in agree.items() if v["n"])
        lines.append(f"| {R['size']} | paperlike `similar` | {_f(q['id']['p50_ms'], 2)} | {_f(q['id']['p99_ms'], 2)} | "
                     f"{_f(q['text']['p50_ms'], 2)} | {_f(q['text']['p99_ms'], 2)} | {_f(q['id']['loop_seconds'], 2)} / {_batch(q, 'id')} | "
                     f"{_f(q['text']['loop_seconds'], 2)} / {_batch(q, 'text')} | {ag} (n={N_AGREEMENT}) |")
        fl = q.get("floor", {})
        lines.append(f"| {R['size']} | floor (posting nonzeros / fastest rate) | {_f(fl.get('floor_p50_ms_id'), 2)} | "
                     f"{_f(fl.get('floor_p99_ms_id'), 2)} | {_f(fl.get('floor_p50_ms_text'), 2)} | {_f(fl.get('floor_p99_ms_text'), 2)} | "
                     f"{_f(fl.get('floor_batch_seconds_id'), 2)} (all postings / rate / 2 cores) | "
                     f"{_f(fl.get('floor_batch_seconds_text'), 2)} (all postings / rate / 2 cores) | |")
        if "bandwidth_p50_ms_id" in fl:
            bw = fl["read_gb_per_s"]
            lines.append(f"| {R['size']} | floor: posting bytes / memory read rate ({bw['one core']:.1f} GB/s one core, "
                         f"{bw['two cores']:.1f} GB/s two) | {_f(fl['bandwidth_p50_ms_id'], 2)} | | "
                         f"{_f(fl['bandwidth_p50_ms_text'], 2)} | | {_f(fl['bandwidth_batch_seconds_id'], 2)} | "
                         f"{_f(fl['bandwidth_batch_seconds_text'], 2)} | |")
        for step, name in (("sklearn", "scikit-learn NearestNeighbors brute"), ("sdtn_query", "sparse_dot_topn")):
            p = R.get(step) or {}
            if not _ok(p):
                lines.append(f"| {R['size']} | {name} | {_why(p)} | | | | | | |")
                continue
            batch = p.get("batch") or R.get("sklearn_batch") or {}
            bcell = (_why(batch) if not _ok(batch) else
                     f"{_f(batch['seconds'], 2)}{_ratio(batch['seconds'], q['text']['loop_seconds'])} (one call)")
            cut = lambda d: f" (n={d['n']})" if d.get("cut") else ""
            ag = p.get("agreement", {})
            lines.append(
                f"| {R['size']} | {name} | {_f(p['id']['p50_ms'], 2)}{_ratio(p['id']['p50_ms'], q['id']['p50_ms'])}{cut(p['id'])} | "
                f"{_f(p['id']['p99_ms'], 2)}{_ratio(p['id']['p99_ms'], q['id']['p99_ms'])} | "
                f"{_f(p['text']['p50_ms'], 2)}{_ratio(p['text']['p50_ms'], q['text']['p50_ms'])}{cut(p['text'])} | "
                f"{_f(p['text']['p99_ms'], 2)}{_ratio(p['text']['p99_ms'], q['text']['p99_ms'])} | not run | {bcell} | "
                f"top-11 scores equal brute force's: {ag.get('same', 0)}/{ag.get('n', 0)} |")
    kernel_names = list(dict.fromkeys(k for R in results for k in (_get(R, "query", "floor", "rates_nnz_per_s") or {})))
    lines += ["", "The machine's floor: scoring rates in matrix nonzeros multiplied-and-added per second, "
              "measured in the query process on the same query vectors (posting-list kernels: the nonzeros of the "
              "query terms' postings; the full scan: every nonzero of X). The floor of a query is its posting "
              "nonzeros at the fastest scipy rate, i.e. the time for a compiled loop to touch just the "
              "numbers the answer depends on. scipy kernels run on a copy of X with one index dtype (int32); "
              "one row runs on the arrays as `load_index` returns them (int32 indices, int64 indptr), "
              "which scipy converts on every call.", "",
              "| N | " + " | ".join(kernel_names) + " | posting nonzeros touched p50 (id / text) |",
              "|---|" + "---|" * (len(kernel_names) + 1)]
    for R in results:
        q = R.get("query") or {}
        if not _ok(q):
            continue
        fl = q["floor"]
        rates = fl["rates_nnz_per_s"]
        lines.append(f"| {R['size']} | " + " | ".join(f"{rates[k] / 1e6:.0f} M/s" if k in rates else "n/a" for k in kernel_names)
                     + f" | {_f(fl['touched_p50_id'])} / {_f(fl['touched_p50_text'])} |")
    # All pairs and versions.
    lines += ["", f"### All pairs with cosine >= {DUP_THRESHOLD}, and the planted versions", "",
              "Recall = share of the planted (original, version) pairs found: for paperlike's saved model, "
              "both records in one paper (the whole build's grouping); for the joins, the pair of text rows "
              "among the pairs found (an exact copy under another id is another text row); for MinHashLSH, "
              "the version among the original's candidates (unverified candidates, word 3-gram shingles of "
              "title + abstract, threshold 0.5, 128 permutations). Time and peak RSS are the child's; the "
              "join rows include loading X from the model (RSS before the join in brackets). (×r) = tool / "
              "paperlike's `pairs_above`.", "",
              "| N | tool | time s | peak RSS MB | pairs / candidates | recall exact | truncated | rewrite | all |",
              "|---|---|---|---|---|---|---|---|---|"]
    for R in results:
        ld, pa = R.get("load") or {}, R.get("pairs") or {}
        b = R.get("build") or {}
        lines.append(f"| {R['size']} | paperlike saved model (whole build: candidates + verification) | "
                     f"{_f(phase(R, 'build', 'dedup (total)'))} (dedup phase of build) | {_f(b.get('peak_mb')) if _ok(b) else 'n/a'} (whole build) | "
                     f"{_f(_get(R, 'build', 'phases', 'calls', 'dedup: pair_evidence (per candidate)'))} verified | {_recall(ld.get('recall'))} |")
        if _ok(pa):
            lines.append(f"| {R['size']} | paperlike `allpairs.pairs_above(X, 0.9)` | {_f(pa['seconds'], 2)} | {_f(pa['peak_mb'])} ({_f(pa['rss_before_mb'])}) | "
                         f"{_f(pa['pairs'])} | {_recall(pa['recall'])} |")
        else:
            lines.append(f"| {R['size']} | paperlike `allpairs.pairs_above(X, 0.9)` | {_why(pa)} | | | | | | |")
        sd = R.get("sdtn_pairs") or {}
        if _ok(sd):
            capped = f" ({sd['rows_at_top_n']} rows hit top_n)" if sd["rows_at_top_n"] else ""
            lines.append(f"| {R['size']} | sparse_dot_topn, 4096-row chunks, top_n={sd['top_n']}, threshold 0.9 | "
                         f"{_f(sd['seconds'], 2)}{_ratio(sd['seconds'], pa.get('seconds'))} | {_f(sd['peak_mb'])} ({_f(sd['rss_before_mb'])}) | "
                         f"{_f(sd['pairs'])}{capped} | {_recall(sd['recall'])} |")
        else:
            lines.append(f"| {R['size']} | sparse_dot_topn | {_why(sd)} | | | | | | |")
        mh = R.get("minhash") or {}
        if _ok(mh):
            lines.append(f"| {R['size']} | datasketch MinHashLSH (shingle {_f(mh['read_shingle_seconds'])} + minhash "
                         f"{_f(mh['minhash_seconds'])} + insert {_f(mh['insert_seconds'])} + query {_f(mh['query_seconds'])} s) | "
                         f"{_f(mh['seconds'])}{_ratio(mh['seconds'], pa.get('seconds'))} | {_f(mh['peak_mb'])} | {_f(mh['candidate_pairs'])} candidates | {_recall(mh['recall'])} |")
        else:
            lines.append(f"| {R['size']} | datasketch MinHashLSH | {_why(mh)} | | | | | | |")
        fl = _get(R, "query", "floor")
        if fl and _ok(pa):
            naive = fl["self_join_flops"] / fl["rate"]
            lines.append(f"| {R['size']} | floor: a naive X·Xᵀ ({fl['self_join_flops']:.3g} multiply-adds = Σ df²) at the floor rate | "
                         f"{_f(naive)} | | | | | | |")
    versions = sorted({f"{k} {v}" for R in results for k, v in (
        ("sparse_dot_topn", _get(R, "sdtn_query", "version")), ("datasketch", _get(R, "minhash", "version")),
        ("paperlike", _get(R, "build", "paperlike"))) if v})
    missing = sorted({step for R in results for step in ("sklearn", "sdtn_query", "minhash")
                      if _get(R, step, "skipped") == "not installed"})
    lines += ["", f"Versions: {', '.join(versions)}." + (
        f" Not installed: {', '.join(missing)} (`{PIP}`)." if missing else ""),
              "Growth: N^b fitted between the smallest and the largest size measured."]
    return "\n".join(lines)


def _batch(q: dict, kind: str) -> str:
    b = q.get(f"batch_{kind}")
    if not b:
        return "not run"
    return f"{_f(b['seconds'], 2)} ({b['same_as_single']}/{b['n']} same as the loop)"


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", nargs="+", default=None, help="e.g. 100k 300k 1m (default: all three)")
    parser.add_argument("--quick", action="store_true", help=f"a {QUICK_SIZE} smoke run; RESULTS.md untouched")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--budget", type=float, default=1800.0, help="seconds allowed per step (default 1800)")
    parser.add_argument("--scratch", type=Path, default=None, help="default $PAPERLIKE_SCRATCH or /tmp/paperlike-scratch")
    parser.add_argument("--no-write", action="store_true", help="print the table, leave RESULTS.md alone")
    parser.add_argument("--steps", nargs="+", choices=ALL_STEPS, default=None,
                        help="run only these steps; the others are kept from the last run of that size")
    parser.add_argument("--render", action="store_true", help="re-render from saved results of --sizes, measure nothing")
    parser.add_argument("--worker", nargs=3, metavar=("NAME", "ARGS", "OUT"), help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.worker:
        name, payload, out = args.worker
        result = WORKERS[name](json.loads(payload))
        Path(out).write_text(json.dumps(result, default=float))
        return
    root = args.scratch or generate.scratch()
    root.mkdir(parents=True, exist_ok=True)
    sizes = [QUICK_SIZE] if args.quick else (args.sizes or DEFAULT_SIZES)
    start = time.perf_counter()

    def log(msg: str) -> None:
        print(msg, flush=True)

    results = []
    for size in sizes:
        saved = root / f"results-{generate.size_name(generate.parse_size(size))}-s{args.seed}.json"
        if args.render:
            results.append(json.loads(saved.read_text()))
        else:
            results.append(measure_size(size, args.seed, args.budget, root, log,
                                        set(args.steps) if args.steps else None))
    seconds = sum(R.get("total_seconds", 0) for R in results) if args.render else time.perf_counter() - start
    markdown = render(results, args.quick, seconds)
    print(markdown)
    (root / f"scale{'-quick' if args.quick else ''}.md").write_text(markdown + "\n")
    if not (args.quick or args.no_write):
        write_section("scale", markdown)
        log("wrote section 'scale' of benchmarks/RESULTS.md")


if __name__ == "__main__":
    main()
