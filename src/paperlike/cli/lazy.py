"""The modules the commands call, imported at the first use of one of their names.

``paperlike --version`` and ``--help`` build every command's options but run none: they need
typer and :mod:`paperlike.defaults`, not the API, pydantic, numpy, the readers or rich's
tables (tests/test_startup.py checks it). A command imports what it calls, through these.
"""

from __future__ import annotations

import importlib
from typing import Any


class Later:
    """A module imported at the first use of one of its names."""

    def __init__(self, name: str) -> None:
        self._name = name

    def __getattr__(self, attr: str) -> Any:
        return getattr(importlib.import_module(self._name), attr)


api = Later("paperlike.api")
record_models = Later("paperlike.records")
requests = Later("paperlike.requests")
results = Later("paperlike.results")
sources = Later("paperlike.sources")
rules = Later("paperlike.dedup.rules")
output = Later("paperlike.output")
export = Later("paperlike.export")
zotero = Later("paperlike.sources.zotero")
rich_table = Later("rich.table")
