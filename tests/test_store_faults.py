"""Faults around saving a model: a full disk, an unwritable place, stale staging folders, a
second writer, and bit rot after the first load (issue 19, defects 1, 5, 6 and 7)."""

from __future__ import annotations

import errno
import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest
from typer.testing import CliRunner

import paperlike
from paperlike import store
from paperlike.cli import app
from paperlike.errors import ModelError

# -- a full disk, an unwritable place (defect 5) ------------------------------------------------

@pytest.fixture
def small_disk(tmp_path):
    """A 2 MB tmpfs (the seed model takes ~0.35 MB), unmounted afterwards; skipped where this
    process may not mount one (not root, no mount(8), a container without CAP_SYS_ADMIN)."""
    mount = tmp_path / "disk"
    mount.mkdir()
    try:
        done = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=2m", "tmpfs", str(mount)],
                              capture_output=True, text=True, timeout=30)
    except (OSError, subprocess.TimeoutExpired) as exc:
        pytest.skip(f"cannot mount a small tmpfs here ({exc})")
    if done.returncode != 0:
        pytest.skip(f"cannot mount a small tmpfs here ({done.stderr.strip() or done.returncode})")
    try:
        yield mount
    finally:
        subprocess.run(["umount", "-l", str(mount)], capture_output=True, timeout=30)


def _fill(folder: Path) -> None:
    """Fill the file system of folder up to its last byte."""
    fd = os.open(folder / "filler", os.O_WRONLY | os.O_CREAT, 0o644)
    try:
        for size in (1 << 16, 1):
            while True:
                try:
                    os.write(fd, b"\0" * size)
                except OSError as exc:
                    assert exc.errno == errno.ENOSPC
                    break
    finally:
        os.close(fd)


def test_a_full_disk_is_one_line_and_the_old_model_is_intact(small_disk, seed_index):
    model = small_disk / "m"
    paperlike.save_index(seed_index, model)
    before = {p.name: p.read_bytes() for p in model.iterdir()}
    _fill(small_disk)
    with pytest.raises(ModelError) as caught:
        paperlike.save_index(seed_index, model)
    message = str(caught.value)
    assert "\n" not in message and "No space left on device" in message
    assert "the old model is intact" in message and str(model) in message
    assert {p.name: p.read_bytes() for p in model.iterdir()} == before
    assert sorted(p.name for p in small_disk.iterdir()) == ["filler", "m"]  # no staging left
    (small_disk / "filler").unlink()
    assert paperlike.load_index(model).similar("SoftCorrect", k=1).results


def test_a_full_disk_on_the_command_line_is_one_line(small_disk, seed_model):
    model = shutil.copytree(seed_model, small_disk / "m")
    _fill(small_disk)
    done = subprocess.run([sys.executable, "-m", "paperlike", "add", str(Path(__file__).parent / "fixtures"
                                                                              / "versions.jsonl"),
                           "--model", str(model)], capture_output=True, text=True, timeout=300)
    assert done.returncode == 1, done.stderr
    assert done.stderr.count("\n") == 1 and "Traceback" not in done.stderr
    assert "No space left on device" in done.stderr and "the old model is intact" in done.stderr
    (small_disk / "filler").unlink()
    assert len(paperlike.load_index(model).records_) == 62


def test_a_failed_write_is_one_line_when_no_disk_can_be_mounted(model_copy, seed_index, monkeypatch):
    """The same as the tmpfs tests, with ENOSPC simulated, so that every platform runs it."""
    before = (model_copy / "manifest.json").read_bytes()

    def full(*args, **kwargs):
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    monkeypatch.setattr(np, "save", full)
    with pytest.raises(ModelError, match="No space left on device.*the old model is intact"):
        paperlike.save_index(seed_index, model_copy)
    assert (model_copy / "manifest.json").read_bytes() == before
    assert [p.name for p in model_copy.parent.iterdir()] == ["copy"]


@pytest.mark.parametrize("where", ["/proc/x", "/proc/x/y", "/sys/x"])
def test_an_unwritable_model_folder_is_one_line(seed_index, where):
    with pytest.raises(ModelError, match="cannot save the model") as caught:
        paperlike.save_index(seed_index, where)
    assert "\n" not in str(caught.value) and "--model" in str(caught.value)


@pytest.mark.parametrize("where", ["/proc/x", "/sys/x"])
def test_index_into_an_unwritable_place_fails_at_once_with_one_line(tmp_path, where):
    done = subprocess.run([sys.executable, "-m", "paperlike", "index", "--model", where],
                          capture_output=True, text=True, timeout=120, cwd=tmp_path)
    assert done.returncode == 1
    assert done.stderr.startswith(f"paperlike: error: {where}: ") and done.stderr.count("\n") == 1
    assert "--model" in done.stderr and "Traceback" not in done.stderr


# -- stale staging folders (defect 6) -----------------------------------------------------------

def _dead_pid() -> int:
    child = subprocess.Popen([sys.executable, "-c", "pass"])
    child.wait()
    return child.pid


def test_save_removes_staging_folders_of_processes_that_are_gone(model_copy, seed_index):
    parent = model_copy.parent
    stale = parent / f".copy.tmp-{_dead_pid()}"
    live = parent / f".copy.tmp-{os.getppid()}"  # a live process's: it may be saving right now
    other = parent / f".other.tmp-{_dead_pid()}"  # another model's: not this save's business
    odd = parent / ".copy.tmp-notapid"
    for folder in (stale, live, other, odd):
        folder.mkdir()
        (folder / "records.jsonl").write_text("{}\n")
    paperlike.save_index(seed_index, model_copy)
    assert not stale.exists()
    assert live.exists() and other.exists() and odd.exists()
    assert paperlike.load_index(model_copy).similar("SoftCorrect", k=1).results


