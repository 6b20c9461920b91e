"""The page in a real browser: Debian's Chromium, driven by playwright, over the real
``paperlike serve`` (uvicorn, a process of its own) on loopback, on a model of the seeds with
one pair left for a person to decide.

Playwright's own browsers are never downloaded: it launches the system's chromium
(``executable_path``). Without a chromium binary, or without playwright, these tests are skipped.
"""

from __future__ import annotations

import datetime
import json
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest
from conftest import FIXTURES

import paperlike

sync_api = pytest.importorskip("playwright.sync_api", reason="playwright is not installed (pip install playwright)")
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
pytestmark = pytest.mark.skipif(CHROMIUM is None, reason="no chromium binary (apt-get install chromium)")

TIMEOUT = 15_000  # ms, for each wait in the page

# Three records of one paper by the same authors, two DOIs (A, C) and one without (B): B joins one
# of them, and the other pair waits in the review queue.
REVIEW_PAIR = FIXTURES / "review_pair.jsonl"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def start_server(model: Path, port: int) -> subprocess.Popen:
    """``paperlike serve`` in a process of its own, once it answers /health."""
    server = subprocess.Popen([sys.executable, "-m", "paperlike", "serve", "--model", str(model), "--port", str(port)],
                              stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise AssertionError(f"paperlike serve stopped: {server.stderr.read().decode()[-2000:]}")
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/health", timeout=1):
                return server
        except OSError:
            time.sleep(0.1)
    server.kill()
    raise AssertionError("paperlike serve did not answer within 60 s")


def stop_server(server: subprocess.Popen) -> None:
    server.terminate()
    try:
        server.wait(10)
    except subprocess.TimeoutExpired:
        server.kill()
        server.wait(10)


@pytest.fixture(scope="module")
def model(tmp_path_factory, seed_corpus) -> Path:
    """A fresh model of the seeds and the review records (the review test writes decisions)."""
    model = tmp_path_factory.mktemp("page") / "seeds"
    records = [*seed_corpus.records, *paperlike.read_records([REVIEW_PAIR]).records]
    return paperlike.save_index(paperlike.build_index(records), model)


@pytest.fixture(scope="module")
def site(model):
    """The URL of ``paperlike serve`` on the model."""
    port = free_port()
    server = start_server(model, port)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        stop_server(server)


@pytest.fixture(scope="module")
def browser():
    with sync_api.sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
        try:
            yield chromium
        finally:
            chromium.close()


@pytest.fixture
def page(browser, site):
    context = browser.new_context(base_url=site, accept_downloads=True, viewport={"width": 1100, "height": 900})
    page = context.new_page()
    page.set_default_timeout(TIMEOUT)
    outside: list[str] = []
    page.on("request", lambda r: None if r.url.startswith(site) else outside.append(r.url))
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    yield page
    context.close()
    assert not outside, f"the page fetched from elsewhere: {outside}"
    assert not errors, f"the page's script failed: {errors}"


def search(page, query: str) -> None:
    page.goto("/")
    page.get_by_label("A paper's id, title, arXiv or DOI link, or any text").fill(query)
    page.keyboard.press("Enter")  # Enter searches
    page.locator("#search-results li.result").first.wait_for()


def test_search_shows_results_with_why_and_opens_one(page):
    search(page, "FastCorrect 2")
    results = page.locator("#search-results li.result")
    assert results.count() == 10
    first = results.first
    assert first.locator("h3 a").inner_text().startswith("Mask the Correct Tokens")
    assert "Why: shares" in first.locator(".terms").inner_text()
    assert first.get_by_role("button", name="Not interested").is_visible()
    assert first.get_by_role("link", name="Papers like").is_visible()

    first.locator("h3 a").click()
    page.locator("#paper h1").wait_for()
    assert page.locator("#paper h1").inner_text().startswith("Mask the Correct Tokens")
    assert "Authors" in page.locator("#paper dl").inner_text()
    page.locator("#paper-similar li.result").first.wait_for()
    assert page.locator("#view-search").is_hidden()


def test_an_error_of_the_api_is_shown(page):
    search(page, "FastCorrect 2")
    page.locator("#since").fill("2025-13")
    page.locator("#q").press("Enter")
    alert = page.get_by_role("alert")
    alert.wait_for()
    assert "month" in alert.inner_text() or "calendar date" in alert.inner_text() or "date" in alert.inner_text()


def test_like_a_result_then_recommendations_from_the_list_and_export(page, tmp_path):
    search(page, "FastCorrect 2")
    results = page.locator("#search-results li.result")
    liked = [results.nth(i).locator("h3 a").inner_text() for i in (0, 1)]
    results.nth(0).get_by_role("button", name="Like").click()
    page.get_by_role("status").filter(has_text="Added").wait_for()
    results.nth(1).get_by_role("button", name="Like").click()
    page.get_by_role("status").filter(has_text=liked[1][:20]).wait_for()
    results.nth(2).get_by_role("button", name="Not interested").click()
    page.get_by_role("status").filter(has_text="not interested").wait_for()
    name = page.locator("#current-list").input_value()
    assert name == "Reading list"

    page.get_by_role("link", name="Reading lists").click()
    page.get_by_role("link", name="Reading list · 2 liked, 1 not").click()
    rows = page.locator("#list-detail tbody tr")
    rows.first.wait_for()
    assert rows.count() == 3
    page.locator("#recommendations li.result").first.wait_for()
    recommended = page.locator("#recommendations li.result h3 a").all_inner_texts()
    assert recommended and not set(recommended) & set(liked)

    with page.expect_download() as download:
        page.get_by_role("link", name="Export BibTeX").click()
    saved = tmp_path / "list.bib"
    download.value.save_as(saved)
    exported = paperlike.read_records([saved]).records
    assert sorted(r.title for r in exported) == sorted(liked)

    with page.expect_download() as download:
        page.get_by_role("link", name="Export RIS").click()
    saved = tmp_path / "list.ris"
    download.value.save_as(saved)
    assert len(paperlike.read_records([saved]).records) == 2


def test_mark_a_duplicate_pair(page, site, model):
    with urllib.request.urlopen(f"{site}/dupes?maybe=true", timeout=10) as answer:
        [queued] = json.loads(answer.read())["maybe"]
    page.goto("/#/review")
    pair = page.locator("#review-pairs li.pair")
    pair.first.wait_for()
    assert pair.count() == 1
    assert queued["a"] in pair.first.inner_text() and queued["b"] in pair.first.inner_text()
    facts = pair.first.locator(".side p.meta").filter(has_text="Osteoporos Int")
    facts.nth(1).wait_for()  # each side's authors, date, venue: what a person compares
    assert "J. Smith, K. Jones · 2010" in facts.first.inner_text()
    assert pair.first.get_by_role("button", name="Same paper").is_visible()
    pair.first.get_by_role("button", name="Different papers").click()
    page.get_by_text("Nothing to review").wait_for()
    assert "are different papers" in page.get_by_role("status").inner_text()
    with urllib.request.urlopen(f"{site}/dupes?maybe=true", timeout=10) as answer:
        assert json.loads(answer.read())["maybe"] == []  # kept with the model
    decisions = paperlike.store.read_decisions(model)
    assert [(d.a, d.b, d.verdict) for d in decisions] == [(queued["a"], queued["b"], "different")]


def test_graph_is_drawn_and_its_nodes_open_papers(page):
    page.goto("/#/graph")
    page.get_by_label("Paper id, title or text").fill("FastCorrect 2")
    page.get_by_role("button", name="Draw").click()
    page.locator("#graph svg a.node").first.wait_for()
    assert page.locator("#graph svg circle").count() >= 11  # the query and ten neighbours
    assert page.locator("#graph svg line").count() >= 10
    page.locator("#graph ol a").first.click()
    page.locator("#paper h1").wait_for()


def test_keyboard_only_and_a_narrow_window(page):
    page.set_viewport_size({"width": 380, "height": 800})
    page.goto("/")
    page.keyboard.press("Tab")  # the skip link first
    assert page.evaluate("document.activeElement.textContent") == "Skip to content"
    page.locator("#q").focus()
    page.keyboard.type("FastCorrect 2")
    page.keyboard.press("Enter")
    page.locator("#search-results li.result").first.wait_for()
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 380, f"the page is wider than a narrow window: {width} px"
    buttons = page.locator("button")
    for i in range(buttons.count()):
        button = buttons.nth(i)
        assert button.get_attribute("type") in ("button", "submit")


def post(url: str, body: dict) -> dict:
    request = urllib.request.Request(url, data=json.dumps(body).encode(), method="POST",
                                     headers={"content-type": "application/json"})
    with urllib.request.urlopen(request, timeout=10) as answer:
        return json.loads(answer.read())


def test_a_lists_feed_shows_the_new_papers_like_it(page, site, seed_corpus):
    # After the other tests (their list is the first one, the one the Like buttons add to).
    post(f"{site}/lists", {"name": "Feed of mine"})
    post(f"{site}/lists/Feed%20of%20mine/papers", {"id": seed_corpus.records[0].id})
    page.goto("/#/lists/Feed%20of%20mine")
    results = page.locator("#list-feed li.result")
    results.first.wait_for()
    since = page.locator("#feed-since").input_value()
    week_ago = (datetime.datetime.now(datetime.timezone.utc) - datetime.timedelta(days=7)).date().isoformat()
    assert since == week_ago  # the model was built just now: all its papers are new this week
    with urllib.request.urlopen(f"{site}/lists/Feed%20of%20mine/feed?since={since}&k=10", timeout=10) as answer:
        expected = json.loads(answer.read())
    assert [results.nth(i).get_attribute("data-id") for i in range(results.count())] == \
        [r["id"] for r in expected["results"]]
    assert f"{expected['new_papers']} papers added since {since}" in page.locator("#list-feed").inner_text()
    assert "Why: shares" in results.first.locator(".terms").inner_text()
    # by keyboard: a later date, Enter
    page.locator("#feed-since").fill("2999-01-01")
    page.locator("#feed-since").press("Enter")
    page.locator("#list-feed").filter(has_text="0 papers added since 2999-01-01").wait_for()
    assert results.count() == 0
