"""The hot path without framework machinery.

``GET /v2/user/info/`` is called on every login and many page views, so it is served straight
from the ASGI scope: no middleware stack, no router, no ``Request``. It runs the same
function as the Starlette route, inside the same error guard. It has no per-request timer:
its only waits are storage calls, each bounded by the database and Redis timeouts.
"""

from __future__ import annotations

import logging
from urllib.parse import unquote_plus

from starlette.applications import Starlette
from starlette.datastructures import State
from starlette.types import Receive, Scope, Send

from tokstack import ids
from tokstack.services.emulated_time import ClockControl
from tokstack.services.faults import ConnectionDropped
from tokstack.services.uploads import UPLOAD_PATH
from tokstack.web import api_routes, fault_effects, limits, render
from tokstack.web.container import Container
from tokstack.web.edge import NOW, api_v2
from tokstack.web.journal_capture import journaled

USER_INFO = "/v2/user/info/"
log = logging.getLogger("tokstack.emulator")


def _header(scope: Scope, name: bytes) -> str | None:
    for key, value in scope["headers"]:
        if key == name:
            return str(value.decode("latin-1"))
    return None


def _query_value(scope: Scope, name: bytes) -> str | None:
    """The first ``name=`` value of the query string (percent-decoded only when needed)."""
    prefix = name + b"="
    for part in scope["query_string"].split(b"&"):
        if part.startswith(prefix):
            value = part[len(prefix) :].decode("latin-1")
            return unquote_plus(value) if "%" in value or "+" in value else value
        if part == name:
            return ""
    return None


class Tokstack:
    """The ASGI application: the fast route, then Starlette for everything else."""

    def __init__(self, app: Starlette) -> None:
        self.app = app
        self._emulator: Container | bool | None = None  # False outside emulator mode

    @property
    def state(self) -> State:
        return self.app.state

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if self._emulator is not False and scope["type"] == "http":
            if self._emulator is None:  # first request: the container is built by now
                built: Container = self.app.state.container
                self._emulator = built if built.world is not None else False
            if isinstance(self._emulator, Container):
                await self._emulated(self._emulator, scope, receive, send)
                return
        await self._serve(scope, receive, send)

    async def _emulated(
        self, container: Container, scope: Scope, receive: Receive, send: Send
    ) -> None:
        """Emulator mode: this worker's clock caught up, TikTok's surfaces journaled."""
        if container.clock_control is not None:
            await _catch_up(container.clock_control)
            scope[NOW] = container.ctx.clock.now()  # log_id timestamps on the emulated time
        path = scope["path"]
        if container.journal is not None and (path.startswith("/v2/") or path == UPLOAD_PATH):
            await journaled(self._serve, container.journal, scope, receive, send)
        else:
            await self._serve(scope, receive, send)

    async def _serve(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and scope["path"] == USER_INFO and scope["method"] == "GET":
            scope["endpoint"] = api_routes.user_info  # names the route in metrics
            container: Container = self.app.state.container
            authorization = _header(scope, b"authorization")
            fields = _query_value(scope, b"fields")
            try:
                response = await api_v2.guard(
                    scope,
                    lambda log_id: api_routes.user_info_response(
                        container, authorization, fields, log_id, scope
                    ),
                    None,
                )
            except ConnectionDropped:
                if _dropped(scope):
                    return
                raise
            await response(scope, receive, send)
            return
        if scope["type"] == "http" and "\x00" in scope["path"]:
            # the gateway's answer to a path no route can have; PostgreSQL could not look it up
            await render.unsupported_path(ids.log_id(scope.get(NOW)))(scope, receive, send)
            return
        if scope["type"] == "http" and scope["method"] not in ("GET", "HEAD"):
            receive, send = limits.bounded(scope, receive, send)
        try:
            await self.app(scope, receive, send)
        except ConnectionDropped:
            if not _dropped(scope):
                raise  # in process (no socket to close): the client sees the exception


async def _catch_up(clock: ClockControl) -> None:
    """Emulator mode: this worker's clock as the control API last set it."""
    try:
        await clock.refresh()
    except Exception as exc:  # storage down: the request fails on its own, in its shape
        log.warning("could not read the emulated clock: %s", exc)


def _dropped(scope: Scope) -> bool:
    """Whether a drop fault closed the real connection (then there is nothing to send)."""
    return fault_effects.DROP in scope.get("extensions", {})