def test_pid_zero_and_negative_pids_are_never_taken_for_processes(model_copy, seed_index):
    """os.kill(0, ...) and os.kill(-1, ...) address process groups: such names are left alone."""
    names = (".copy.tmp-0", ".copy.tmp--1", ".copy.tmp-99999999999999999999", ".copy.tmp-\u0663")
    for name in names:
        (model_copy.parent / name).mkdir()
    paperlike.save_index(seed_index, model_copy)
    assert all((model_copy.parent / name).exists() for name in names)


# -- the lock's holder (defect 1) ---------------------------------------------------------------

_HOLD = """
import sys, time
from paperlike import store
with store.writing(sys.argv[1]):
    print("held", flush=True)
    sys.stdin.readline()
"""


def test_a_second_writer_is_told_which_process_holds_the_lock(tmp_path):
    model = tmp_path / "m"
    holder = subprocess.Popen([sys.executable, "-c", _HOLD, str(model)], stdin=subprocess.PIPE,
                              stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline() == "held\n"
        notices = []
        with pytest.raises(ModelError) as caught:
            with store.writing(model, notice=notices.append, timeout=0.5):
                pass
        assert notices == [f"{model}: the model is being written by process {holder.pid}; "
                           "waiting for it to finish (up to 0.5 s)"]
        assert str(caught.value) == (f"{model}: the model is being written by process {holder.pid}, "
                                     "still after 0.5 s; try again when it has finished")
    finally:
        holder.communicate("\n", timeout=60)
    assert holder.returncode == 0
    with store.writing(model, timeout=1):  # free again, and the holder's pid is gone with it
        assert (tmp_path / ".m.lock.pid").read_text().strip() == str(os.getpid())
    assert not (tmp_path / ".m.lock.pid").exists()


def test_a_holder_that_was_killed_left_a_pid_that_is_not_blamed(tmp_path):
    """A pid file left by a killed holder names a process that is gone: the notice does not
    blame it (the lock itself was released by the kernel)."""
    (tmp_path / ".m.lock.pid").write_text(f"{_dead_pid()}\n")
    with store.writing(tmp_path / "m", timeout=1):
        assert (tmp_path / ".m.lock.pid").read_text().strip() == str(os.getpid())
    assert store._holder(tmp_path / "m") is None


# -- bit rot after the first load (defect 7) ----------------------------------------------------

def _flip_in_place(path: Path, at: int = -1) -> None:
    """Flip one byte of a file where it lies (same inode, same size) and put its modification
    time back, as bit rot or a careless tool would leave it."""
    st = path.stat()
    with path.open("r+b") as f:
        f.seek(at, os.SEEK_END if at < 0 else os.SEEK_SET)
        byte = f.read(1)
        f.seek(-1, os.SEEK_CUR)
        f.write(bytes([byte[0] ^ 0x01]))
    os.utime(path, ns=(st.st_atime_ns, st.st_mtime_ns))
    after = path.stat()
    assert (after.st_size, after.st_mtime_ns, after.st_ino) == (st.st_size, st.st_mtime_ns, st.st_ino)


def test_a_byte_flipped_in_place_with_the_mtime_restored_is_caught(model_copy):
    paperlike.load_index(model_copy)  # verified, and remembered in .verified
    assert (model_copy / ".verified").exists()
    time.sleep(0.05)  # past the file system's clock tick, so that the ctime moves
    _flip_in_place(model_copy / "idf.npy")
    with pytest.raises(ModelError, match="idf.npy: damaged"):
        paperlike.load_index(model_copy)


def test_verify_hashes_every_file_whatever_the_cache_says(model_copy):
    """A cache fooled (here: its stamp rewritten over a damaged file) lets load through;
    verify hashes every file now and finds it."""
    assert paperlike.verify(model_copy).ok
    _flip_in_place(model_copy / "X_data.npy", at=-3)
    manifest = store.read_manifest(model_copy)
    (model_copy / ".verified").write_bytes(store._stamp(model_copy, manifest))
    paperlike.load_index(model_copy)  # trusts the cache
    report = paperlike.verify(model_copy)
    assert not report.ok and report.files == len(manifest["files"]) + 1
    assert report.problems == [f"{model_copy / 'X_data.npy'}: damaged (checksum differs from the manifest)"]
    assert not (model_copy / ".verified").exists()  # the cache that was fooled is dropped
    with pytest.raises(ModelError, match="X_data.npy: damaged"):
        paperlike.load_index(model_copy)


def test_verify_on_the_command_line(model_copy, tmp_path):
    def verify(*args, model=model_copy):
        return CliRunner().invoke(app, ["verify", "--model", str(model), *args])

    done = verify()
    assert done.exit_code == 0 and done.stdout.count("\n") == 1
    assert done.stdout.startswith(f"{model_copy}: intact: 37 files, ")
    (model_copy / "vocabulary.json").unlink()
    _flip_in_place(model_copy / "idf.npy")
    done = verify("--json")
    report = json.loads(done.stdout)
    assert done.exit_code == 1 and report["ok"] is False and report["files"] == 37
    assert [p.rsplit("/", 1)[1] for p in report["problems"]] == [
        "vocabulary.json: missing from the model", "idf.npy: damaged (checksum differs from the manifest)"]
    done = verify()
    assert done.exit_code == 1 and done.stdout.count("\n") == 1 and done.stderr == ""
    assert done.stdout.startswith(f"{model_copy}: damaged: ")
    done = verify(model=tmp_path / "none")
    assert done.exit_code == 1 and "no such model folder" in done.stdout and not (tmp_path / "none").exists()
