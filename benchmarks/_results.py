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
