"""The command that serves a model over HTTP (:mod:`paperlike.serve`, imported when it runs)."""

from __future__ import annotations

from typing import Annotated

import typer

from ..defaults import DEFAULT_MODEL
from . import render
from .options import ModelOption


def serve(
    model: ModelOption = DEFAULT_MODEL,
    host: Annotated[str, typer.Option(
        "--host", help="The address to listen on; 0.0.0.0 listens on every interface.")] = "127.0.0.1",
    port: Annotated[int, typer.Option("--port", min=0, max=65535, help="The port to listen on.")] = 8000,
) -> None:
    """Serve the model over HTTP: the same operations as JSON endpoints, with an OpenAPI description.

    Endpoints: similar, recommend, check, papers/{id}, dupes and health, described at
    /openapi.json and /docs. Needs [bold]pip install 'paperlike\\[serve]'[/bold].

    Example: [bold]paperlike serve --model models/mine --port 8000[/bold], then
    [bold]curl 'http://127.0.0.1:8000/similar?q=FastCorrect+2&k=3'[/bold]
    """
    from ..serve import run

    run(model, host, port, notice=render.notice)
