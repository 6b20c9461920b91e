"""Shared fixtures: the bundled seed corpus, an index over it, a saved model of it (and a copy
a test may change), and the small input files."""

from __future__ import annotations

import importlib.util
import shutil
from pathlib import Path

import pytest

import paperlike

FIXTURES = Path(__file__).parent / "fixtures"
GOLDEN = Path(__file__).parent / "golden"
SCRIPTS = Path(__file__).resolve().parents[1] / "scripts"


def load_script(name: str):
    """A script of scripts/ (not a package) imported as a module, for its tests."""
    spec = importlib.util.spec_from_file_location(name, SCRIPTS / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="session")
def seed_corpus() -> paperlike.Corpus:
    return paperlike.read_records(paperlike.seed_paths())


@pytest.fixture(scope="session")
def seed_index(seed_corpus) -> paperlike.PaperIndex:
    return paperlike.build_index(seed_corpus)


@pytest.fixture(scope="session")
def seed_model(seed_index, tmp_path_factory) -> Path:
    """A saved model of the seeds; tests must not modify it (copy it first)."""
    return paperlike.save_index(seed_index, tmp_path_factory.mktemp("models") / "seeds")


@pytest.fixture
def model_copy(seed_model, tmp_path) -> Path:
    """A copy of the seed model that a test may change."""
    return shutil.copytree(seed_model, tmp_path / "copy")


def title_of(index: paperlike.PaperIndex, result_id: str) -> str | None:
    return next(r.title for r in index.records_ if r.id == result_id)


def run(*args):
    """A paperlike command run in this process (typer's CliRunner); arguments may be paths."""
    from typer.testing import CliRunner

    from paperlike.cli import app

    return CliRunner().invoke(app, [str(a) for a in args])
