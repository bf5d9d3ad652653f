"""Entry point for ASGI servers: ``uvicorn --factory tokstack.web.asgi:create``."""

from __future__ import annotations

from starlette.applications import Starlette

from tokstack.web.app import create_app


def create() -> Starlette:
    return create_app()
