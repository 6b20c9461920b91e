"""The import layers (scripts/layers.py): no cycle, and the leaves import nothing of paperlike."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

from conftest import load_script

SCRIPT = Path(__file__).resolve().parents[1] / "scripts" / "layers.py"
LEAVES = ("text", "identifiers", "errors", "defaults", "keys", "csr", "gcpause", "manifest", "_version")


def _layers_module():
    return load_script("layers")


def test_no_cycle_and_the_leaves_are_leaves():
    layers = _layers_module()
    edges = layers.graph()
    layer = layers.layers(edges)  # SystemExit on a cycle
    assert {f"paperlike.{leaf}": layer[f"paperlike.{leaf}"] for leaf in LEAVES} == {f"paperlike.{leaf}": 0
                                                                                   for leaf in LEAVES}
    assert layer["paperlike.cli"] > layer["paperlike.api"] > layer["paperlike.index"]
    # The commands import the API when they run (paperlike/cli/lazy.py): above it all the same.
    for commands in ("corpus", "query", "duplicates"):
        assert layer[f"paperlike.cli.{commands}"] > layer["paperlike.api"]
    assert layer["paperlike.api"] > layer["paperlike.graph"] > layer["paperlike.graph.render"] > layer[
        "paperlike.graph.layout"]

    # the query-time vectoriser and topics lean on the CSR rows (and the parameters mixin)
    assert edges["paperlike.terms"] == {"paperlike.csr"}
    assert edges["paperlike.lsa"] == {"paperlike.csr", "paperlike.params"}

def test_biblio_imports_only_text():
    """paperlike.biblio (one module per field) is a leaf package: its modules import each other
    and the text leaf, nothing above them."""
    edges = _layers_module().graph()
    package = {name: targets for name, targets in edges.items() if name.split(".")[:2] == ["paperlike", "biblio"]}
    assert len(package) >= 7
    assert {t for targets in package.values() for t in targets
            if not t.startswith("paperlike.biblio")} == {"paperlike.text"}


def test_the_script_prints_every_module():
    done = subprocess.run([sys.executable, str(SCRIPT)], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("layer 0\n") and "  cli  <- " in done.stdout


SRC = Path(__file__).resolve().parents[1] / "src" / "paperlike"


def _private_reaches(text: str, name: str) -> list[str]:
    """Where a module's text reads, writes or calls another object's private member:
    ``X._name`` where X is not ``self``, ``cls``, ``cls(...)``, ``super()`` or a name the module
    imports (``sys._getframe``, a module's own helpers)."""
    tree = ast.parse(text)
    imported = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            imported.update((alias.asname or alias.name).split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            imported.update(alias.asname or alias.name for alias in node.names)
    found = []
    for node in ast.walk(tree):
        if not (isinstance(node, ast.Attribute) and node.attr.startswith("_") and not node.attr.endswith("__")):
            continue
        base = node.value
        if isinstance(base, ast.Name) and (base.id in ("self", "cls") or base.id in imported):
            continue
        if isinstance(base, ast.Call) and isinstance(base.func, ast.Name) and base.func.id in ("cls", "super"):
            continue
        found.append((node.lineno, node.col_offset, f"{name}:{node.lineno}: {ast.unparse(node)}"))
    return [line for _, _, line in sorted(found)]


def test_no_module_reaches_into_another_objects_private_state():
    """An object's state is its own: other code asks it (a method, a public attribute) and
    never touches ``obj._name`` (docs/architecture.md, "The rule")."""
    found = [line for path in sorted(SRC.rglob("*.py"))
             for line in _private_reaches(path.read_text(encoding="utf-8"), str(path.relative_to(SRC.parent)))]
    assert found == []


def test_the_private_state_check_finds_a_reach():
    text = ("import numpy as np\n\n\nclass A:\n    def f(self, index):\n        self._x = np._NoValue\n"
            "        index._group_records()\n        index.dedup._keys = None\n        return cls(1)._restore()\n")
    assert [line.split(": ", 1)[1] for line in _private_reaches(text, "sample.py")] == [
        "index._group_records", "index.dedup._keys"]
