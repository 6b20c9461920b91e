"""The picture of a neighbourhood: its data, its page, the command, and a real browser's view."""

from __future__ import annotations

import csv
import io
import json
import os
import re
import shutil
import subprocess
from html.parser import HTMLParser
from importlib import resources

import numpy as np
import pytest
from conftest import GOLDEN
from typer.testing import CliRunner

import paperlike
from paperlike import api
from paperlike.cli import app
from paperlike.csr import sparse
from paperlike.graph import QUERY_NODE, layout, paper_url, render_html

runner = CliRunner()
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")


@pytest.fixture(scope="module")
def fastcorrect(seed_index):
    return api.graph(seed_index, "FastCorrect 2", k=10)


def test_the_query_and_its_k_neighbours_with_their_scores(seed_index, fastcorrect):
    similar = seed_index.similar("FastCorrect 2", k=10)
    query, *neighbours = fastcorrect.nodes
    assert fastcorrect.query == similar.query
    assert (query.id, query.rank, query.score) == (similar.query.id, 0, 1.0)
    assert query.title.startswith("FastCorrect 2:")
    assert [n.id for n in neighbours] == [r.id for r in similar.results]
    assert [n.rank for n in neighbours] == list(range(1, 11))
    assert [n.terms for n in neighbours] == [r.terms for r in similar.results]
    to_query = {e.target: e.weight for e in fastcorrect.edges if e.source == query.id}
    assert to_query == {r.id: r.score for r in similar.results}


def test_edges_between_neighbours_are_their_cosines_above_the_threshold(seed_index, fastcorrect):
    ids = [n.id for n in fastcorrect.nodes[1:]]
    vectors = [sparse(seed_index.vector_of_paper(seed_index.paper_of_record(seed_index.record_by_id(i)))) for i in ids]
    cosine = {(a, b): float((vectors[i] @ vectors[j].T).toarray()[0, 0])
              for i, a in enumerate(ids) for j, b in enumerate(ids) if i < j}
    between = [e for e in fastcorrect.edges if e.source != fastcorrect.nodes[0].id]
    assert between, "the seeds' FastCorrect neighbourhood has alike neighbours"
    for edge in between:  # these papers have one text each: the cosine of their vectors
        assert edge.weight == pytest.approx(cosine[edge.source, edge.target], abs=1e-4)
    expected = {pair for pair, c in cosine.items() if c >= fastcorrect.min_cosine}
    assert {(e.source, e.target) for e in between} == expected
    # Mask the Correct Tokens and SoftCorrect (both error correction) are joined
    assert (ids[0], ids[1]) in expected


def test_versions_are_one_node(seed_index):
    graph = api.graph(seed_index, "FastCorrect 2", k=20)
    ids = [n.id for n in graph.nodes]
    versions = [v for n in graph.nodes for v in n.versions]
    assert len(set(ids + versions)) == len(ids) + len(versions)  # every record once
    encoder_decoder = next(n for n in graph.nodes if n.id == "pl-89d050344f78")
    assert encoder_decoder.versions == ["pl-631a994a9718"]
    assert "pl-631a994a9718" not in ids
    nano = api.graph(seed_index, "Nemotron 3 Nano", k=5)
    assert len(nano.nodes[0].versions) == 4  # the query's own five records: one node
    family = {n.label.split(":")[0] for n in nano.nodes[1:]}
    assert {"Nemotron 3 Super", "NVIDIA Nemotron 3"} <= family
    edge_ids = {e.source for e in nano.edges} | {e.target for e in nano.edges}
    assert edge_ids <= {n.id for n in nano.nodes}


def test_a_free_text_query_is_a_node_of_its_own(seed_index):
    graph = api.graph(seed_index, "speaker diarization", k=3)
    assert graph.query.kind == "text"
    assert graph.nodes[0].id == QUERY_NODE and graph.nodes[0].label == "speaker diarization"
    assert sum(e.source == QUERY_NODE for e in graph.edges) == 3


def test_links_to_arxiv_and_doi_pages():
    assert paper_url([paperlike.Record(id="2503.11731")]) == "https://arxiv.org/abs/2503.11731"
    assert paper_url([paperlike.Record(id="pl-1", doi="10.1145/335191.335388"),
                      paperlike.Record(id="2503.11731#2")]) == "https://arxiv.org/abs/2503.11731"
    assert paper_url([paperlike.Record(id="pl-1", doi="10.1145/335191.335388")]) == \
        "https://doi.org/10.1145/335191.335388"
    assert paper_url([paperlike.Record(id="pl-1")]) is None


class _Resources(HTMLParser):
    """Every src/href of the page, by tag, and the inline style sheets."""

    def __init__(self) -> None:
        super().__init__()
        self.refs: list[tuple[str, str, str]] = []
        self.styles: list[str] = []
        self._in_style = False

    def handle_starttag(self, tag, attrs):
        self._in_style = tag == "style"
        self.refs += [(tag, name, value or "") for name, value in attrs if name in ("src", "href", "srcset")]

    def handle_data(self, data):
        if self._in_style:
            self.styles.append(data)
            self._in_style = False


