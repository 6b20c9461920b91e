"""The page's files and endpoints (paperlike.page) over real HTTP: uvicorn on loopback, a copy of
the seed model (lists and decisions are written beside and into it)."""

from __future__ import annotations

import re
import shutil
import urllib.error
import urllib.request
from urllib.parse import quote

import pytest
from conftest import FIXTURES

import paperlike

serve = pytest.importorskip("paperlike.serve")
from test_serve import TIMEOUT, call, serving  # noqa: E402

from paperlike.lists import ReadingLists, lists_path  # noqa: E402


@pytest.fixture
def model(seed_model, tmp_path):
    return shutil.copytree(seed_model, tmp_path / "seeds")


@pytest.fixture
def base(model):
    with serving(model) as url:
        yield url


def fetch(url: str) -> tuple[int, dict, bytes]:
    try:
        with urllib.request.urlopen(url, timeout=TIMEOUT) as answer:
            return answer.status, dict(answer.headers), answer.read()
    except urllib.error.HTTPError as error:
        with error:
            return error.code, dict(error.headers), error.read()


def test_the_page_and_its_files_load_from_this_server_only(base):
    status, headers, body = fetch(base + "/")
    page = body.decode()
    assert status == 200 and headers["content-type"].startswith("text/html")
    assert "default-src 'none'" in headers["content-security-policy"]
    assert "connect-src 'self'" in headers["content-security-policy"]
    assert re.findall(r'(?:src|href)="([^"#]+)"', page) == ["/static/style.css", "/static/app.js"]
    for name, media in [("app.js", "text/javascript"), ("style.css", "text/css")]:
        status, headers, body = fetch(f"{base}/static/{name}")
        assert status == 200 and headers["content-type"].startswith(media) and len(body) > 1000
        assert b"@import" not in body and b"url(http" not in body
    for wrong in ["/static/nope.js", "/static/..%2Fserve.py", "/static/%2E%2E/page.py"]:
        status, _, body = fetch(base + wrong)
        assert status == 404 and b'"error"' in body
    assert "/lists" in call(base, "GET", "/openapi.json")[1]["paths"]


def test_a_list_built_by_http_and_its_errors(base, seed_index):
    first, second = seed_index.records_[0].id, seed_index.records_[5].id
    assert call(base, "GET", "/lists") == (200, [])
    status, made = call(base, "POST", "/lists", {"name": "to read"})
    assert status == 201 and made["items"] == []
    assert call(base, "POST", "/lists", {"name": "to read"})[0] == 400
    status, got = call(base, "POST", "/lists/to%20read/papers", {"id": first})
    assert status == 200 and got["items"][0]["role"] == "like"
    assert got["items"][0]["title"] == seed_index.records_[0].label  # the model's, none being given
    status, got = call(base, "POST", "/lists/to%20read/papers", {"id": second, "role": "not"})
    assert [i["role"] for i in got["items"]] == ["like", "not"]
    assert call(base, "GET", "/lists") == (200, [{"name": "to read", "created": made["created"], "like": 1, "not": 1}])

    status, error = call(base, "POST", "/lists/to%20read/papers", {"id": "2501.99999"})
    assert status == 404 and error["error"] == "no record with id '2501.99999' in this model"
    status, error = call(base, "POST", "/lists/to%20read/papers", {"id": first, "role": "maybe"})
    assert status == 422 and "role" in error["error"]
    status, error = call(base, "POST", "/lists/nope/papers", {"id": first})
    assert status == 404 and error["error"] == "there is no list named 'nope'"
    status, error = call(base, "POST", "/lists", {"name": "a\tb"})
    assert status == 400 and "control character" in error["error"]

    status, got = call(base, "DELETE", f"/lists/to%20read/papers/{quote(second)}")
    assert status == 200 and [i["id"] for i in got["items"]] == [first]
    assert call(base, "DELETE", f"/lists/to%20read/papers/{quote(second)}")[0] == 404
    req = urllib.request.Request(base + "/lists/to%20read", method="DELETE")
    with urllib.request.urlopen(req, timeout=TIMEOUT) as answer:
        assert answer.status == 204
    assert call(base, "GET", "/lists/to%20read")[0] == 404


