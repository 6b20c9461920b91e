"""Every JSON shape tools parse stays as it is: the JSON schema of each request and result model
(``model_json_schema()``) is kept in tests/golden/schemas/, so that a change to what tools read is
deliberate. After a deliberate change: ``PAPERLIKE_UPDATE_GOLDEN=1 python -m pytest
tests/test_schemas.py`` rewrites the files, and the diff shows the change in review."""

from __future__ import annotations

import inspect
import json
import os

import pytest
from conftest import GOLDEN
from pydantic import BaseModel

from paperlike import records, requests, results

SCHEMAS = GOLDEN / "schemas"
KINDS = (records, requests, results)
BY_NAME = {name: value for module in KINDS for name, value in vars(module).items()
           if inspect.isclass(value) and issubclass(value, BaseModel) and value.__module__ == module.__name__
           and value.__name__ == name and value is not records.Model}  # Model: their base; Paper: an alias
MODELS = sorted(BY_NAME)


def test_every_model_is_kept():
    assert len(MODELS) >= 20  # the request and result models of the API, the service and the CLI
    if os.environ.get("PAPERLIKE_UPDATE_GOLDEN"):
        return
    kept = sorted(p.stem for p in SCHEMAS.glob("*.json"))
    assert kept == MODELS, "a model was added or removed: update the golden schemas (see the docstring)"


@pytest.mark.parametrize("name", MODELS)
def test_json_schema_is_the_golden_one(name):
    schema = BY_NAME[name].model_json_schema()
    path = SCHEMAS / f"{name}.json"
    if os.environ.get("PAPERLIKE_UPDATE_GOLDEN"):
        SCHEMAS.mkdir(exist_ok=True)
        path.write_text(json.dumps(schema, indent=1, sort_keys=True, ensure_ascii=False) + "\n", encoding="utf-8")
    assert schema == json.loads(path.read_text(encoding="utf-8")), f"{name}'s JSON shape changed"
