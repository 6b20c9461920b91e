"""Start-up: what a command costs before it does anything, and a cold query end to end.

Each command runs ``--runs`` times in a fresh process (``paperlike`` as a user runs it: what the
console script runs, ``paperlike.cli.script``, or ``main`` in a checkout older than it, with
``PYTHONPATH=--src``), after one unmeasured run so that the
files are in the page cache and the byte-code is compiled, as for an installed package ("cold"
is a new process, not an empty cache: the machine is shared, so caches are not dropped). Wall time and the child's own user+system CPU (from
``os.wait4``) are reported as medians. Then one run of a cold ``similar`` under
``python -X importtime`` gives the import profile (top packages by their modules' own import
time, and the slowest modules by cumulative time), and one in-process run splits the cold query
into its phases (import, load the model, query, render).

    python benchmarks/startup.py --label before --src /tmp/paperlike-before/src   # an older checkout
    python benchmarks/startup.py --label after                                    # this checkout
    python benchmarks/startup.py --label after --also before=/tmp/paperlike-before/src   # both, taking turns

Each run saves its figures to ``SCRATCH/startup-LABEL.json`` and writes the section "startup"
of RESULTS.md from every label saved (``--no-write``: print only). The model is that of the
shared 2025 arXiv crawl, built once into ``--model`` (default ``SCRATCH/arxiv-2025-model``) when
missing.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import statistics
import subprocess
import sys
import time
from collections import defaultdict
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
from _results import DATA, machine, write_section  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
SCRATCH = Path(os.environ.get("PAPERLIKE_SCRATCH", "/tmp/paperlike-scratch"))
CRAWL = DATA / "arxiv-daily" / "arxiv-2025.jsonl.gz"
QUERY_ID = "2503.11731"  # a paper of the 2025 crawl (the first record)

# What each phase of a cold query costs, measured inside one fresh process.
_PHASES = r"""
import sys, time, io, contextlib
t0 = time.perf_counter()
from paperlike.cli import render, tables
from paperlike import api
t1 = time.perf_counter()
index = api.open_model(sys.argv[1])
t2 = time.perf_counter()
result = api.similar(index, sys.argv[2])
t3 = time.perf_counter()
with contextlib.redirect_stdout(io.StringIO()):
    render.stdout().print(tables.similar_table(result))
t4 = time.perf_counter()
print({"import": t1 - t0, "load": t2 - t1, "query": t3 - t2, "render": t4 - t3})
"""


# The modules of other packages (and of Python's library) that a cold query imports: the floor
# of its start that nothing in paperlike can lower but importing fewer packages.
_OTHER_MODULES = r"""
import sys
from paperlike import cli
sys.argv = ["paperlike", *sys.argv[1:]]
try:
    cli.main()
except SystemExit:
    pass
print("\n".join(m for m in list(sys.modules) if m.split(".")[0] not in ("paperlike", "__main__")), file=sys.stderr)
"""
_IMPORT_ALL = r"""
import importlib, sys
for name in open(sys.argv[1]).read().split():
    if name not in sys.modules:
        try:
            importlib.import_module(name)
        except Exception:  # a module only its package's own import can make
            pass
