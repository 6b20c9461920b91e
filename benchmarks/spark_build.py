"""The Spark build (``paperlike.spark``) beside the local one, on synthetic corpora.

    python benchmarks/spark_build.py --sizes 100k 300k [--master local[2]] [--write]

For each size (corpora from benchmarks/generate.py, made if missing), two processes build a
model of the same records: ``paperlike index CORPUS`` (local) and ``python -m paperlike.spark
CORPUS --master local[2]`` (Spark). Measured: wall time; peak resident memory, sampled every
0.2 s from /proc, of the driver (the Python process), the JVM (driver and executors in one in
local mode) and the executors' Python workers (summed over the process tree); shuffle bytes
written and read, from Spark's event log (every task's metrics); the Spark build's candidate
pairs and time per step; and whether the two model folders are the same files (all but the
manifest's date). ``--write`` puts the table into RESULTS.md ("Spark build").
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _results import machine, write_section  # noqa: E402
from generate import exists, generate, parse_size, scratch, size_name  # noqa: E402


def _tree(root: int) -> list[tuple[int, str, int]]:
    """(pid, command name, RSS bytes) of the process and its descendants."""
    children: dict[int, list[int]] = {}
    info: dict[int, tuple[str, int]] = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat") as f:
                stat = f.read()
            name = stat[stat.index("(") + 1:stat.rindex(")")]
            fields = stat[stat.rindex(")") + 2:].split()
            ppid, rss = int(fields[1]), int(fields[21]) * os.sysconf("SC_PAGE_SIZE")
        except (OSError, ValueError, IndexError):
            continue
        children.setdefault(ppid, []).append(int(entry))
        info[int(entry)] = (name, rss)
    out, stack = [], [(root, None)]
    while stack:
        pid, parent_kind = stack.pop()
        if pid not in info:
            continue
        name, rss = info[pid]
        out.append((pid, name, rss, parent_kind))
        kind = "jvm" if name == "java" else (parent_kind or "driver")
        stack.extend((c, "worker" if kind in ("jvm", "worker") else kind) for c in children.get(pid, []))
    return out


def run_sampled(command: list[str], env: dict) -> dict:
    """Run the command; its wall time, output and the peak RSS (MB) of its driver, JVM and
    Python workers (each the peak of the sum over its processes)."""
    peaks = {"driver": 0, "jvm": 0, "workers": 0}
    started = time.perf_counter()
    process = subprocess.Popen(command, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    done = threading.Event()

    def sample() -> None:
        while not done.is_set():
            now = {"driver": 0, "jvm": 0, "workers": 0}
            for _pid, name, rss, parent_kind in _tree(process.pid):
                kind = "jvm" if name == "java" else ("workers" if parent_kind == "worker" else "driver")
                now[kind] += rss
            for k in peaks:
                peaks[k] = max(peaks[k], now[k])
            done.wait(0.2)

    thread = threading.Thread(target=sample, daemon=True)
    thread.start()
    out, err = process.communicate()
    done.set()
    thread.join()
    if process.returncode != 0:
        raise SystemExit(f"{' '.join(command)} failed:\n{err[-3000:]}")
    return {"seconds": round(time.perf_counter() - started, 1), "stdout": out,
            "peak_mb": {k: round(v / 2**20) for k, v in peaks.items()}}


def _event_lines(events: Path):
    """The lines of the event logs under the folder (Spark 4 writes them zstd-compressed in a
    subfolder unless told otherwise; the zstd command reads those)."""
    for log in sorted(p for p in events.rglob("*") if p.is_file() and not p.name.startswith(".")
                      and not p.name.startswith("appstatus")):
        if log.suffix == ".zstd":
            text = subprocess.run(["zstd", "-dc", str(log)], capture_output=True, text=True).stdout
            yield from text.splitlines()
        else:
            with open(log, encoding="utf-8") as f:
                yield from f


def shuffle_bytes(events: Path) -> dict:
    """Shuffle bytes written and read over every task of the event log(s) in the folder."""
    written = read = 0
    for line in _event_lines(events):
        if '"SparkListenerTaskEnd"' not in line:
            continue
        metrics = json.loads(line).get("Task Metrics") or {}
        written += metrics.get("Shuffle Write Metrics", {}).get("Shuffle Bytes Written", 0)
        r = metrics.get("Shuffle Read Metrics", {})
        read += r.get("Remote Bytes Read", 0) + r.get("Local Bytes Read", 0)
    return {"written_mb": round(written / 2**20, 1), "read_mb": round(read / 2**20, 1)}


def different_files(a: Path, b: Path) -> list[str]:
    """The files of two model folders that differ, the build's times aside: the manifest (its
    date and input paths) and additions.json's ``at`` (when the build ran) are not compared."""
    def names(folder: Path) -> set[str]:
        return {p.name for p in folder.iterdir() if not p.name.startswith(".") and p.name != "manifest.json"}

    def content(path: Path) -> object:
        if path.name == "additions.json":
            return [{k: v for k, v in item.items() if k != "at"} for item in json.loads(path.read_text())]
        return path.read_bytes()

    return sorted(names(a) ^ names(b)) + sorted(n for n in names(a) & names(b) if content(a / n) != content(b / n))


