"""The import layers (scripts/layers.py): no cycle, and the leaves import nothing of paperlike."""

from __future__ import annotations

import importlib.util
import subprocess
import sys
from pathlib import Path

SCRIPT = Path(__file__).resolve().parents[1] / "scripts" / "layers.py"
LEAVES = ("text", "identifiers", "errors", "defaults", "keys", "csr", "heap", "manifest", "_version")


def _layers_module():
    spec = importlib.util.spec_from_file_location("layers", SCRIPT)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_no_cycle_and_the_leaves_are_leaves():
    layers = _layers_module()
    edges = layers.graph()
    layer = layers.layers(edges)  # SystemExit on a cycle
    assert {f"paperlike.{leaf}": layer[f"paperlike.{leaf}"] for leaf in LEAVES} == {f"paperlike.{leaf}": 0
                                                                                   for leaf in LEAVES}
    assert layer["paperlike.cli"] > layer["paperlike.api"] > layer["paperlike.index"]
    # the query-time vectoriser and topics lean on the CSR rows alone
    assert edges["paperlike.terms"] == edges["paperlike.lsa"] == {"paperlike.csr"}


def test_the_script_prints_every_module():
    done = subprocess.run([sys.executable, str(SCRIPT)], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("layer 0\n") and "  cli  <- " in done.stdout
