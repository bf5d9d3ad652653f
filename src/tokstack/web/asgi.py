"""Entry point for ASGI servers: ``uvicorn --factory tokstack.web.asgi:create``."""

from __future__ import annotations

from tokstack.web.app import create_app
from tokstack.web.observe import Observe


def create() -> Observe:
    return create_app()
