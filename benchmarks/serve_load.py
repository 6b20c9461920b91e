"""How the HTTP service holds under load: 32 clients for 60 s against ``paperlike serve`` on
loopback, with slow clients trying to hold it meanwhile.

    python benchmarks/serve_load.py [--clients 32] [--seconds 60] [--warmup 5] [--slow 8]
                                    [--model DIR] [--no-write]

The server is the real one, ``python -m paperlike serve`` in its own process on 127.0.0.1 (a free
port), with its default limits. It serves the model of the arXiv crawl
(``../shared/data/arxiv-daily/arxiv-2025.jsonl.gz``, built once into
``$PAPERLIKE_SCRATCH/serve-load-arxiv``, about 30 s), or ``--model DIR``. Before the clock starts,
``GET /dupes`` is asked until it answers (its first answer is computed once, in the background;
the time is reported).

Each client is a thread with one kept-alive connection, sending requests drawn (seed = its
number) from the model's own records: ``GET /similar`` (an id, a title or its first half, four
words at least; k 3 or 10) 30%, ``POST /similar`` (an abstract as text, up to 2,000 characters)
20%, ``POST /check`` (1-3 records) 15%, ``GET /papers/{id}`` 15%, ``POST /recommend`` (two ids) 7%, ``GET /dupes`` 3%,
``GET /health`` 10%. An error is any answer but 200, or a failed request. Meanwhile ``--slow``
connections each send a request's headers a byte a second, again and again: the time until the
service drops each is reported.

Reported: requests, errors, p50 / p99 / max per endpoint; the server's RSS idle, after the warm-up
and at the end, and its CPU seconds; the 1-minute load average at the start and the end (the
machine may be shared). The clients are threads of one Python process on the same machine, so
on 2 cores the latencies include the clients' own waits for a core and for the GIL. Writes the
``serve-load`` section of RESULTS.md, unless ``--no-write``.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import random
import select
import socket
import statistics
import subprocess
import sys
import threading
import time
import urllib.parse
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from _results import DATA, machine, write_section  # noqa: E402

CORPUS = DATA / "arxiv-daily" / "arxiv-2025.jsonl.gz"
TIMEOUT = 30  # seconds for any one request


def scratch() -> Path:
    return Path(os.environ.get("PAPERLIKE_SCRATCH", "/tmp/paperlike-scratch"))


def rss(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) * 1024
    return 0


def cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def load_average() -> float:
    return os.getloadavg()[0]


def requests_of(index):
    """The mix (see the module's docstring): draw(rng) -> (name, method, path, body)."""
    records = list(index.records_)
    titled = [r for r in records if r.title]

    def draw(rng: random.Random):
        r = rng.choice(titled)
        words = r.title.split()
        pick = rng.random()
        if pick < 0.30:  # four words at least, so that some are in the vocabulary
            query = rng.choice([r.id, r.title, " ".join(words[: max(4, len(words) // 2)])])
            return "GET /similar", "GET", f"/similar?q={urllib.parse.quote(query)}&k={rng.choice([3, 10])}", None
        if pick < 0.50:
            return "POST /similar", "POST", "/similar", {"query": (r.abstract or r.title)[:2000], "kind": "text", "k": 5}
        if pick < 0.65:
            batch = [{"title": x.title, "abstract": x.abstract, "authors": x.authors}
                     for x in rng.sample(titled, rng.randint(1, 3))]
            return "POST /check", "POST", "/check", batch
        if pick < 0.80:
            return "GET /papers", "GET", f"/papers/{urllib.parse.quote(rng.choice(records).id)}", None
        if pick < 0.87:
            return "POST /recommend", "POST", "/recommend", {"like": [x.id for x in rng.sample(titled, 2)], "k": 5}
        if pick < 0.90:
            return "GET /dupes", "GET", "/dupes", None
        return "GET /health", "GET", "/health", None
    return draw


def ask(port: int, method: str, path: str) -> tuple[int, dict, bytes]:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=TIMEOUT)
    try:
        connection.request(method, path)
        answer = connection.getresponse()
        return answer.status, dict(answer.headers), answer.read()
    finally:
        connection.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--clients", type=int, default=32)
    parser.add_argument("--seconds", type=float, default=60.0)
    parser.add_argument("--warmup", type=float, default=5.0, help="seconds of load before the clock starts")
    parser.add_argument("--slow", type=int, default=8, help="connections sending headers a byte a second")
    parser.add_argument("--model", type=Path, default=None)
    parser.add_argument("--no-write", action="store_true")
    args = parser.parse_args()

    import paperlike

    model = args.model
    if model is None:
        model = scratch() / "serve-load-arxiv"
        if not (model / "manifest.json").exists():
            print(f"building {model} from {CORPUS} ...", flush=True)
            subprocess.run([sys.executable, "-m", "paperlike", "index", str(CORPUS), "--model", str(model)], check=True)
    index = paperlike.load_index(model)
    draw = requests_of(index)

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    load_start = load_average()
    server = subprocess.Popen([sys.executable, "-m", "paperlike", "serve", "--model", str(model), "--port", str(port)],
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        while True:
            if server.poll() is not None:
                raise SystemExit("paperlike serve ended")
            try:
                if ask(port, "GET", "/health")[0] == 200:
                    break
            except OSError:
                time.sleep(0.2)
        rss_idle = rss(server.pid)
        start = time.monotonic()
        while True:  # the first /dupes: computed once, in the background
            status, headers, _ = ask(port, "GET", "/dupes")
            if status == 200:
                break
            time.sleep(float(headers.get("retry-after", 1)))
        first_dupes = time.monotonic() - start

        stop, measuring = threading.Event(), threading.Event()
        times: dict[str, list[float]] = {}
        errors: dict[str, dict[str, int]] = {}  # endpoint -> kind (status or exception) -> count
        examples: dict[str, str] = {}  # kind -> the first of its kind
        lock = threading.Lock()

        def client(seed: int) -> None:
            rng = random.Random(seed)
            connection = http.client.HTTPConnection("127.0.0.1", port, timeout=TIMEOUT)
            while not stop.is_set():
                name, method, path, body = draw(rng)
                began = time.monotonic()
                try:
                    connection.request(method, path, body=None if body is None else json.dumps(body),
                                       headers={"Content-Type": "application/json"})
                    answer = connection.getresponse()
                    data = answer.read()
                    kind = None if answer.status == 200 else str(answer.status)
                    failure = f"{name} {path[:80]}: {answer.status} {data[:200]!r}"
                except (OSError, http.client.HTTPException) as exc:
                    kind, failure = type(exc).__name__, f"{name}: {type(exc).__name__}: {exc}"
                    connection.close()
                if measuring.is_set() and not stop.is_set():
                    with lock:
                        times.setdefault(name, []).append(time.monotonic() - began)
                        if kind:
                            errors.setdefault(name, {})[kind] = errors.setdefault(name, {}).get(kind, 0) + 1
                            examples.setdefault(f"{name} {kind}", failure)
            connection.close()

        drops: list[float] = []

        def slow_client() -> None:
            request = b"GET /health HTTP/1.1\r\nHost: slow\r\nUser-Agent: a byte a second\r\n\r\n"
            while not stop.is_set():
                began = time.monotonic()
                dropped = False
                with socket.create_connection(("127.0.0.1", port), timeout=TIMEOUT) as sock:
                    for i in range(len(request)):
                        if stop.is_set():
                            return
                        try:
                            sock.send(request[i:i + 1])
                        except OSError:
                            dropped = True
                            break
                        if select.select([sock], [], [], 1.0)[0]:
                            try:
                                dropped = sock.recv(1024) == b""
                            except OSError:
                                dropped = True
                            break
                with lock:
                    if dropped:
                        drops.append(time.monotonic() - began)
                    elif not stop.is_set():
                        examples.setdefault("slow", "a slow client was answered or kept, not dropped")

        threads = [threading.Thread(target=client, args=(n,), daemon=True) for n in range(args.clients)]
        threads += [threading.Thread(target=slow_client, daemon=True) for _ in range(args.slow)]
        for thread in threads:
            thread.start()
        time.sleep(args.warmup)
        rss_start, cpu_start = rss(server.pid), cpu_seconds(server.pid)
        measuring.set()
        began = time.monotonic()
        time.sleep(args.seconds)
        stop.set()
        elapsed = time.monotonic() - began
        rss_end, cpu_end = rss(server.pid), cpu_seconds(server.pid)
        for thread in threads:
            thread.join(TIMEOUT)
    finally:
        server.terminate()
        server.wait(TIMEOUT)
    load_end = load_average()

    total = sum(len(t) for t in times.values())
    rows = []
    for name, seconds in sorted(times.items()):
        seconds.sort()
        p99 = seconds[min(len(seconds) - 1, int(0.99 * len(seconds)))]
        kinds = errors.get(name, {})
        shown = str(sum(kinds.values())) + (f" ({', '.join(f'{n} × {k}' for k, n in sorted(kinds.items()))})" if kinds else "")
        rows.append(f"| `{name}` | {len(seconds)} | {shown} | {1000 * statistics.median(seconds):.1f} | "
                    f"{1000 * p99:.1f} | {1000 * seconds[-1]:.0f} |")
    drops.sort()
    report = f"""\
## The service under load (`serve_load.py`)

{machine()}. `python benchmarks/serve_load.py --clients {args.clients} --seconds {args.seconds:g} --warmup {args.warmup:g} --slow {args.slow}`
on {model.name} ({len(index.records_)} records, {index.n_papers} papers): {args.clients} clients with kept-alive
connections for {elapsed:.0f} s after {args.warmup:g} s of warm-up, on 127.0.0.1; the server with its default limits.
Load average {load_start:.1f} at the start, {load_end:.1f} at the end.

**{total} requests ({total / elapsed:.0f}/s), {sum(sum(k.values()) for k in errors.values())} errors.**

| endpoint | requests | errors | p50 ms | p99 ms | max ms |
|---|---|---|---|---|---|
{chr(10).join(rows)}

Server: RSS {rss_idle / 2**20:.0f} MB idle, {rss_start / 2**20:.0f} MB after the warm-up, {rss_end / 2**20:.0f} MB at the end;
{cpu_end - cpu_start:.0f} CPU seconds in the {elapsed:.0f} s. First `/dupes` (computed once, in the background):
{first_dupes:.1f} s. Slow clients ({args.slow}, headers a byte a second): {len(drops)} connections dropped,
after {statistics.median(drops) if drops else float('nan'):.1f} s (median; max {drops[-1] if drops else float('nan'):.1f} s).
"""
    if examples:
        report += "\nThe first error of each kind: " + "; ".join(f"`{e}`" for e in examples.values()) + "\n"
    print(report)
    if not args.no_write:
        write_section("serve-load", report)


if __name__ == "__main__":
    main()
