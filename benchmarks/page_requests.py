"""How long the page's requests take: each request the page at ``/`` makes, 50 times, one after
another, against ``paperlike serve`` on the arXiv crawl's model.

    python benchmarks/page_requests.py [--model DIR] [--n 50] [--no-write]

The server is the real one, ``python -m paperlike serve`` in its own process on 127.0.0.1 (a free
port), with its default limits. It serves ``--model DIR``, or the model of the arXiv crawl
(``../shared/data/arxiv-daily/arxiv-2025.jsonl.gz``, built once into
``$PAPERLIKE_SCRATCH/page-arxiv``, about a minute). The reading lists it writes go to a copy of
the lists' file, so a model's own lists are left as they were.

One client with one kept-alive connection, as a browser tab: the page's files, ``/health`` and
``/lists`` (each view's start), ``/similar`` by id, by title and by free text (the search box),
``/papers/{id}`` (a result opened), ``/graph`` (k = 10), adding a paper to a list, a list read
back, ``/recommend`` from a list of five liked and two not (its "Recommended"), the list's
export as BibTeX and RIS (ten papers), and ``/review`` (the review page's queue; its first
answer, computed once with ``/dupes``, is timed apart). Queries are drawn from the model's
records with seed 0.
Reported: p50, p99 and max per request, in ms. The machine may be shared with other work: the
figures are of one run and vary with its load.

Writes the ``page-requests`` section of RESULTS.md, unless ``--no-write``.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import random
import shutil
import socket
import statistics
import subprocess
import sys
import time
import urllib.parse
from pathlib import Path

import paperlike
from paperlike.lists import lists_path

sys.path.insert(0, str(Path(__file__).parent))
from _results import DATA, machine, write_section  # noqa: E402

CORPUS = DATA / "arxiv-daily" / "arxiv-2025.jsonl.gz"
q = urllib.parse.quote


def scratch() -> Path:
    return Path(os.environ.get("PAPERLIKE_SCRATCH", "/tmp/paperlike-scratch"))


class Client:
    """One kept-alive connection, timing each request."""

    def __init__(self, port: int) -> None:
        self.port = port
        self.connection = http.client.HTTPConnection("127.0.0.1", port, timeout=120)

    def ask(self, method: str, path: str, body: object = None) -> tuple[float, int, bytes]:
        data = None if body is None else json.dumps(body).encode()
        headers = {"content-type": "application/json"} if data else {}
        start = time.perf_counter()
        try:
            self.connection.request(method, path, body=data, headers=headers)
            answer = self.connection.getresponse()
            content = answer.read()
        except (OSError, http.client.HTTPException):
            self.connection.close()
            self.connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=120)
            raise
        return time.perf_counter() - start, answer.status, content


def start(model: Path) -> tuple[subprocess.Popen, int]:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    server = subprocess.Popen([sys.executable, "-m", "paperlike", "serve", "--model", str(model), "--port", str(port)],
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 300
    while time.monotonic() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1):
                return server, port
        except OSError:
            if server.poll() is not None:
                raise SystemExit(f"paperlike serve stopped (exit {server.returncode})") from None
            time.sleep(0.2)
    server.kill()
    raise SystemExit("paperlike serve did not start")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", type=Path)
    parser.add_argument("--n", type=int, default=50, help="requests of each kind")
    parser.add_argument("--no-write", action="store_true")
    args = parser.parse_args()
    model = args.model
    if model is None:
        model = scratch() / "page-arxiv"
        if not (model / "manifest.json").exists():
            model.parent.mkdir(parents=True, exist_ok=True)
            subprocess.run([sys.executable, "-m", "paperlike", "index", str(CORPUS), "--model", str(model)], check=True)
    index = paperlike.load_index(model)
    rng = random.Random(0)
    records = [r for r in index.records_ if r.title and r.abstract]
    drawn = [rng.choice(records) for _ in range(args.n)]

    # The lists go to a file of their own: the model's lists (if any) are set aside, then back.
    lists_file = lists_path(model)
    kept = lists_file.with_name(lists_file.name + ".kept")
    if lists_file.exists():
        shutil.move(lists_file, kept)
    server, port = start(model)
    try:
        client = Client(port)
        times: dict[str, list[float]] = {}

        def timed(name: str, method: str, path: str, body: object = None) -> bytes:
            took, status, content = client.ask(method, path, body)
            if status >= 300:
                raise SystemExit(f"{method} {path}: {status} {content[:300]!r}")
            times.setdefault(name, []).append(took)
            return content

        took, status, _ = client.ask("GET", "/review")
        while status == 503:  # computed once, in the background: asked until it answers
            time.sleep(1)
            more, status, _ = client.ask("GET", "/review")
            took += more + 1
        first_dupes = took
        client.ask("POST", "/lists", {"name": "bench"})
        for i, record in enumerate(drawn):
            for name in ("index.html", "app.js", "style.css"):
                timed(f"GET /static/{name}" if name != "index.html" else "GET /", "GET",
                      "/" if name == "index.html" else f"/static/{name}")
            timed("GET /health", "GET", "/health")
            timed("GET /lists", "GET", "/lists")
            timed("GET /similar (id)", "GET", f"/similar?kind=id&k=10&q={q(record.id)}")
            timed("GET /similar (title)", "GET", f"/similar?k=10&q={q(record.title)}")
            words = record.abstract.split()[:12]
            timed("GET /similar (text)", "GET", f"/similar?kind=text&k=10&q={q(' '.join(words))}")
            timed("GET /papers/{id}", "GET", f"/papers/{q(record.id, safe='')}")
            timed("GET /graph (k=10)", "GET", f"/graph?k=10&q={q(record.id)}")
            if i < 10:
                timed("POST /lists/{name}/papers", "POST", "/lists/bench/papers",
                      {"id": record.id, "role": "like" if i < 8 else "not"})
            else:
                timed("POST /lists/{name}/papers", "POST", "/lists/bench/papers", {"id": record.id, "role": "like"})
                timed("DELETE /lists/{name}/papers/{id}", "DELETE", f"/lists/bench/papers/{q(record.id, safe='')}")
            timed("GET /lists/{name}", "GET", "/lists/bench")
            liked = [r.id for r in drawn[max(0, i - 4):i + 1]]
            nots = [r.id for r in drawn[i + 1:i + 3]]
            timed("POST /recommend (5 liked, 2 not)", "POST", "/recommend", {"like": liked, "not": nots, "k": 10})
            timed("GET /lists/{name}/export (bibtex)", "GET", "/lists/bench/export?format=bibtex&role=all")
            timed("GET /lists/{name}/export (ris)", "GET", "/lists/bench/export?format=ris&role=all")
            timed("GET /review", "GET", "/review")
    finally:
        server.terminate()
        server.wait(30)
        lists_file.unlink(missing_ok=True)
        for suffix in ("-wal", "-shm"):
            lists_file.with_name(lists_file.name + suffix).unlink(missing_ok=True)
        if kept.exists():
            shutil.move(kept, lists_file)

    def ms(values: list[float], p: float) -> str:
        ordered = sorted(values)
        return f"{1000 * ordered[min(len(ordered) - 1, int(p * len(ordered)))]:.1f}"

    rows = [f"| `{name}` | {len(values)} | {1000 * statistics.median(values):.1f} | {ms(values, 0.99)} | "
            f"{1000 * max(values):.1f} |" for name, values in times.items()]
    text = f"""## The page's requests (`benchmarks/page_requests.py`)

{machine()}. `paperlike serve` on {model.name} ({len(index.records_):,} records, {index.n_papers:,}
papers), one client with a kept-alive connection on loopback, as a browser tab: each request the
page makes, {args.n} times (queries drawn from the model's records, seed 0), one after another.
The first `GET /review` (the review page's queue, computed once with `/dupes` in the background,
asked until it answers): {first_dupes:.1f} s. The machine is shared with other work: one run's figures;
of {args.n} requests, the p99 is the slowest. Adding to a list waits for SQLite's fsync.

| request | n | p50 ms | p99 ms | max ms |
|---|---:|---:|---:|---:|
{chr(10).join(rows)}
"""
    print(text)
    if not args.no_write:
        write_section("page-requests", text)


if __name__ == "__main__":
    main()