def test_export_merges_each_papers_versions_and_reads_back(base, model, seed_index, tmp_path):
    # A paper of several records: its entry is their merge, with every id among merged_ids.
    paper = next(p for p in range(seed_index.n_papers) if len(seed_index.records_of_paper(p)) > 1)
    ids = [seed_index.records_[r].id for r in seed_index.records_of_paper(paper)]
    call(base, "POST", "/lists", {"name": "Mine: 2026"})
    call(base, "POST", f"/lists/{quote('Mine: 2026')}/papers", {"id": ids[-1]})
    call(base, "POST", f"/lists/{quote('Mine: 2026')}/papers", {"id": seed_index.records_[0].id, "role": "not"})
    # An id a rebuilt model would no longer hold: exported with the title the list kept.
    ReadingLists(lists_path(model)).add("Mine: 2026", "gone-0001", "like", title="A paper gone from the model")

    status, headers, body = fetch(f"{base}/lists/{quote('Mine: 2026')}/export?format=bibtex")
    assert status == 200 and headers["content-type"].startswith("application/x-bibtex")
    assert headers["content-disposition"] == 'attachment; filename="Mine--2026.bib"'
    path = tmp_path / "out.bib"
    path.write_bytes(body)
    records = paperlike.read_records([path]).records
    assert len(records) == 2  # the liked ones
    assert "A paper gone from the model" in {r.title for r in records}
    assert f"paperlike-ids = {{{'; '.join(ids)}}}" in body.decode()

    status, headers, body = fetch(f"{base}/lists/{quote('Mine: 2026')}/export?format=ris&role=all")
    path = tmp_path / "out.ris"
    path.write_bytes(body)
    assert status == 200 and len(paperlike.read_records([path]).records) == 3
    assert fetch(f"{base}/lists/{quote('Mine: 2026')}/export?format=csv")[0] == 422
    assert fetch(f"{base}/lists/nope/export")[0] == 404


def test_lists_outlive_a_decision_that_rewrites_the_model(base, model, seed_index):
    call(base, "POST", "/lists", {"name": "kept"})
    call(base, "POST", "/lists/kept/papers", {"id": seed_index.records_[0].id})
    a, b = seed_index.records_[1].id, seed_index.records_[2].id
    assert call(base, "POST", "/decide", {"verdict": "different", "ids": [a, b]})[0] == 200
    status, got = call(base, "GET", "/lists/kept")
    assert status == 200 and [i["id"] for i in got["items"]] == [seed_index.records_[0].id]


def test_review_is_the_queue_of_dupes_maybe_alone(tmp_path, seed_corpus):
    records = [*seed_corpus.records, *paperlike.read_records([FIXTURES / "review_pair.jsonl"]).records]
    model = paperlike.save_index(paperlike.build_index(records), tmp_path / "pair")
    with serving(model) as url:
        status, queue = call(url, "GET", "/review")
        assert status == 200 and len(queue) == 1
        assert queue == call(url, "GET", "/dupes?maybe=true")[1]["maybe"]
        a, b = queue[0]["a"], queue[0]["b"]
        assert call(url, "POST", "/decide", {"verdict": "different", "ids": [a, b]})[0] == 200
        assert call(url, "GET", "/review") == (200, [])


def test_graph_gives_nodes_edges_and_where_to_draw_them(base):
    status, graph = call(base, "GET", "/graph?q=FastCorrect+2&k=4")
    assert status == 200
    assert [n["rank"] for n in graph["nodes"]] == [0, 1, 2, 3, 4]
    assert graph["nodes"][0]["title"].startswith("FastCorrect 2")
    assert len(graph["places"]) == len(graph["nodes"])
    for place in graph["places"]:
        assert 0 <= place["x"] <= graph["width"] and 0 <= place["y"] <= graph["height"] and place["lines"]
    assert graph["places"][0]["x"] == graph["width"] / 2
    assert call(base, "GET", "/graph?q=FastCorrect+2&k=51")[0] == 422
    status, error = call(base, "GET", "/graph?q=2501.99999&kind=id")
    assert status == 404 and "2501.99999" in error["error"]


def test_an_index_never_saved_keeps_no_lists(seed_index):
    app = serve.create_app(seed_index)
    assert app.state.lists is None