"""


def other_modules(argv: list[str], env: dict[str, str], out: Path) -> list[str]:
    """Write to ``out`` the modules not of paperlike that a run of ``paperlike ARGV`` imports;
    the command that imports them alone."""
    run = subprocess.run([sys.executable, "-c", _OTHER_MODULES, *argv], env=env, stdout=subprocess.DEVNULL,
                         stderr=subprocess.PIPE, text=True, check=True)
    out.write_text(run.stderr, encoding="utf-8")
    return [sys.executable, "-c", _IMPORT_ALL, str(out)]


def _script() -> list[str]:
    """What the ``paperlike`` console script runs, for whichever checkout is on PYTHONPATH (the
    installed script names the entry point of the checkout it was installed from)."""
    return [sys.executable, "-c", "import sys\nfrom paperlike import cli\nsys.argv[0] = 'paperlike'\n"
            "sys.exit(getattr(cli, 'script', cli.main)())"]


def _env(src: Path, label: str) -> dict[str, str]:
    """The children's environment: the sources measured, and byte-code cached as an installed
    package has it (in the scratch folder, one per label: a checkout run with
    PYTHONDONTWRITEBYTECODE would compile every module of paperlike at each start)."""
    env = dict(os.environ)
    env["PYTHONPATH"] = str(src)
    env.pop("PYTHONPROFILEIMPORTTIME", None)
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    env["PYTHONPYCACHEPREFIX"] = str(SCRATCH / f"pycache-{label}")
    return env


def _once(argv: list[str], env: dict[str, str]) -> tuple[float, float]:
    """Wall seconds and the child's user+system CPU seconds of one run."""
    start = time.perf_counter()
    child = subprocess.Popen(argv, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    _, status, usage = os.wait4(child.pid, 0)
    wall = time.perf_counter() - start
    err = child.stderr.read().decode("utf-8", "replace")
    child.stderr.close()
    child.returncode = os.waitstatus_to_exitcode(status)
    if child.returncode != 0:
        raise SystemExit(f"{' '.join(argv)} failed ({child.returncode}): {err.strip()[-500:]}")
    return wall, usage.ru_utime + usage.ru_stime


def _measure(argvs: dict[str, list[str]], envs: dict[str, dict[str, str]], runs: int) -> dict[str, dict[str, float]]:
    """Each label's command ``runs`` times, the labels taking turns run by run, so that a
    machine whose speed drifts (a shared one) weighs on each label alike."""
    for label, argv in argvs.items():
        _once(argv, envs[label])  # warm the page cache
    times: dict[str, list[tuple[float, float]]] = {label: [] for label in argvs}
    for _ in range(runs):
        for label, argv in argvs.items():
            times[label].append(_once(argv, envs[label]))
    figures = {}
    for label, pairs in times.items():
        walls, cpus = zip(*pairs)
        figures[label] = {"wall": statistics.median(walls), "cpu": statistics.median(cpus),
                          "wall_min": min(walls), "runs": runs}
    return figures


_FLOOR = "its modules of other packages, imported alone"
_LINE = re.compile(r"import time:\s+(\d+) \|\s+(\d+) \|( *)(\S+)")


def import_profile(argv: list[str], env: dict[str, str]) -> dict:
    """Parse ``-X importtime`` of one run: total, by top-level package, and slowest modules."""
    run = subprocess.run([sys.executable, "-X", "importtime", *argv], env=env, capture_output=True, text=True,
                         check=True)
    rows = [(int(m[1]), int(m[2]), len(m[3]) // 2, m[4]) for m in map(_LINE.match, run.stderr.splitlines()) if m]
    by_package: dict[str, int] = defaultdict(int)
    for own, _, _, name in rows:
        by_package[name.split(".")[0]] += own
    total = sum(own for own, _, _, _ in rows)
    # importtime lists a module after the modules it imports, one level deeper: its importer is the
    # next line one level up. The imports that bring in another package tell who pulls in what.
    entries = []
    for i, (_, cum, depth, name) in enumerate(rows):
        importer = next((r[3] for r in rows[i + 1:] if r[2] == depth - 1), "")
        if importer.split(".")[0] != name.split(".")[0]:
            entries.append((name, cum / 1000, importer or "(at run time)"))
    entries.sort(key=lambda e: -e[1])
    return {"total_ms": total / 1000, "modules": len(rows),
            "packages": sorted(((p, us / 1000) for p, us in by_package.items()), key=lambda x: -x[1])[:12],
            "cumulative": entries[:12]}


def phases(model: Path, query: str, envs: dict[str, dict[str, str]], runs: int) -> dict[str, dict[str, float]]:
    """The median of each phase, by label, the labels taking turns run by run; none for sources
    whose modules are not those the script imports (an older checkout)."""
    found: dict[str, list[dict[str, float]] | None] = {label: [] for label in envs}
    for _ in range(runs):
        for label, env in envs.items():
            if found[label] is None:
                continue
            done = subprocess.run([sys.executable, "-c", _PHASES, str(model), query], env=env, capture_output=True,
                                  text=True)
            if done.returncode != 0:
                found[label] = None
                continue
            found[label].append(eval(done.stdout.strip().splitlines()[-1], {}))  # a dict literal we printed ourselves
    return {label: {key: statistics.median(r[key] for r in got) for key in got[0]} if got else {}
            for label, got in found.items()}


def _ensure_model(model: Path, env: dict[str, str]) -> None:
    if (model / "manifest.json").exists():
        return
    print(f"building {model} from {CRAWL} (once)", file=sys.stderr)
    subprocess.run([_script(), "index", str(CRAWL), "--model", str(model)], env=env, check=True)


def render(results: dict[str, dict]) -> str:
    known = ("issue-start", "before", "after")  # the order of the columns: oldest first
    labels = [label for label in known if label in results] + [label for label in results if label not in known]
    first = results[labels[0]]
    lines = ["## Start-up (`benchmarks/startup.py`)", "",
             "What a command costs in a fresh process: median of "
             f"{first['runs']} runs after one warm-up (files in the page cache, byte-code compiled; the machine is shared by "
             "several sessions, so wall times are noisy: the CPU column is the steadier one). "
             f"Model: the shared 2025 arXiv crawl (`paperlike index {CRAWL.relative_to(DATA.parent.parent)} "
             f"--model M`); query: `paperlike similar {QUERY_ID} --model M`. "
             "Issue 20's targets: `--version` and `--help` within 0.2 s of `python -c pass`, the cold "
             "query under 0.5 s wall.", "",
             "Runs: " + "; ".join(dict.fromkeys(
                 f"{results[label]['command']} (load average {results[label]['load'][0]:.1f} "
                 f"at the start, {results[label]['load'][1]:.1f} at the end)"
                 for label in labels if "load" in results[label])) + ".", "",
             "| command | " + " | ".join(f"{label} wall s | {label} CPU s" for label in labels)
             + (" | after/before (wall) |" if {"before", "after"} <= set(results) else " |"),
             "|---|" + "---:|---:|" * len(labels) + ("---:|" if {"before", "after"} <= set(results) else "")]
    for name in first["commands"]:
        cells = []
        for label in labels:
            m = results[label]["commands"].get(name)
            cells += [f"{m['wall']:.3f}", f"{m['cpu']:.3f}"] if m else ["—", "—"]
        row = f"| `{name}` | " + " | ".join(cells) + " |"
        if {"before", "after"} <= set(results):
            b, a = results["before"]["commands"].get(name), results["after"]["commands"].get(name)
            row += f" {a['wall'] / b['wall']:.2f} |" if a and b else " — |"
        lines.append(row)
    lines += ["", "A cold query's phases inside one process (median, seconds):", "",
              "| phase | " + " | ".join(labels) + " |", "|---|" + "---:|" * len(labels)]
    for phase in ("import", "load", "query", "render"):
        cells = [results[label]["phases"].get(phase) for label in labels]
        lines.append(f"| {phase} | " + " | ".join("—" if c is None else f"{c:.3f}" for c in cells) + " |")
    lines += ["", "(— : sources whose modules are not those the phases' script imports.)"]
    for label in labels:
        prof = results[label]["profile"]
        lines += ["", f"Import profile of the cold query, {label} (`python -X importtime`, one run): "
                      f"{prof['modules']} modules, {prof['total_ms']:.0f} ms of imports.", "",
                  "| package (own time of its modules) | ms | | import of another package (cumulative) | imported by | ms |",
                  "|---|---:|---|---|---|---:|"]
        for (pkg, ms), (mod, cum, importer) in zip(prof["packages"][:10], prof["cumulative"][:10]):
            lines.append(f"| {pkg} | {ms:.0f} | | {mod} | {importer} | {cum:.0f} |")
    lines += ["", f"The last row, \"{_FLOOR}\", imports in a fresh process the modules of other packages "
              "(numpy, pyarrow, pydantic, typer, rich, ...) and of Python's library that the cold query "
              "imports, none of paperlike's: how long the query would take if paperlike's own modules, "
              "the load, the query and the rendering cost nothing."]
    lines += ["", "Reading the figures. `--version` imports typer (and click) and `paperlike.defaults`. "
              "`--help` is click's plain help (`rich_markup_mode=None`): typer's rich help "
              "(`typer.rich_utils`) imports rich.markdown (markdown_it) and rich.traceback at its top "
              "whatever the app's settings, more than the rest of `--help` together. A command's own "
              "`--help` adds pydantic, which typer imports to coerce a command's parameters. A query "
              "imports what it runs: numpy, pyarrow's IPC reader, pydantic and the models it validates "
              "(each model builds its validator at its first use), typer, and rich to draw the table "
              "(its import is in the render phase). It reads rows and posting lists of the "
              "memory-mapped arrays (`paperlike.csr`), with scipy's compiled posting-walk kernel "
              "loaded alone, so scipy.sparse (whose import is mostly scipy's array-API layer importing "
              "numpy.f2py, numpy.testing, ...) is imported only by the commands that do sparse "
              "algebra (index, add, dupes, recommend, graph, `--diverse`); scikit-learn, pandas, "
              "pyarrow.compute, the service, the readers, the duplicate rules, the feed and the graph "
              "are not imported either (tests/test_startup.py fails if one comes back). Loading the "
              "model memory-maps its arrays and reads its records' columns only for the results shown; "
              "most of the load is parsing and checking the JSON lists (the vocabulary) and the arrays' "
              "headers (that no term is there twice is checked with the checksums, once per change of "
              "the files; the vocabulary is parsed without pydantic's cache of strings, since every "
              "term is another string). The wall time of a run ends when the process has ended: the "
              "console script ends it once the answer is flushed and the exit handlers have run "
              "(`cli.script`), instead of letting Python take numpy, pyarrow and the model's arrays "
              "apart object by object, which cost a cold query about 0.19 s after it had printed "
              "(measured by stamping the time at the end of `main` and when the parent saw the "
              "child end). This environment sets "
              "PYTHONDONTWRITEBYTECODE: the children get a byte-code cache in the scratch folder, as an "
              "installed package has its own, or every start would compile paperlike's modules again.",
              "", machine()]
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--label", default="after", help="name of this run's figures (before, after)")
    parser.add_argument("--src", type=Path, default=ROOT / "src", help="the paperlike sources measured")
    parser.add_argument("--model", type=Path, default=SCRATCH / "arxiv-2025-model")
    parser.add_argument("--query", default=QUERY_ID)
    parser.add_argument("--runs", type=int, default=9)
    parser.add_argument("--no-write", action="store_true", help="print only; RESULTS.md untouched")
    parser.add_argument("--also", action="append", default=[], metavar="LABEL=SRC",
                        help="other sources measured in the same run, taking turns with --src run by run")
    args = parser.parse_args()
    sources = {args.label: args.src.resolve(), **{label: Path(src).resolve() for label, _, src in
                                                   (also.partition("=") for also in args.also)}}
    envs = {label: _env(src, label) for label, src in sources.items()}
    _ensure_model(args.model, envs[args.label])
    paperlike = _script()
    commands = {
        "python -c pass": [sys.executable, "-c", "pass"],
        "paperlike --version": [*paperlike, "--version"],
        "paperlike --help": [*paperlike, "--help"],
        "paperlike similar --help": [*paperlike, "similar", "--help"],
        "paperlike similar ID --model M": [*paperlike, "similar", args.query, "--model", str(args.model)],
    }
    SCRATCH.mkdir(parents=True, exist_ok=True)
    query = ["similar", args.query, "--model", str(args.model)]
    floors = {label: other_modules(query, envs[label], SCRATCH / f"other-modules-{label}.txt") for label in sources}
    commands[_FLOOR] = None
    figures: dict[str, dict[str, dict[str, float]]] = {label: {} for label in sources}
    load_before = os.getloadavg()[0]
    for name, argv in commands.items():
        argvs = floors if argv is None else {label: argv for label in sources}
        for label, found in _measure(argvs, envs, args.runs).items():
            figures[label][name] = found
            print(f"{label:12} {name:34} wall {found['wall']:.3f} s  cpu {found['cpu']:.3f} s", file=sys.stderr)
    load_after = os.getloadavg()[0]
    split = phases(args.model, args.query, envs, max(3, args.runs // 3))
    for label in sources:
        result = {"label": label, "runs": args.runs, "commands": figures[label], "load": [load_before, load_after],
                  "command": "`python benchmarks/startup.py " + " ".join(sys.argv[1:]) + "`"
                             + (f" (labels taking turns: {', '.join(sources)})" if args.also else ""),
                  "phases": split[label],
                  "profile": import_profile([*paperlike[1:], "similar", args.query, "--model", str(args.model)],
                                            envs[label])}
        print(json.dumps({"label": label, "phases": result["phases"], "profile": result["profile"]}, indent=1),
              file=sys.stderr)
        (SCRATCH / f"startup-{label}.json").write_text(json.dumps(result, indent=1), encoding="utf-8")
    saved = {p.stem.removeprefix("startup-"): json.loads(p.read_text(encoding="utf-8"))
             for p in sorted(SCRATCH.glob("startup-*.json"))}
    section = render(saved)
    print(section)
    if not args.no_write:
        write_section("startup", section)

if __name__ == "__main__":
    main()
