"""Shared fixtures: the bundled seed corpus, an index over it, and the small input files."""

from __future__ import annotations

from pathlib import Path

import pytest

import paperlike

FIXTURES = Path(__file__).parent / "fixtures"
GOLDEN = Path(__file__).parent / "golden"


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


def title_of(index: paperlike.PaperIndex, result_id: str) -> str | None:
    return next(r.title for r in index.records_ if r.id == result_id)
