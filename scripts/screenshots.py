"""Screenshots of the page (``paperlike serve`` at ``/``) for docs/service.md: docs/page-*.png.

    python scripts/screenshots.py [--model PATH] [--out docs]

Without ``--model``, a model of the bundled seeds and tests/fixtures/review_pair.jsonl (a pair
for the review page) is built in a temporary folder. The page is served by the real
``paperlike serve`` on a free loopback port and driven by playwright in the system's Chromium
(never a downloaded browser): a search, two papers liked and one not, the list with its
recommendations, the review queue, the graph, and the search on a phone-sized window. Each
PNG is reduced to a 256-colour palette (Pillow), to keep it small.
"""

from __future__ import annotations

import argparse
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

import paperlike

ROOT = Path(__file__).resolve().parent.parent
REVIEW_PAIR = ROOT / "tests" / "fixtures" / "review_pair.jsonl"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def serve(model: Path, port: int) -> subprocess.Popen:
    server = subprocess.Popen([sys.executable, "-m", "paperlike", "serve", "--model", str(model), "--port", str(port)],
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise SystemExit(f"paperlike serve stopped (exit {server.returncode})")
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/health", timeout=1):
                return server
        except OSError:
            time.sleep(0.2)
    server.kill()
    raise SystemExit("paperlike serve did not answer within 120 s")


def small_png(path: Path) -> None:
    try:
        from PIL import Image
    except ImportError:
        return
    with Image.open(path) as image:
        reduced = image.convert("RGB").quantize(colors=256, method=Image.Quantize.MEDIANCUT, dither=Image.Dither.NONE)
    reduced.save(path, optimize=True)


def shoot(base: str, out: Path, chromium: str, query: str) -> list[Path]:
    from playwright.sync_api import sync_playwright

    shots = []
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=chromium, args=["--no-sandbox"])
        page = browser.new_page(viewport={"width": 1000, "height": 860}, base_url=base)
        page.set_default_timeout(120_000)

        def save(name: str, full: bool = False) -> None:
            path = out / f"page-{name}.png"
            page.screenshot(path=path, full_page=full)
            small_png(path)
            shots.append(path)

        page.goto("/")
        page.locator("#q").fill(query)
        page.keyboard.press("Enter")
        results = page.locator("#search-results li.result")
        results.first.wait_for()
        for i, role in [(0, "Like"), (1, "Like"), (3, "Not interested")]:
            results.nth(i).get_by_role("button", name=role).click()
            page.locator("#status:not(:empty)").wait_for()
            page.evaluate("document.querySelector('#status').textContent = ''")
        page.evaluate("window.scrollTo(0, 0)")
        save("search")

        page.goto("/#/lists/" + urllib.request.quote(page.locator("#current-list").input_value()))
        page.locator("#recommendations li.result").first.wait_for()
        page.evaluate("document.querySelector('#status').textContent = ''")
        save("list")

        page.goto("/#/review")
        page.locator("#review-pairs li.pair").first.wait_for()
        page.locator("#review-pairs li.pair").first.locator(".side p.meta").nth(3).wait_for()  # both records' facts
        save("review")

        page.goto("/#/graph?q=" + urllib.request.quote(query))
        page.locator("#graph svg a.node").first.wait_for()
        page.evaluate("document.querySelector('#status').textContent = ''")
        save("graph")

        page.set_viewport_size({"width": 390, "height": 760})
        page.goto("/#/search?q=" + urllib.request.quote(query))
        results.first.wait_for()
        save("narrow")
        browser.close()
    return shots


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", type=Path, help="a saved model (default: the seeds and a review pair)")
    parser.add_argument("--query", default="FastCorrect 2", help="what to search for and draw")
    parser.add_argument("--out", type=Path, default=ROOT / "docs")
    args = parser.parse_args()
    chromium = shutil.which("chromium") or shutil.which("chromium-browser")
    if chromium is None:
        raise SystemExit("no chromium binary: apt-get install chromium")
    with tempfile.TemporaryDirectory() as scratch:
        model = args.model
        if model is None:  # a copy: the lists and the review leave nothing in a model of yours
            records = [*paperlike.read_records(paperlike.seed_paths()).records,
                       *paperlike.read_records([REVIEW_PAIR]).records]
            model = paperlike.save_index(paperlike.build_index(records), Path(scratch) / "seeds")
        port = free_port()
        server = serve(model, port)
        try:
            args.out.mkdir(parents=True, exist_ok=True)
            for path in shoot(f"http://127.0.0.1:{port}", args.out, chromium, args.query):
                print(f"{path} ({path.stat().st_size // 1024} KiB)")
        finally:
            server.terminate()
            server.wait(10)


if __name__ == "__main__":
    main()