def measure(n: int | None, master: str, corpus: Path | None = None, keep: Path | None = None) -> dict:
    """One corpus built both ways: a synthetic one of n records, or the given file."""
    if corpus is None:
        folder = scratch() / f"corpus-{size_name(n)}-s0"
        if not exists(folder, n, 0):
            generate(n, 0)
        corpus = folder / "corpus.jsonl"
    here = str(Path(__file__).resolve().parents[1] / "src")
    env = {**os.environ, "PYTHONPATH": here + os.pathsep + os.environ.get("PYTHONPATH", "")}
    with tempfile.TemporaryDirectory(dir=scratch()) as tmp:
        tmp = Path(tmp)
        local = run_sampled([sys.executable, "-m", "paperlike", "index", str(corpus), "--model", str(tmp / "local"),
                             "--format", "json"], env)
        events = tmp / "events"
        events.mkdir()
        spark = run_sampled([sys.executable, "-m", "paperlike.spark", str(corpus), "--model", str(tmp / "spark"),
                             "--master", master, "--conf", "spark.eventLog.enabled=true",
                             "--conf", f"spark.eventLog.dir={events}", "--conf", "spark.eventLog.compress=false",
                             "--conf", "spark.eventLog.rolling.enabled=false", "--conf", "spark.driver.memory=8g"], env)
        report = json.loads(spark["stdout"].strip().splitlines()[-1])
        if keep is not None:
            keep.mkdir(parents=True, exist_ok=True)
            for name in ("local", "spark"):
                shutil.rmtree(keep / name, ignore_errors=True)
                shutil.move(str(tmp / name), str(keep / name))
            tmp = keep
        return {"n": n, "corpus": corpus.name, "records": report["records"], "master": master, "local": {k: local[k] for k in ("seconds", "peak_mb")},
                "spark": {k: spark[k] for k in ("seconds", "peak_mb")}, "steps": report["seconds"],
                "counts": report["counts"], "shuffle": shuffle_bytes(events),
                "different_files": different_files(tmp / "local", tmp / "spark")}


def table(results: list[dict]) -> str:
    lines = ["| records | build | wall s | driver MB | JVM MB | Python workers MB | shuffle written / read MB | "
             "candidate pairs | same model files |", "|---|---|---|---|---|---|---|---|---|"]
    for r in results:
        lines.append(f"| {r['records']:,} | local | {r['local']['seconds']} | {r['local']['peak_mb']['driver']} | - | "
                     f"{r['local']['peak_mb']['workers'] or '-'} | - | - | |")
        lines.append(f"| {r['records']:,} | Spark {r['master']} | {r['spark']['seconds']} "
                     f"({r['spark']['seconds'] / r['local']['seconds']:.1f}x) | {r['spark']['peak_mb']['driver']} | "
                     f"{r['spark']['peak_mb']['jvm']} | {r['spark']['peak_mb']['workers']} | "
                     f"{r['shuffle']['written_mb']} / {r['shuffle']['read_mb']} | {r['counts']['candidates']:,} | "
                     f"{'yes' if not r['different_files'] else 'NO: ' + ', '.join(r['different_files'])} |")
    steps = "; ".join(f"{r['records']:,}: " + ", ".join(f"{k} {v} s" for k, v in r["steps"].items()) for r in results)
    return "\n".join(lines) + f"\n\nSpark build steps: {steps}.\n"


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", nargs="+", default=["100k", "300k"])
    parser.add_argument("--master", default="local[2]")
    parser.add_argument("--corpus", type=Path, default=None, help="a corpus file to build instead of --sizes")
    parser.add_argument("--keep", type=Path, default=None, help="keep the two models in this folder")
    parser.add_argument("--write", action="store_true", help="write the table into RESULTS.md")
    args = parser.parse_args(argv)
    results = []
    runs = [(None, args.corpus)] if args.corpus else [(parse_size(size), None) for size in args.sizes]
    for n, corpus in runs:
        results.append(measure(n, args.master, corpus, args.keep))
        print(json.dumps(results[-1]), flush=True)
    text = table(results)
    print(text)
    if args.write:
        write_section("spark-build", f"## Spark build\n\n`python benchmarks/spark_build.py --sizes {' '.join(args.sizes)} "
                                     f"--master {args.master} --write` ({machine()})\n\n{text}")


if __name__ == "__main__":
    main()
