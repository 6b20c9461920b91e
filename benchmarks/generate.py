"""Synthetic corpora of N realistic paper records, recombined from the real arXiv crawl.

    python benchmarks/generate.py --sizes 100k 300k 1m [--seed 0] [--out DIR] [--stats]

Writes ``DIR/corpus-<size>-s<seed>/corpus.jsonl`` (arXiv-API-style JSON lines: ``id``, ``title``,
``summary``, ``authors``, ``categories``; ``paperlike index`` reads it unchanged), ``truth.csv``
(the planted versions: ``original_id,version_id,kind``) and ``meta.json`` (parameters and
counts). DIR defaults to ``$PAPERLIKE_SCRATCH`` or ``/tmp/paperlike-scratch``; nothing is
written into the repository. The output is a function of (crawl, N, seed) only.

How a synthetic paper is made (one per *anchor*, a real paper drawn uniformly, so categories keep
the crawl's proportions):

- its *neighbourhood* is the anchor's ``K`` nearest real papers by TF-IDF cosine within its
  primary category (the anchor included; a category of fewer than ``K`` papers is completed with
  the nearest papers of other categories), so that sentences of one synthetic abstract are on
  one topic, and synthetic papers cluster the way real ones do;
- its length in sentences is that of a real paper drawn uniformly from the same primary category;
- its sentence j of L is the sentence at the same relative position of a random neighbour (an
  opening sentence opens, a conclusion concludes); the opening sentence is spliced from two
  neighbours' openings at a word boundary (words 3-8), so that the first twelve words, which
  paperlike uses to block truncated copies, are not shared by the ~N/40,717 synthetic papers that
  reuse one real opening;
- its title joins the head of one neighbour's title to the tail of another's at a pivot word
  ("... via ...", "... for ..."); where the title names a system ("GENIE: ..."), the name is
  spliced from two real names, so names stay (nearly) unique as they are in reality;
- authors: the list of a random neighbour; categories: the anchor's.

Planted versions: for ``--versions`` (default 1%) of the synthetic papers, one more record with
id ``<id>v``: an ``exact`` copy, a ``truncated`` abstract (its first 40-70% of words) or a
``rewrite`` (two adjacent sentences swapped, 3-6 words dropped or replaced by words of other
abstracts), in equal shares. Records are written in a random order.

``--stats`` prints realism checks: the same statistics on the real crawl and on a synthetic
sample of the same size.
"""

from __future__ import annotations

import argparse
import csv
import gzip
import hashlib
import json
import os
import random
import re
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _results import DATA  # noqa: E402

CRAWL = DATA / "arxiv-daily" / "arxiv-2025.jsonl.gz"
GENERATOR_VERSION = 2
K_NEIGHBOURS = 40
TITLE_SWAP = 0.4
VERSION_SHARE = 0.01
KINDS = ("exact", "truncated", "rewrite")
_PIVOTS = {"for", "via", "with", "using", "in", "on", "of", "from", "through", "towards", "toward",
           "under", "without", "by", "beyond", "across", "into", "as", "and", "to"}
_ABBREV = re.compile(r"(?:\b(?:e\.g|i\.e|et al|etc|vs|Fig|Figs|Eq|Eqs|Sec|cf|approx|resp|No|Ref|Refs|Dr|Prof|St)\.|\b[A-Z]\.)$")
_SENT_SPLIT = re.compile(r"(?<=[.!?])\s+(?=[A-Z0-9(\[\"'])")
_WORD = re.compile(r"(?u)\b\w\w+\b")


def scratch() -> Path:
    return Path(os.environ.get("PAPERLIKE_SCRATCH", "/tmp/paperlike-scratch"))


def parse_size(text: str) -> int:
    text = text.strip().lower()
    factor = {"k": 1_000, "m": 1_000_000}.get(text[-1], 1)
    return int(float(text[:-1] if factor > 1 else text) * factor)


def size_name(n: int) -> str:
    if n % 1_000_000 == 0:
        return f"{n // 1_000_000}m"
    if n % 1_000 == 0:
        return f"{n // 1_000}k"
    return str(n)


def split_sentences(text: str) -> list[str]:
    pieces = _SENT_SPLIT.split(text)
    out: list[str] = []
    for piece in pieces:
        if out and _ABBREV.search(out[-1]):
            out[-1] += " " + piece
        else:
            out.append(piece)
    return out


def split_title(title: str) -> tuple[str | None, list[str]]:
    """(name, descriptive words): "GENIE: Gaussian Encoding ..." -> ("GENIE", [...])."""
    if ":" in title:
        name, rest = title.split(":", 1)
        if len(name.split()) <= 4 and rest.strip():
            return name.strip(), rest.split()
    return None, title.split()


