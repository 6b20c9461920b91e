"""Print paperlike's import layers: each module with the paperlike modules it imports.

Layer 0 holds the modules that import no other paperlike module (the leaves: text, identifiers,
errors, defaults, ...); a module's layer is one more than the highest layer it imports, so every
import points down. Imports made inside a function (loaded when used, for a quick start) count
like the others. Run: ``python scripts/layers.py`` (``--json`` for the table as JSON). A cycle
is printed and exits 1.
"""

from __future__ import annotations

import ast
import json
import sys
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[1] / "src" / "paperlike"


def module_name(path: Path) -> str:
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def imports(path: Path, modules: set[str]) -> set[str]:
    """The paperlike modules a file imports, anywhere in it (TYPE_CHECKING blocks left out)."""
    name = module_name(path)
    package = name if path.name == "__init__.py" else name.rsplit(".", 1)[0]
    tree = ast.parse(path.read_text(encoding="utf-8"))
    skipped: set[int] = set()
    for node in ast.walk(tree):  # imports for type checkers only are not imports at run time
        if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
            skipped.update(id(n) for child in node.body for n in ast.walk(child))
    found: set[str] = set()
    for node in ast.walk(tree):
        if id(node) in skipped:
            continue
        if isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")
                base = base[:len(base) - node.level + 1]
                target = ".".join(base + ([node.module] if node.module else []))
            else:
                target = node.module or ""
            candidates = [target] + [f"{target}.{alias.name}" for alias in node.names]
        elif isinstance(node, ast.Import):
            candidates = [alias.name for alias in node.names]
        elif (isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == "Later"
              and node.args and isinstance(node.args[0], ast.Constant) and isinstance(node.args[0].value, str)):
            candidates = [node.args[0].value]  # a module imported at the first use of one of its names
        else:
            continue
        for candidate in candidates:
            if candidate in modules and candidate != name:
                found.add(candidate)
    return found


def graph() -> dict[str, set[str]]:
    paths = sorted(PACKAGE.rglob("*.py"))
    modules = {module_name(p) for p in paths}
    edges = {module_name(p): imports(p, modules) for p in paths}
    # A package's __init__ re-exports its modules: it is above them, not a module they import.
    for name, targets in edges.items():
        edges[name] = {t for t in targets if not name.startswith(t + ".")}
    return edges


def layers(edges: dict[str, set[str]]) -> dict[str, int]:
    layer: dict[str, int] = {}
    visiting: list[str] = []

    def depth(name: str) -> int:
        if name in layer:
            return layer[name]
        if name in visiting:
            cycle = visiting[visiting.index(name):] + [name]
            raise SystemExit("import cycle: " + " -> ".join(cycle))
        visiting.append(name)
        layer[name] = 1 + max((depth(t) for t in edges[name]), default=-1)
        visiting.pop()
        return layer[name]

    for name in sorted(edges):
        depth(name)
    return layer


def main() -> None:
    edges = graph()
    layer = layers(edges)
    if "--json" in sys.argv:
        print(json.dumps({n: {"layer": layer[n], "imports": sorted(edges[n])} for n in sorted(edges)}, indent=1))
        return
    for k in range(max(layer.values()) + 1):
        print(f"layer {k}")
        for name in sorted(n for n in layer if layer[n] == k):
            below = ", ".join(t.removeprefix("paperlike.") for t in sorted(edges[name], key=lambda t: (-layer[t], t)))
            print(f"  {name.removeprefix('paperlike.') or 'paperlike'}" + (f"  <- {below}" if below else ""))


if __name__ == "__main__":
    main()
