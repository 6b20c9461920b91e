"""Where a neighbourhood's picture draws each node and its label: the query in the middle, each
neighbour nearer to it the higher its score, neighbours alike each other side by side."""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from ..results import Graph, GraphNode

WIDTH, HEIGHT = 820, 640
FONT = 12.5          # label font size, px
_CHAR = 0.58 * FONT  # a character's width, roughly, in the page's sans-serif font
_LABEL_CHARS = 26     # per label line; two lines at most


@dataclass
class Placed:
    """Where a node is drawn: its centre, its radius, and its label's lines, anchor and origin."""

    x: float
    y: float
    r: float
    lines: list[str]
    anchor: str = "start"
    lx: float = 0.0
    ly: float = 0.0


def layout(graph: Graph, width: float = WIDTH, height: float = HEIGHT) -> list[Placed]:
    """Places the nodes (in graph order): the query in the middle, each neighbour nearer to it
    the higher its score, neighbours alike each other side by side around it.

    Around the query, the neighbours go in the order that keeps the most alike next to each
    other (a greedy tour mended by 2-opt on the edges' cosines), with less room between two
    alike neighbours than between two unrelated ones. Overlapping nodes are then pushed apart,
    and each label goes on the side of its node where it covers the least.
    """
    n = len(graph.nodes) - 1
    scores = np.array([node.score for node in graph.nodes[1:]])
    placed = [Placed(width / 2, height / 2, 26.0, _label_lines(graph.nodes[0], 2 * _LABEL_CHARS))]
    if n == 0:
        _place_labels(placed, width, height, np.zeros((0, 2)))
        return placed
    spread = float(scores.max() - scores.min()) or 1.0
    nearness = (scores.max() - scores) / spread               # 0 for the best, 1 for the worst
    radius = 11 + 10 * (1 - nearness) if n > 1 else np.array([18.0])
    alike = _alike(graph)
    order = _tour(alike)
    link = np.array([alike[order[i], order[(i + 1) % n]] for i in range(n)])
    gaps = 1 - 0.5 * link / max(float(link.max()), 1e-9) if n > 1 else np.array([1.0])
    angles = np.concatenate([[0.0], np.cumsum(gaps)[:-1]]) / gaps.sum() * 2 * math.pi
    widest = int(np.argmax(gaps))  # the widest gap faces up, where the header is
    angles += -math.pi / 2 - (angles[widest] + gaps[widest] / gaps.sum() * math.pi)
    rx, ry = width / 2 - 175, height / 2 - 55
    rho = 0.4 + 0.6 * nearness
    xy = np.zeros((n + 1, 2))
    xy[0] = placed[0].x, placed[0].y
    for slot, i in enumerate(order):
        xy[i + 1] = (width / 2 + rx * rho[i] * math.cos(angles[slot]),
                     height / 2 + ry * rho[i] * math.sin(angles[slot]))
    radii = np.concatenate([[placed[0].r], radius])
    xy = _separate(xy, radii, width, height)
    placed += [Placed(float(xy[i + 1, 0]), float(xy[i + 1, 1]), float(radius[i]),
                      _label_lines(graph.nodes[i + 1], _LABEL_CHARS)) for i in range(n)]
    _place_labels(placed, width, height, _edge_points(graph, placed))
    return placed


def _edge_points(graph: Graph, placed: list[Placed]) -> np.ndarray:
    """Points every 5 px along every edge, for labels to keep off the lines."""
    where = {node.id: np.array([p.x, p.y]) for node, p in zip(graph.nodes, placed)}
    points = [np.zeros((0, 2))]
    for edge in graph.edges:
        a, b = where[edge.source], where[edge.target]
        t = np.linspace(0, 1, max(2, int(np.hypot(*(b - a)) / 5)))[:, None]
        points.append(a * (1 - t) + b * t)
    return np.concatenate(points)


def _alike(graph: Graph) -> np.ndarray:
    """The neighbours' cosines from the edges between them (0 where there is none)."""
    position = {node.id: i - 1 for i, node in enumerate(graph.nodes)}
    n = len(graph.nodes) - 1
    alike = np.zeros((n, n))
    for edge in graph.edges:
        a, b = position[edge.source], position[edge.target]
        if a >= 0 and b >= 0:
            alike[a, b] = alike[b, a] = edge.weight
    return alike


def _tour(alike: np.ndarray) -> list[int]:
    """A round trip through the neighbours with alike ones adjacent: from the best-ranked one,
    always to the most alike not yet visited (the best-ranked on ties), then 2-opt."""
    n = len(alike)
    order, left = [0], list(range(1, n))
    while left:
        nxt = max(left, key=lambda j: (alike[order[-1], j], -j))
        order.append(nxt)
        left.remove(nxt)
    improved = n > 3
    while improved:
        improved = False
        for i in range(n - 1):
            for j in range(i + 2, n if i else n - 1):
                a, b, c, d = order[i], order[i + 1], order[j], order[(j + 1) % n]
                if alike[a, c] + alike[b, d] > alike[a, b] + alike[c, d] + 1e-9:
                    order[i + 1:j + 1] = order[i + 1:j + 1][::-1]
                    improved = True
    return order


