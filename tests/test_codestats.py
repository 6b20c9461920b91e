"""scripts/codestats.py: the code's size figures, and no measurement left in its prose."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from conftest import load_script

SCRIPT = Path(__file__).resolve().parents[1] / "scripts" / "codestats.py"


def _codestats():
    return load_script("codestats")


def test_measurements_are_told_from_other_numbers():
    stats = _codestats()
    found = stats.figures("took 11.8 / 8.9 s at 0.9; 48 ms against 17 ms; ~10 µs; a 26x vocabulary, 5x the "
                          "fit time; +0.04 precision; MRR@10 0.724; 12% of it")
    assert found == ["took 11.8", "8.9 s", "48 ms", "17 ms", "10 µs", "26x", "5x", "+0.04", "MRR@10 0.724", "12%"]
    assert stats.figures("DOI 10.x, 422s, 2021-02, version 1.5, 2 cores, (1, 2), 0.9 of the threshold") == []
    assert stats.figures("0.9 GB and 1 MiB", stats.SIZE) == ["0.9 GB", "1 MiB"]


def test_doctest_examples_are_not_prose(tmp_path):
    stats = _codestats()
    lines = ["'''Text.", "", ">>> f('3× faster')", "'3× faster'", "", "More text.'''"]
    assert stats.prose_lines(lines, 1, 6) == [1, 2, 5, 6]


def test_the_source_holds_no_measurement_in_its_docstrings_or_comments():
    done = subprocess.run([sys.executable, str(SCRIPT), "--figures"], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    counts = {name.strip(): value.strip() for name, value in
              (line.split(":", 1) for line in done.stdout.splitlines() if line.startswith("measurements in"))}
    assert counts == {"measurements in docstrings": "0", "measurements in comments": "0"}, done.stdout
    assert "docstring share:" in done.stdout and "longest module:" in done.stdout and "README lines:" in done.stdout