@pytest.fixture(scope="module")
def linked_index():
    """Papers with arXiv ids, a DOI, versions and a hostile title."""
    abstract = "We study error correction for automatic speech recognition with {} and a language model."
    return api.build_index([
        paperlike.Record(id="2101.00001", title="Correcting speech recognition errors", abstract=abstract.format("candidates"),
                        categories=["cs.CL"]),
        paperlike.Record(id="2101.00001#2", title="Correcting speech recognition errors", abstract=abstract.format("candidates"),
                        categories=["cs.CL"], source=paperlike.Source(path="b", line=1)),
        paperlike.Record(id="pl-aaa", doi="10.1000/xyz<1>", title="<script>alert(1)</script> & speech errors",
                        abstract=abstract.format("lattices"), categories=["eess.AS"]),
        paperlike.Record(id="pl-bbb", title="Speech recognition error detection", abstract=abstract.format("tagging")),
    ])


def test_the_page_loads_nothing_from_anywhere(linked_index, fastcorrect):
    for graph in (fastcorrect, api.graph(linked_index, "Correcting speech recognition errors", k=3)):
        page = api.graph_html(graph)
        parser = _Resources()
        parser.feed(page)
        loads = [(tag, name, value) for tag, name, value in parser.refs if tag != "a"]
        assert loads == []  # no <script src>, <link href>, <img src>: everything is inline
        assert all(re.match(r"https://(arxiv\.org/abs|doi\.org)/", value) for _, _, value in parser.refs)
        assert parser.styles and not any("url(" in css or "@import" in css for css in parser.styles)
        assert "@font-face" not in page
        assert page.count("<script") == 2 and '<script type="application/json" id="graph-data">' in page


def test_the_page_shows_links_and_escapes_titles(linked_index):
    graph = api.graph(linked_index, "Correcting speech recognition errors", k=3)
    assert graph.nodes[0].versions == ["2101.00001#2"]
    assert graph.nodes[0].url == "https://arxiv.org/abs/2101.00001"
    page = render_html(graph)
    assert 'href="https://arxiv.org/abs/2101.00001"' in page
    assert "https://doi.org/10.1000/xyz%3C1%3E" in page
    assert "<script>alert" not in page and "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    data = page.split('id="graph-data">', 1)[1].split("</script>", 1)[0]
    assert json.loads(data) == graph.model_dump(mode="json")


def test_the_page_is_the_golden_one(fastcorrect):
    """The page of FastCorrect 2's neighbourhood stays byte for byte as kept in
    tests/golden/graph_fastcorrect.html (after a deliberate change: PAPERLIKE_UPDATE_GOLDEN=1)."""
    path = GOLDEN / "graph_fastcorrect.html"
    page = render_html(fastcorrect)
    if os.environ.get("PAPERLIKE_UPDATE_GOLDEN"):
        path.write_bytes(page.encode("utf-8"))
    assert page == path.read_bytes().decode("utf-8")


def test_the_page_inlines_its_package_files_whole(fastcorrect):
    """The page's frame, style sheet and script are package data (paperlike/templates), read
    with importlib.resources and put in the page whole."""
    page = render_html(fastcorrect)
    templates = resources.files("paperlike") / "templates"
    assert page.startswith("<!DOCTYPE html>") and page.endswith("</html>\n")
    assert f"<style>\n{(templates / 'graph.css').read_text(encoding='utf-8')}</style>" in page
    assert f"<script>\n{(templates / 'graph.js').read_text(encoding='utf-8')}</script>" in page


def test_the_layout_keeps_nodes_apart_and_inside(fastcorrect):
    placed = layout(fastcorrect, 820, 640)
    assert (placed[0].x, placed[0].y) == (410, 320)
    xy = np.array([(p.x, p.y) for p in placed])
    radii = np.array([p.r for p in placed])
    gaps = np.hypot(*(xy[:, None] - xy[None, :]).transpose(2, 0, 1)) - radii[:, None] - radii[None, :]
    assert gaps[~np.eye(len(placed), dtype=bool)].min() > 4
    assert ((xy - radii[:, None] >= 0) & (xy + radii[:, None] <= (820, 640))).all()
    distance = np.hypot(xy[1:, 0] - 410, (xy[1:, 1] - 320) * 820 / 640)
    assert distance[0] < distance[-1]  # the best neighbour nearer the query than the worst
    assert radii[1] > radii[-1]


# -- the command ---------------------------------------------------------------------------------