def test_no_delay_turns_nagle_off_on_a_create_server_socket():
    """A socket of socket.create_server (as paperlike serve makes it) has proto 0, so asyncio
    leaves Nagle's algorithm on: the protocol turns it off, else each request of a kept-alive
    connection (a browser's) waits for a delayed ACK."""
    import asyncio
    import socket

    async def accepted() -> tuple[int, int]:
        loop = asyncio.get_running_loop()
        listener = socket.create_server(("127.0.0.1", 0))
        seen: list[int] = []

        class Probe(asyncio.Protocol):
            def connection_made(self, transport):
                sock = transport.get_extra_info("socket")
                seen.append(sock.getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY))
                serve._no_delay(transport)
                seen.append(sock.getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY))

        server = await loop.create_server(Probe, sock=listener)
        _, writer = await asyncio.open_connection(*listener.getsockname()[:2])
        for _ in range(100):
            if len(seen) == 2:
                break
            await asyncio.sleep(0.01)
        writer.close()
        server.close()
        return tuple(seen)

    before, after = asyncio.run(accepted())
    assert (before, after) == (0, 1)


def test_paperlike_serves_its_connections_without_nagle(seed_index):
    import http.client
    import socket
    import threading
    import time

    import uvicorn

    server = uvicorn.Server(serve.config(serve.create_app(seed_index), log_level="warning", lifespan="off"))
    listener = socket.socket()  # proto 0, as socket.create_server's
    listener.bind(("127.0.0.1", 0))
    thread = threading.Thread(target=server.run, kwargs={"sockets": [listener]}, daemon=True)
    thread.start()
    try:
        deadline = time.monotonic() + TIMEOUT
        while not server.started and time.monotonic() < deadline:
            time.sleep(0.02)
        client = http.client.HTTPConnection(*listener.getsockname()[:2], timeout=TIMEOUT)
        client.request("GET", "/health")
        assert client.getresponse().read()
        [protocol] = server.server_state.connections
        sock = protocol.transport.get_extra_info("socket")
        assert sock.getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY) == 1
        client.close()
    finally:
        server.should_exit = True
        thread.join(TIMEOUT)
        listener.close()


def test_a_lists_feed_looks_back_a_week_and_never_moves_the_feed(base, model, seed_index):
    first, second = seed_index.records_[0].id, seed_index.records_[5].id
    call(base, "POST", "/lists", {"name": "to read"})
    call(base, "POST", "/lists/to%20read/papers", {"id": first})
    call(base, "POST", "/lists/to%20read/papers", {"id": second, "role": "not"})
    # the model was built just now: in the last week, all its papers are new
    status, got = call(base, "GET", "/lists/to%20read/feed?k=5")
    assert status == 200, got
    assert got["new_papers"] == seed_index.n_papers and len(got["results"]) == 5
    assert set(got["added"]) == {r["id"] for r in got["results"]}
    same = paperlike.recommend(seed_index, [first], not_=[second], k=5)
    assert [r["id"] for r in got["results"]] == [r.id for r in same.results]
    assert {(i["role"], i["given"]) for i in got["inputs"]} >= {("like", first), ("not", second)}
    # a later since: nothing new, said why; the state beside the model is never written
    status, got = call(base, "GET", "/lists/to%20read/feed?since=2999-01-01")
    assert status == 200 and got["results"] == [] and got["new_papers"] == 0 and got["empty"]
    assert not (model.parent / "seeds.feed.json").exists()


def test_a_lists_feed_errors(base, seed_index):
    call(base, "POST", "/lists", {"name": "to read"})
    status, error = call(base, "GET", "/lists/to%20read/feed")
    assert status == 400 and "likes no paper" in error["error"]
    status, error = call(base, "GET", "/lists/nope/feed")
    assert status == 404 and error["error"] == "there is no reading list named 'nope'; the lists are: 'to read'"
    call(base, "POST", "/lists/to%20read/papers", {"id": seed_index.records_[0].id})
    status, error = call(base, "GET", "/lists/to%20read/feed?since=yesterday")
    assert status == 400 and "since" in error["error"] and set(error) == {"error", "detail"}
    assert call(base, "GET", "/lists/to%20read/feed?k=0")[0] == 422
