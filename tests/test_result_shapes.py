"""The documented JSON shapes of results stay as they are (tests/golden/result_shapes.json):
a field is added deliberately (and this file with it), never renamed or dropped; docs/json.md,
the page that holds the JSON shapes since the README sends details to docs/, documents each."""

from __future__ import annotations

import json

from conftest import GOLDEN

import paperlike
from paperlike.results import Feed

MODELS = {"Neighbour": paperlike.Neighbour, "PaperSummary": paperlike.PaperSummary, "Feed": Feed,
          "Similar": paperlike.Similar, "Recommendations": paperlike.Recommendations}


def test_result_fields_are_the_golden_ones_in_order():
    golden = json.loads((GOLDEN / "result_shapes.json").read_text(encoding="utf-8"))
    assert {name: list(model.model_fields) for name, model in MODELS.items()} == golden


def test_docs_json_documents_every_result_field():
    shapes = (GOLDEN.parent.parent / "docs" / "json.md").read_text(encoding="utf-8")
    for field in paperlike.Neighbour.model_fields:
        assert f'"{field}"' in shapes or f"`{field}`" in shapes, field
