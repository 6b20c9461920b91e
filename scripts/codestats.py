"""Size figures of the code base, to compare before and after a re-layout.

    python scripts/codestats.py            # a few lines for people
    python scripts/codestats.py --figures  # and every figure found in a docstring or comment

Prints the longest module, the docstring share of the source (lines inside docstrings over all
lines of src/), how many measurements (a number with a unit of time or speed, a ratio, a
percentage, a score) the docstrings and comments carry, and the README's length. Run from
anywhere: paths are taken from this file's place in the repository (or ``--root``, to measure
another checkout: ``python scripts/codestats.py --root ../main``).
"""

from __future__ import annotations

import argparse
import ast
import io
import re
import tokenize
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SRC = ROOT / "src"

# A measurement: a time ("11.8 s", "40 ms", "10 µs"), a speed-up or ratio ("5x", "3×"), a
# percentage, a score ("MRR@10 0.724", "+0.04 precision") or "took <number>". A size ("13 MB",
# "1 MiB") is counted apart: most are limits or facts of a format, some were measured.
_NUMBER = r"\d(?:[\d,.]*\d)?"
FIGURE = re.compile(
    rf"(?<![\w.]){_NUMBER}(?:\s+(?:s|min)|\s*(?:ms|µs|us|seconds|minutes|%|×|x(?= |$|[^\w\d])))(?!\w)"
    rf"|(?<![\w.])[+-]\d*\.\d+|\b(?:MRR|precision|recall|F1|R[123])\S*\s+[+-]?\d*\.\d+|\btook\s+{_NUMBER}",
    re.IGNORECASE)
SIZE = re.compile(rf"(?<![\w.]){_NUMBER}\s*[KMGT]i?B(?!\w)", re.IGNORECASE)


def modules(src: Path = SRC) -> list[Path]:
    return sorted(p for p in src.rglob("*.py") if "__pycache__" not in p.parts)


def docstring_lines(tree: ast.AST) -> list[tuple[int, int]]:
    """(first, last) line of each module, class and function docstring."""
    spans = []
    for node in ast.walk(tree):
        if isinstance(node, (ast.Module, ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef)):
            body = node.body
            if body and isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant) \
                    and isinstance(body[0].value.value, str):
                spans.append((body[0].lineno, body[0].end_lineno or body[0].lineno))
    return spans


def comments(source: str) -> list[tuple[int, str]]:
    found = []
    for token in tokenize.generate_tokens(io.StringIO(source).readline):
        if token.type == tokenize.COMMENT:
            found.append((token.start[0], token.string))
    return found


def figures(text: str, pattern: re.Pattern = FIGURE) -> list[str]:
    return [m.group(0) for m in pattern.finditer(text)]


def prose_lines(lines: list[str], first: int, last: int) -> list[int]:
    """The line numbers of a docstring from first to last, its doctest examples (a ``>>>``
    line and the output lines after it) left out: they are code, not prose."""
    kept, in_example = [], False
    for n in range(first, last + 1):
        text = lines[n - 1].strip()
        if text.startswith(">>>") or text.startswith("..."):
            in_example = True
        elif not text:
            in_example = False
        if not in_example:
            kept.append(n)
    return kept


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--figures", action="store_true", help="list each figure found, with its place")
    parser.add_argument("--root", type=Path, default=ROOT, help="the repository to measure (default: this one)")
    args = parser.parse_args()
    root = args.root.resolve()
    total = doc = 0
    longest = (0, "")
    in_docs: list[tuple[str, int, str]] = []
    in_comments: list[tuple[str, int, str]] = []
    sizes: list[tuple[str, int, str]] = []
    paths = modules(root / "src")
    for path in paths:
        source = path.read_text(encoding="utf-8")
        lines = source.splitlines()
        name = str(path.relative_to(root))
        total += len(lines)
        longest = max(longest, (len(lines), name))
        for first, last in docstring_lines(ast.parse(source)):
            doc += last - first + 1
            for n in prose_lines(lines, first, last):
                in_docs += [(name, n, f) for f in figures(lines[n - 1])]
                sizes += [(name, n, f) for f in figures(lines[n - 1], SIZE)]
        for n, text in comments(source):
            in_comments += [(name, n, f) for f in figures(text)]
            sizes += [(name, n, f) for f in figures(text, SIZE)]
    readme = root / "README.md"
    print(f"modules under src/:           {len(paths)}, {total} lines")
    print(f"longest module:               {longest[1]} ({longest[0]} lines)")
    print(f"docstring share:              {doc}/{total} lines = {doc / max(total, 1):.1%}")
    print(f"measurements in docstrings:   {len(in_docs)}")
    print(f"measurements in comments:     {len(in_comments)}")
    print(f"sizes in docstrings/comments: {len(sizes)}")
    print(f"README lines:                 {len(readme.read_text(encoding='utf-8').splitlines())}")
    if args.figures:
        for kind, found in (("docstring", in_docs), ("comment", in_comments), ("size", sizes)):
            for name, n, f in found:
                print(f"{name}:{n}: {kind}: {f}")


if __name__ == "__main__":
    main()