@pytest.fixture
def model(seed_model, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    return seed_model


def test_graph_command_writes_the_page_and_prints_its_path(model, tmp_path):
    result = runner.invoke(app, ["graph", "FastCorrect 2", "--out", "fc.html", "-k", "5", "--model", str(model)])
    assert result.exit_code == 0, result.output
    assert result.stdout.strip() == "fc.html"
    page = (tmp_path / "fc.html").read_text(encoding="utf-8")
    assert page.startswith("<!DOCTYPE html>") and page.count('class="node"') == 6
    assert [p.name for p in tmp_path.iterdir()] == ["fc.html"]  # no staging file left
    as_json = runner.invoke(app, ["graph", "FastCorrect 2", "-k", "5", "--json", "--model", str(model)])
    assert as_json.exit_code == 0, as_json.output
    graph = paperlike.Graph.model_validate_json(as_json.stdout)
    assert len(graph.nodes) == 6 and graph.nodes[0].title.startswith("FastCorrect 2")


def test_graph_command_filters_diverse_and_formats(model, tmp_path):
    def nodes(*args):
        result = runner.invoke(app, ["graph", "FastCorrect 2", "-k", "5", *args, "--model", str(model)])
        assert result.exit_code == 0, result.output
        return result

    plain = paperlike.Graph.model_validate_json(nodes("--format", "json").stdout).nodes
    sound = paperlike.Graph.model_validate_json(nodes("--format", "json", "--category", "SD").stdout).nodes
    assert sound[0].id == plain[0].id and all(n.category == "SD" for n in sound[1:])
    recent = paperlike.Graph.model_validate_json(nodes("--json", "--since", "2024").stdout).nodes
    similar = runner.invoke(app, ["similar", "FastCorrect 2", "-k", "5", "--since", "2024", "--json",
                                  "--model", str(model)])
    assert [n.id for n in recent[1:]] == [r["id"] for r in json.loads(similar.stdout)["results"]]
    assert [n.id for n in recent] != [n.id for n in plain]
    diverse = paperlike.Graph.model_validate_json(nodes("--json", "--diverse").stdout).nodes
    assert [n.id for n in diverse] != [n.id for n in plain] and diverse[1].id == plain[1].id
    lines = [json.loads(line) for line in nodes("--format", "jsonl").stdout.splitlines()]
    rows = list(csv.DictReader(io.StringIO(nodes("--format", "csv", "--out", "g.html").stdout)))
    assert [n["id"] for n in lines] == [r["id"] for r in rows] == [n.id for n in plain]
    assert rows[1]["rank"] == "1" and (tmp_path / "g.html").exists()
    bad = runner.invoke(app, ["graph", "FastCorrect 2", "--json", "--since", "2025-13", "--model", str(model)])
    assert bad.exit_code == 2 and "not a calendar date" in bad.stderr


@pytest.mark.parametrize("args, code, message", [
    (["graph", "--id", "nope", "--out", "x.html"], 1, "paperlike: error: no record with id 'nope'"),
    (["graph", "FastCorrect 2", "--out", "x.html", "--format", "xml"], 2, "choose one of table, json, jsonl, csv"),
    (["graph", "FastCorrect 2", "--out", "x.html", "--category", "q-bio.XX"], 1, "no paper has the category"),
    (["graph", "FastCorrect 2", "--out", "taken/x.html"], 1, "paperlike: error: taken/x.html: cannot write there"),
    (["graph", "FastCorrect 2", "--out", "."], 1, "paperlike: error: .: cannot write there"),
    (["graph", "FastCorrect 2"], 2, "paperlike: error: give --out FILE.html"),
    (["graph", "FastCorrect 2", "--out", "x.html", "-k", "0"], 2, "Invalid value"),
])
def test_graph_command_errors(model, tmp_path, args, code, message):
    (tmp_path / "taken").write_text("a file, not a folder")
    result = runner.invoke(app, [*args, "--model", str(model)])
    assert result.exit_code == code
    assert message in result.stderr
    if code == 1:
        assert len(result.stderr.strip().splitlines()) == 1 and "Traceback" not in result.output
    assert not (tmp_path / "x.html").exists()


def test_graph_help_has_an_example():
    result = runner.invoke(app, ["graph", "--help"])
    assert result.exit_code == 0 and "Example" in result.stdout and "--out" in result.stdout


# -- a real browser ------------------------------------------------------------------------------

@pytest.mark.skipif(CHROMIUM is None, reason="chromium is not installed (apt-get install chromium); "
                                              ".ci/run installs it when it can")
def test_the_page_renders_in_a_headless_browser(fastcorrect, tmp_path):
    from PIL import Image

    page, png = tmp_path / "graph.html", tmp_path / "graph.png"
    api.write_graph(fastcorrect, page)
    command = [CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
               "--disable-background-networking", "--disable-component-update", "--disable-sync",
               "--hide-scrollbars", f"--user-data-dir={tmp_path / 'profile'}", f"--screenshot={png}",
               "--window-size=1200,800", page.resolve().as_uri()]
    subprocess.run(command, capture_output=True, timeout=120, env={**os.environ, "HOME": str(tmp_path)})
    assert png.exists() and png.stat().st_size > 20_000, "chromium wrote no screenshot"
    image = Image.open(png).convert("RGB")
    assert image.size == (1200, 800)
    pixels = np.asarray(image).reshape(-1, 3).astype(int)
    drawn = (np.abs(pixels - 255).sum(1) > 30).mean()
    assert 0.03 < drawn < 0.6, f"{drawn:.1%} of the screenshot is not background"
    blue = (np.abs(pixels - (0x4e, 0x79, 0xa7)).sum(1) < 20).sum()  # the nodes of category CL
    assert blue > 2000
