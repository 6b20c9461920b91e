"""``kill -9`` of ``paperlike index`` and ``paperlike add`` at several moments: the model then
loads and answers as it did before the write, or as after it, never anything in between."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time

import pytest

import paperlike
from paperlike import api

# The moments to kill at, in seconds after the start: while Python imports, while records are
# read and vectorised, while the model is saved, and after the write has ended.
MOMENTS = (0.5, 1.5, 3.0)


def _records(n: int, tag: str) -> list[dict]:
    return [{"id": f"{tag}-{i}", "title": f"Paper {tag} {i} on graph kernels {i % 37} and attention {i % 11}",
             "summary": f"We study graph kernels of kind {i % 37} with attention of order {i % 11} "
                        f"on {tag} benchmarks, number {i}."} for i in range(n)]


@pytest.fixture()
def setup(tmp_path):
    model = tmp_path / "m"
    base = tmp_path / "base.jsonl"
    base.write_text("\n".join(json.dumps(r) for r in _records(300, "base")) + "\n", encoding="utf-8")
    more = tmp_path / "more.jsonl"
    more.write_text("\n".join(json.dumps(r) for r in _records(1500, "more")) + "\n", encoding="utf-8")
    api.rebuild(model, paperlike.read_records([base]))
    return model, base, more


def _state(model) -> tuple[int, list[str]]:
    index = paperlike.load_index(model)
    return len(index.records_), [n.id for n in index.similar("graph kernels and attention", k=5).results]


@pytest.mark.parametrize("command", ["add", "index"])
def test_a_killed_writer_leaves_the_old_model_or_the_new_one(setup, command):
    model, base, more = setup
    before = _state(model)
    args = [sys.executable, "-m", "paperlike", command, str(more), "--model", str(model)]
    finished = subprocess.run(args, capture_output=True, timeout=120, cwd=model.parent)
    assert finished.returncode == 0, finished.stderr
    after = _state(model)
    assert after != before
    outcomes = set()
    for moment in MOMENTS:
        api.rebuild(model, paperlike.read_records([base]))  # back to the model before the write
        writer = subprocess.Popen(args, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, cwd=model.parent)
        time.sleep(moment)
        if writer.poll() is None:
            os.kill(writer.pid, signal.SIGKILL)
        writer.wait(timeout=60)
        state = _state(model)
        assert state in (before, after), f"killed at {moment} s: the model is neither the old nor the new one"
        outcomes.add("before" if state == before else "after")
    assert "before" in outcomes  # at least one kill landed before the new model was in place
    # the next save removes what the killed writers left beside the model
    api.rebuild(model, paperlike.read_records([base]))
    assert not [p for p in model.parent.iterdir() if p.name.startswith(f".{model.name}.tmp-")]
