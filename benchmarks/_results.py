"""Shared plumbing of the benchmark scripts: each owns one section of RESULTS.md."""

from __future__ import annotations

import datetime
import platform
import re
from importlib import metadata
from pathlib import Path

RESULTS = Path(__file__).with_name("RESULTS.md")
DATA = Path(__file__).resolve().parents[1].parent / "shared" / "data"


def machine() -> str:
    """One line naming the machine, Python and the versions of the libraries measured."""
    import os

    libs = []
    for name in ("numpy", "scipy", "scikit-learn"):
        try:
            libs.append(f"{name} {metadata.version(name)}")
        except metadata.PackageNotFoundError:
            pass
    return (f"{platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}, "
            f"{', '.join(libs)}; run {datetime.date.today().isoformat()}")


def write_section(name: str, markdown: str) -> None:
    """Replace (or append) the section `name` of RESULTS.md, leaving the others as they are."""
    begin, end = f"<!-- BEGIN {name} -->", f"<!-- END {name} -->"
    block = f"{begin}\n{markdown.strip()}\n{end}"
    text = RESULTS.read_text(encoding="utf-8") if RESULTS.exists() else "# Benchmark results\n"
    pattern = re.compile(re.escape(begin) + r".*?" + re.escape(end), re.S)
    text = pattern.sub(lambda _: block, text) if pattern.search(text) else text.rstrip() + "\n\n" + block + "\n"
    RESULTS.write_text(text, encoding="utf-8")


def take_turns(child: str, argv: list[str], sources: list[str], runs: int) -> dict[str, list[list[str]]]:
    """Run the Python code ``child`` with ``argv`` ``runs`` times under each checkout of
    ``sources`` (``LABEL=SRC``: a fresh process with ``PYTHONPATH`` set to SRC), the checkouts
    taking turns run by run since the machine's speed drifts: the words each run printed, by
    label. SystemExit with the child's error when one fails."""
    import os
    import subprocess
    import sys

    trees = dict(src.partition("=")[::2] for src in sources)
    found: dict[str, list[list[str]]] = {label: [] for label in trees}
    for _ in range(runs):
        for label, src in trees.items():
            run = subprocess.run([sys.executable, "-c", child, *argv], capture_output=True, text=True,
                                 env={**os.environ, "PYTHONPATH": src}, check=False)
            if run.returncode:
                raise SystemExit(f"{label}: {run.stderr.strip()[-1000:]}")
            found[label].append(run.stdout.split())
    return found



def turns_on_corpus(description: str, child: str, runs: int, show, same: slice, differ: str) -> None:
    """:func:`take_turns` from a script's command line (``CORPUS --src LABEL=SRC ... [--runs N]``,
    ``runs`` by default), its words by label given to ``show``; then SystemExit with ``differ``
    when the words at ``same`` (what the checkouts must agree on) differ between two runs."""
    import argparse

    parser = argparse.ArgumentParser(description=description)
    parser.add_argument("corpus")
    parser.add_argument("--src", action="append", required=True, metavar="LABEL=SRC")
    parser.add_argument("--runs", type=int, default=runs)
    args = parser.parse_args()
    found = take_turns(child, [args.corpus], args.src, args.runs)
    show(found)
    if len({tuple(words[same]) for label_runs in found.values() for words in label_runs}) > 1:
        raise SystemExit(differ)