def pivot_cuts(words: list[str]) -> list[int]:
    """Word positions where a title can be cut into a head and a tail of similar length (a
    pivot word in the middle third, else the middle), so that two synthetic titles sharing one
    part are no more alike than real titles on one topic."""
    n = len(words)
    cuts = [i for i, w in enumerate(words) if n / 3 <= i <= 2 * n / 3 and i >= 1 and w.lower() in _PIVOTS]
    return cuts or [max(1, n // 2)]


class Source:
    """The real crawl, prepared for recombination (one record per arXiv id, its last crawl)."""

    def __init__(self, path: Path = CRAWL, k: int = K_NEIGHBOURS) -> None:
        start = time.perf_counter()
        papers: dict[str, dict] = {}
        with gzip.open(path, "rt", encoding="utf-8") as f:
            for line in f:
                obj = json.loads(line)
                if obj.get("summary") and obj.get("title") and obj.get("categories"):
                    papers[obj["id"]] = obj
        self.ids = sorted(papers)
        rows = [papers[i] for i in self.ids]
        self.n = len(rows)
        self.titles = [" ".join(r["title"].split()) for r in rows]
        self.abstracts = [" ".join(r["summary"].split()) for r in rows]
        self.authors = [list(r.get("authors") or []) for r in rows]
        self.categories = [list(r["categories"]) for r in rows]
        primary = [c[0] for c in self.categories]
        self.cat_names, self.cat = np.unique(np.array(primary, dtype=object), return_inverse=True)
        # Sentences: one flat array, with each paper's offset and count.
        sentences: list[str] = []
        self.sent_start = np.zeros(self.n, dtype=np.int64)
        self.sent_count = np.zeros(self.n, dtype=np.int64)
        for p, text in enumerate(self.abstracts):
            parts = split_sentences(text)
            self.sent_start[p], self.sent_count[p] = len(sentences), len(parts)
            sentences.extend(parts)
        self.sentences = np.array(sentences, dtype=object)
        self.first_words = [self.sentences[s].split() for s in self.sent_start.tolist()]
        # Titles: name (if any), descriptive words, pivot cuts.
        split = [split_title(t) for t in self.titles]
        self.title_name = [name for name, _ in split]
        self.title_words = [words for _, words in split]
        self.title_cuts = [pivot_cuts(words) for words in self.title_words]
        self.names = [n for n in self.title_name if n]
        self.title_content = [[w for w in words if w.lower() not in _PIVOTS and len(w) > 3]
                              for words in self.title_words]
        # Category members (for the length distribution of a category).
        order = np.argsort(self.cat, kind="stable")
        self.cat_members = order
        self.cat_start = np.searchsorted(self.cat[order], np.arange(len(self.cat_names) + 1))
        self.neighbours = self._neighbours(k)
        self.k = k
        self.seconds = time.perf_counter() - start

    def _neighbours(self, k: int) -> np.ndarray:
        """(n, k) array: each paper's k nearest papers of its primary category (itself first)."""
        from sklearn.feature_extraction.text import TfidfVectorizer

        texts = [f"{t} {a}" for t, a in zip(self.titles, self.abstracts)]
        X = TfidfVectorizer(sublinear_tf=True, stop_words="english", min_df=2,
                            dtype=np.float32).fit_transform(texts).tocsr()
        out = np.zeros((self.n, k), dtype=np.int64)
        XT_all = X.T.tocsr()
        for c in range(len(self.cat_names)):
            members = self.cat_members[self.cat_start[c]:self.cat_start[c + 1]]
            if len(members) < k:
                # A small category: the whole category, then the nearest papers of any other (a
                # neighbourhood of one paper would give N/40,717 copies of one abstract).
                block = (X[members] @ XT_all).toarray()
                block[:, members] += 1.0
                block[np.arange(len(members)), members] = 3.0
                top = np.argpartition(-block, k - 1, axis=1)[:, :k]
                order = np.argsort(-np.take_along_axis(block, top, axis=1), axis=1, kind="stable")
                out[members] = np.take_along_axis(top, order, axis=1)
                continue
            Xc = X[members]
            XcT = Xc.T.tocsr()
            for start in range(0, len(members), 2000):
                block = (Xc[start:start + 2000] @ XcT).toarray()
                rows = np.arange(block.shape[0])
                block[rows, rows + start] = 2.0  # itself first
                top = np.argpartition(-block, k - 1, axis=1)[:, :k]
                order = np.argsort(-np.take_along_axis(block, top, axis=1), axis=1, kind="stable")
                out[members[start:start + 2000]] = members[np.take_along_axis(top, order, axis=1)]
        return out


def _splice_name(a: str, b: str) -> str:
    i = max(1, (len(a) + 1) // 2)
    j = len(b) // 2
    name = (a[:i] + b[j:]).strip()
    return name or a


def synthesize(src: Source, n: int, seed: int) -> dict:
    """The arrays that define N synthetic papers (vectorised; text is assembled per record)."""
    rng = np.random.default_rng([seed, n, GENERATOR_VERSION])
    k = src.k
    anchor = rng.integers(0, src.n, size=n)
    cat = src.cat[anchor]
    # Length in sentences: that of a random real paper of the same primary category.
    size = src.cat_start[cat + 1] - src.cat_start[cat]
    donor = src.cat_members[src.cat_start[cat] + (rng.random(n) * size).astype(np.int64)]
    length = src.sent_count[donor]
    # Sentence j >= 1: the sentence at the same relative position of a random neighbour.
    offsets = np.concatenate([[0], np.cumsum(length)])
    total = int(offsets[-1])
    owner = np.repeat(np.arange(n), length)
    position = np.arange(total) - offsets[owner]
    source = src.neighbours[anchor[owner], rng.integers(0, k, size=total)]
    ns = src.sent_count[source]
    rel = np.where(length[owner] > 1, (position - 1) / np.maximum(length[owner] - 1, 1), 0.0)
    pick = np.where(ns > 1, 1 + np.floor(rel * (ns - 1)).astype(np.int64), 0)
    pick = np.minimum(pick, ns - 1)
    sentence_ids = src.sent_start[source] + pick
    # The opening sentence: two neighbours' openings spliced at word 3-8.
    open_a = src.neighbours[anchor, rng.integers(0, k, size=n)]
    open_b = src.neighbours[anchor, rng.integers(0, k, size=n)]
    open_cut = rng.integers(3, 9, size=n)
    # Title: head of one neighbour's title, tail of another's; a spliced name if the first has one.
    title_a = src.neighbours[anchor, rng.integers(0, k, size=n)]
    title_b = src.neighbours[anchor, rng.integers(0, k, size=n)]
    title_ra = rng.random(n)
    title_rb = rng.random(n)
    name_other = rng.integers(0, max(len(src.names), 1), size=n)
    author_of = src.neighbours[anchor, rng.integers(0, k, size=n)]
    title_seed = rng.integers(0, 2**62, size=n)
    return dict(title_seed=title_seed, n=n, anchor=anchor, offsets=offsets, sentence_ids=sentence_ids, open_a=open_a,
                open_b=open_b, open_cut=open_cut, title_a=title_a, title_b=title_b,
                title_ra=title_ra, title_rb=title_rb, name_other=name_other, author_of=author_of)


def make_record(src: Source, syn: dict, i: int) -> dict:
    """The synthetic paper i as an arXiv-API-style record."""
    a, b, cut = int(syn["open_a"][i]), int(syn["open_b"][i]), int(syn["open_cut"][i])
    fa, fb = src.first_words[a], src.first_words[b]
    opening = " ".join(fa[:cut] + fb[cut:]) if len(fb) > cut else " ".join(fa)
    rest = syn["sentence_ids"][syn["offsets"][i] + 1:syn["offsets"][i + 1]].tolist()
    body = [src.sentences[s] for s in dict.fromkeys(rest)]
    summary = " ".join([opening] + body)
    ta, tb = int(syn["title_a"][i]), int(syn["title_b"][i])
    wa, wb = src.title_words[ta], src.title_words[tb]
    ca, cb = src.title_cuts[ta], src.title_cuts[tb]
    cut_a = ca[int(syn["title_ra"][i] * len(ca))]
    cut_b = cb[int(syn["title_rb"][i] * len(cb))]
    words = wa[:cut_a] + wb[cut_b:]
    if len(words) < 3:
        words = wa
    # Content words swapped for content words of neighbours' titles (same topic), so that the
    # ~N/40,717 synthetic titles reusing one real head or tail do not share it word for word.
    rnd = random.Random(int(syn["title_seed"][i]))
    neighbours = src.neighbours[int(syn["anchor"][i])]
    words = list(words)
    for w, word in enumerate(words):
        if rnd.random() < TITLE_SWAP and word.lower() not in _PIVOTS and len(word) > 3:
            donor = src.title_content[int(neighbours[rnd.randrange(len(neighbours))])]
            if donor:
                words[w] = donor[rnd.randrange(len(donor))]
    title = " ".join(words)
    name = src.title_name[ta]
    if name:
        title = f"{_splice_name(name, src.names[int(syn['name_other'][i])])}: {title}"
    anchor = int(syn["anchor"][i])
    return {"id": f"syn.{i:07d}", "title": title, "summary": summary,
            "authors": src.authors[int(syn["author_of"][i])], "categories": src.categories[anchor]}


def make_version(src: Source, record: dict, kind: str, rnd: random.Random) -> dict:
    """A planted version of a record: an exact copy, a truncated abstract, or a light rewrite."""
    out = dict(record, id=record["id"] + "v")
    words = record["summary"].split()
    if kind == "truncated":
        keep = max(1, int(round(len(words) * rnd.uniform(0.4, 0.7))))
        out["summary"] = " ".join(words[:keep])
    elif kind == "rewrite":
        sentences = split_sentences(record["summary"])
        if len(sentences) >= 2:
            j = rnd.randrange(len(sentences) - 1)
            sentences[j], sentences[j + 1] = sentences[j + 1], sentences[j]
        words = " ".join(sentences).split()
        for _ in range(rnd.randint(3, 6)):
            if len(words) < 5:
                break
            pos = rnd.randrange(len(words))
            if rnd.random() < 0.5:
                del words[pos]
            else:
                other = src.sentences[rnd.randrange(len(src.sentences))].split()
                words[pos] = other[rnd.randrange(len(other))]
        out["summary"] = " ".join(words)
    return out


def _params(n: int, seed: int, versions: float) -> dict:
    return {"n": n, "seed": seed, "versions": versions, "generator": GENERATOR_VERSION,
            "k": K_NEIGHBOURS, "crawl_bytes": CRAWL.stat().st_size}


def exists(folder: Path, n: int, seed: int, versions: float = VERSION_SHARE) -> bool:
    """True if the folder holds a complete corpus made with these parameters."""
    try:
        meta = json.loads((folder / "meta.json").read_text())
    except (OSError, ValueError):
        return False
    return meta.get("params") == _params(n, seed, versions) and (folder / "corpus.jsonl").exists()


def generate(n: int, seed: int = 0, out: Path | None = None, src: Source | None = None,
             versions: float = VERSION_SHARE, log=print) -> Path:
    """Write the corpus of size n (if not already there); its folder."""
    folder = (out or scratch()) / f"corpus-{size_name(n)}-s{seed}"
    if exists(folder, n, seed, versions):
        log(f"corpus {folder} exists (same parameters); reusing it")
        return folder
    meta_path = folder / "meta.json"
    params = _params(n, seed, versions)
    folder.mkdir(parents=True, exist_ok=True)
    start = time.perf_counter()
    src = src or Source()
    log(f"prepared {src.n:,} real papers, {len(src.sentences):,} sentences, "
        f"{len(src.cat_names)} primary categories in {src.seconds:.1f} s")
    syn = synthesize(src, n, seed)
    rng = np.random.default_rng([seed, n, GENERATOR_VERSION, 1])
    m = int(round(n * versions))
    planted = np.sort(rng.choice(n, size=m, replace=False))
    kinds = rng.integers(0, len(KINDS), size=m)
    order = rng.permutation(n + m)
    tmp = folder / "corpus.jsonl.tmp"
    with tmp.open("w", encoding="utf-8") as f:
        lines = []
        for e in order.tolist():
            if e < n:
                record = make_record(src, syn, e)
            else:
                v = e - n
                rnd = random.Random(seed * 1_000_003 + v)
                record = make_version(src, make_record(src, syn, int(planted[v])), KINDS[kinds[v]], rnd)
            lines.append(json.dumps(record, ensure_ascii=False))
            if len(lines) >= 20000:
                f.write("\n".join(lines) + "\n")
                lines.clear()
        if lines:
            f.write("\n".join(lines) + "\n")
    os.replace(tmp, folder / "corpus.jsonl")
    with (folder / "truth.csv").open("w", newline="", encoding="utf-8") as f:
        w = csv.writer(f)
        w.writerow(["original_id", "version_id", "kind"])
        for o, kind in zip(planted.tolist(), kinds.tolist()):
            w.writerow([f"syn.{o:07d}", f"syn.{o:07d}v", KINDS[kind]])
    digest = hashlib.sha256()
    with (folder / "corpus.jsonl").open("rb") as f:
        for block in iter(lambda: f.read(1 << 22), b""):
            digest.update(block)
    meta = {"params": params, "records": n + m, "papers": n, "planted": m,
            "kinds": {k: int(np.sum(kinds == i)) for i, k in enumerate(KINDS)},
            "bytes": (folder / "corpus.jsonl").stat().st_size, "sha256": digest.hexdigest(),
            "seconds": round(time.perf_counter() - start, 1),
            "source_seconds": round(src.seconds, 1)}
    meta_path.write_text(json.dumps(meta, indent=1) + "\n")
    log(f"wrote {folder}/corpus.jsonl: {n + m:,} records ({m:,} planted versions), "
        f"{meta['bytes'] / 1e6:.0f} MB in {meta['seconds']:.0f} s")
    return folder


# -- realism checks ---------------------------------------------------------------------------


def corpus_stats(titles: list[str], abstracts: list[str], seed: int = 0) -> dict:
    """Statistics that matter for paperlike's costs, on one corpus."""
    from sklearn.feature_extraction.text import TfidfVectorizer

    words = np.array([len(a.split()) for a in abstracts])
    sents = np.array([len(split_sentences(a)) for a in abstracts])
    twords = np.array([len(t.split()) for t in titles])
    names = [split_title(t)[0] for t in titles]
    named = [n.lower() for n in names if n]
    openings = [" ".join(_WORD.findall(a.lower())[:12]) for a in abstracts]
    X = TfidfVectorizer(sublinear_tf=True, stop_words="english", dtype=np.float32).fit_transform(
        [f"{t} {t} {a}" for t, a in zip(titles, abstracts)]).tocsr()
    rng = np.random.default_rng(seed)
    q = rng.choice(X.shape[0], size=min(1000, X.shape[0]), replace=False)
    S = (X[q] @ X.T).toarray()
    S[np.arange(len(q)), q] = 0
    top = -np.sort(-S, axis=1)[:, :10]
    T = TfidfVectorizer(sublinear_tf=True, stop_words="english", dtype=np.float32).fit_transform(titles).tocsr()
    St = (T[q] @ T.T).toarray()
    St[np.arange(len(q)), q] = 0
    return {
        "papers": len(titles),
        "abstract words p5/p50/p95": "/".join(str(int(v)) for v in np.percentile(words, [5, 50, 95])),
        "sentences p5/p50/p95": "/".join(str(int(v)) for v in np.percentile(sents, [5, 50, 95])),
        "title words p5/p50/p95": "/".join(str(int(v)) for v in np.percentile(twords, [5, 50, 95])),
        "vocabulary (tokens)": X.shape[1],
        "nonzeros per row": round(X.nnz / X.shape[0], 1),
        "titles with a name": f"{len(named) / len(titles):.1%}",
        "names shared by >1 paper": f"{(len(named) - len(set(named))) / max(len(named), 1):.1%}",
        "openings (12 words) shared": f"{(len(openings) - len(set(openings))) / len(openings):.1%}",
        "top-1 cosine p50 (1000 queries)": round(float(np.median(top[:, 0])), 3),
        "top-10 cosine p50": round(float(np.median(top[:, 9])), 3),
        "title pairs >= 0.7 (1000 titles x all)": int((St >= 0.7).sum()),
        "title pairs >= 0.5 (1000 titles x all)": int((St >= 0.5).sum()),
    }


def stats(src: Source, seed: int = 0) -> str:
    n = src.n
    syn = synthesize(src, n, seed)
    records = [make_record(src, syn, i) for i in range(n)]
    real = corpus_stats(src.titles, src.abstracts, seed)
    fake = corpus_stats([r["title"] for r in records], [r["summary"] for r in records], seed)
    lines = [f"| statistic | real crawl ({n:,} papers) | synthetic ({n:,} papers, seed {seed}) |",
             "|---|---|---|"]
    for key in real:
        lines.append(f"| {key} | {real[key]} | {fake[key]} |")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", nargs="+", default=["100k", "300k", "1m"])
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--out", type=Path, default=None)
    parser.add_argument("--versions", type=float, default=VERSION_SHARE)
    parser.add_argument("--k", type=int, default=K_NEIGHBOURS, help=argparse.SUPPRESS)
    parser.add_argument("--stats", action="store_true", help="print realism checks and exit")
    args = parser.parse_args(argv)
    src = None
    for size in ([] if args.stats else args.sizes):
        n = parse_size(size)
        if not exists((args.out or scratch()) / f"corpus-{size_name(n)}-s{args.seed}", n, args.seed, args.versions):
            src = src or Source(k=args.k)
        generate(n, args.seed, args.out, src, args.versions)
    if args.stats:
        src = Source(k=args.k)
        print(f"prepared {src.n:,} real papers, {len(src.sentences):,} sentences, "
              f"{len(src.cat_names)} primary categories in {src.seconds:.1f} s")
        print(stats(src, args.seed))


if __name__ == "__main__":
    main()