def _separate(xy: np.ndarray, radii: np.ndarray, width: float, height: float) -> np.ndarray:
    """Push overlapping nodes apart (the query's stays put) and keep them inside the frame."""
    xy = xy.copy()
    need = radii[:, None] + radii[None, :] + 16
    for _ in range(200):
        delta = xy[:, None, :] - xy[None, :, :]
        dist = np.sqrt((delta ** 2).sum(-1)) + np.eye(len(xy))
        overlap = np.clip(need - dist, 0, None)
        np.fill_diagonal(overlap, 0)
        if overlap.max() < 0.5:
            break
        push = (delta / dist[..., None] * overlap[..., None] / 2).sum(1)
        push[0] = 0
        xy += push
        xy[1:, 0] = np.clip(xy[1:, 0], radii[1:] + 8, width - radii[1:] - 8)
        xy[1:, 1] = np.clip(xy[1:, 1], radii[1:] + 8, height - radii[1:] - 8)
    return xy


def short_label(node: GraphNode) -> str:
    """A paper's name for the picture: the title's part before a colon when it names the paper
    ("SoftCorrect"), else the title or the abstract's opening words."""
    head, colon, _ = node.label.partition(":")
    return head.strip() if colon and 2 <= len(head.strip()) <= 40 else node.label


def _label_lines(node: GraphNode, width: int) -> list[str]:
    """The label wrapped into at most two lines of about ``width`` characters, '…' when cut."""
    words, lines = short_label(node).split(), [""]
    for word in words:
        if len(lines[-1]) + len(word) + 1 > width and lines[-1]:
            if len(lines) == 2:
                lines[-1] = lines[-1][: width - 1].rstrip() + "…"
                return lines
            lines.append("")
        lines[-1] = f"{lines[-1]} {word}".strip()
    lines = [line if len(line) <= width else line[: width - 1] + "…" for line in lines]
    return lines


def _place_labels(placed: list[Placed], width: float, height: float, lines: np.ndarray) -> None:
    """Each label on the side of its node (outward first) where it covers the least of the
    nodes, the labels already placed and the edges (``lines``: points along them), the query's
    first."""
    pad = [10.0] + [4.0] * (len(placed) - 1)  # the query's halo is wider
    boxes: list[tuple[float, float, float, float]] = [
        (p.x - p.r - d, p.y - p.r - d, p.x + p.r + d, p.y + p.r + d) for p, d in zip(placed, pad)]
    cx, cy = width / 2, height / 2
    for i, p in enumerate(placed):
        w = max(len(line) for line in p.lines) * _CHAR
        h = len(p.lines) * FONT * 1.2
        dx, dy = p.x - cx, (p.y - cy) * width / height
        sides = {  # name: (anchor, x, y of the first baseline, box)
            "right": ("start", p.x + p.r + 5, p.y - h / 2 + FONT, (p.x + p.r + 3, p.y - h / 2, p.x + p.r + 7 + w, p.y + h / 2)),
            "left": ("end", p.x - p.r - 5, p.y - h / 2 + FONT, (p.x - p.r - 7 - w, p.y - h / 2, p.x - p.r - 3, p.y + h / 2)),
            "below": ("middle", p.x, p.y + p.r + FONT + 2, (p.x - w / 2, p.y + p.r + 2, p.x + w / 2, p.y + p.r + 4 + h)),
            "above": ("middle", p.x, p.y - p.r - h + FONT - 2, (p.x - w / 2, p.y - p.r - h - 4, p.x + w / 2, p.y - p.r - 2)),
        }
        if i == 0:
            preference = ["below", "above", "right", "left"]
        elif abs(dx) >= abs(dy) * 0.6:
            preference = ["right", "below", "above", "left"] if dx > 0 else ["left", "below", "above", "right"]
        else:
            preference = ["below", "right", "left", "above"] if dy > 0 else ["above", "right", "left", "below"]
        others = boxes[:i] + boxes[i + 1:]

        def cost(side: str, sides=sides, others=others, preference=preference) -> float:
            box = sides[side][3]
            outside = (max(0, -box[0]) + max(0, box[2] - width) + max(0, -box[1]) + max(0, box[3] - height))
            crossed = np.count_nonzero((lines[:, 0] > box[0]) & (lines[:, 0] < box[2])
                                       & (lines[:, 1] > box[1]) & (lines[:, 1] < box[3]))
            return (sum(_overlap(box, other) for other in others) + 50 * outside + 25 * crossed
                    + 40 * preference.index(side))

        best = min(preference, key=cost)
        p.anchor, p.lx, p.ly, box = sides[best]
        boxes.append(box)


def _overlap(a: tuple[float, ...], b: tuple[float, ...]) -> float:
    return max(0.0, min(a[2], b[2]) - max(a[0], b[0])) * max(0.0, min(a[3], b[3]) - max(a[1], b[1]))
