"""A bounded load test of the real service: ``paperlike serve`` in its own process on
127.0.0.1, 16 client threads for 9 s of mixed requests (/similar GET and POST, /check,
/papers, /recommend, /dupes, /health). No request may fail, and the server's memory must stay
flat. The longer run is ``benchmarks/serve_load.py`` (32 clients, 60 s, on the arXiv crawl).
"""

from __future__ import annotations

import http.client
import json
import random
import socket
import statistics
import subprocess
import sys
import threading
import time
import urllib.parse
from pathlib import Path

import pytest

pytest.importorskip("uvicorn")

CLIENTS = 16
WARMUP = 1.5  # seconds of load before the memory taken as the start
SECONDS = 7.5  # seconds of load after it
TIMEOUT = 10  # seconds, for any one request and for the server to start or stop
RSS_MARGIN = 32 * 2**20  # bytes the server may grow by between the start and the end


def rss(pid: int) -> int:
    """The resident memory of process pid, in bytes (Linux)."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) * 1024
    raise AssertionError("no VmRSS")


def requests_of(index):
    """The mix of requests: (name, method, path, body), drawn from the model's own records."""
    records = list(index.records_)
    titled = [r for r in records if r.title]

    def one(rng: random.Random):
        r = rng.choice(titled)
        words = r.title.split()
        pick = rng.random()
        if pick < 0.3:  # four words at least, so that some are in the vocabulary
            query = rng.choice([r.id, r.title, " ".join(words[: max(4, len(words) // 2)])])
            return "GET /similar", "GET", f"/similar?q={urllib.parse.quote(query)}&k={rng.choice([3, 10])}", None
        if pick < 0.5:
            return "POST /similar", "POST", "/similar", {"query": (r.abstract or r.title)[:2000], "kind": "text", "k": 5}
        if pick < 0.65:
            batch = [{"title": x.title, "abstract": x.abstract, "authors": x.authors}
                     for x in rng.sample(titled, rng.randint(1, 3))]
            return "POST /check", "POST", "/check", batch
        if pick < 0.8:
            return "GET /papers", "GET", f"/papers/{urllib.parse.quote(rng.choice(records).id)}", None
        if pick < 0.87:
            return "POST /recommend", "POST", "/recommend", {"like": [x.id for x in rng.sample(titled, 2)], "k": 5}
        if pick < 0.9:
            return "GET /dupes", "GET", "/dupes", None
        return "GET /health", "GET", "/health", None
    return one


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads the server's memory from /proc")
def test_sixteen_clients_for_nine_seconds_no_error_and_flat_memory(seed_model, seed_index):
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    server = subprocess.Popen([sys.executable, "-m", "paperlike", "serve", "--model", str(seed_model),
                               "--port", str(port)], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        deadline = time.monotonic() + 3 * TIMEOUT
        while True:
            assert server.poll() is None, server.stderr.read().decode()
            try:
                with socket.create_connection(("127.0.0.1", port), timeout=1):
                    break
            except OSError:
                assert time.monotonic() < deadline, "paperlike serve did not start"
                time.sleep(0.1)
        rss_idle = rss(server.pid)
        draw = requests_of(seed_index)
        stop = threading.Event()
        times: dict[str, list[float]] = {}
        failures: list[str] = []
        lock = threading.Lock()

        def client(seed: int) -> None:
            rng = random.Random(seed)
            connection = http.client.HTTPConnection("127.0.0.1", port, timeout=TIMEOUT)
            try:
                while not stop.is_set():
                    name, method, path, body = draw(rng)
                    start = time.monotonic()
                    try:
                        connection.request(method, path, body=None if body is None else json.dumps(body),
                                           headers={"Content-Type": "application/json"})
                        answer = connection.getresponse()
                        data = answer.read()
                        ok = answer.status == 200 and json.loads(data) is not None
                        failure = None if ok else f"{name}: {answer.status} {data[:200]!r}"
                    except (OSError, http.client.HTTPException, ValueError) as exc:
                        failure = f"{name}: {type(exc).__name__}: {exc}"
                        connection.close()  # and reconnect
                    with lock:
                        times.setdefault(name, []).append(time.monotonic() - start)
                        if failure:
                            failures.append(failure)
            finally:
                connection.close()

        threads = [threading.Thread(target=client, args=(seed,), daemon=True) for seed in range(CLIENTS)]
        for thread in threads:
            thread.start()
        time.sleep(WARMUP)
        rss_start = rss(server.pid)
        time.sleep(SECONDS)
        rss_end = rss(server.pid)
        stop.set()
        for thread in threads:
            thread.join(TIMEOUT)
        assert not any(thread.is_alive() for thread in threads), "a client did not stop"
    finally:
        server.terminate()
        try:
            server.wait(TIMEOUT)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait(TIMEOUT)
        server.stderr.close()

    total = sum(len(t) for t in times.values())
    lines = [f"{total} requests by {CLIENTS} clients in {WARMUP + SECONDS:.0f} s, {len(failures)} failed; "
             f"server RSS idle {rss_idle / 2**20:.0f} MB, after warm-up {rss_start / 2**20:.0f} MB, "
             f"end {rss_end / 2**20:.0f} MB"]
    for name, seconds in sorted(times.items()):
        seconds.sort()
        p99 = seconds[min(len(seconds) - 1, int(0.99 * len(seconds)))]
        lines.append(f"  {name:16} {len(seconds):6} requests  p50 {1000 * statistics.median(seconds):6.1f} ms"
                     f"  p99 {1000 * p99:6.1f} ms")
    print("\n" + "\n".join(lines))
    assert not failures, failures[:5]
    assert {"GET /similar", "POST /similar", "POST /check", "GET /papers", "GET /health"} <= set(times)
    assert rss_end <= rss_start + RSS_MARGIN, f"the server grew from {rss_start} to {rss_end} bytes"
