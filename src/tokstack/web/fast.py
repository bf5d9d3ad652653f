"""The hot path without framework machinery.

``GET /v2/user/info/`` is called on every login and many page views, so it skips Starlette's
middleware stack and router: the same edge-wrapped handler is called directly with a
``Request`` over the raw scope. Every other request goes through Starlette.
"""

from __future__ import annotations

from starlette.applications import Starlette
from starlette.datastructures import State
from starlette.requests import Request
from starlette.types import Receive, Scope, Send

from tokstack.web import api_routes

FAST_ROUTES = {("GET", "/v2/user/info/"): api_routes.user_info}


class Tokstack:
    """The ASGI application: the fast routes, then Starlette for everything else."""

    def __init__(self, app: Starlette) -> None:
        self.app = app

    @property
    def state(self) -> State:
        return self.app.state

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            handler = FAST_ROUTES.get((scope["method"], scope["path"]))
            if handler is not None:
                scope["app"] = self.app
                scope["endpoint"] = handler
                response = await handler(Request(scope, receive))
                await response(scope, receive, send)
                return
        await self.app(scope, receive, send)
