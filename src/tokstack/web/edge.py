"""The edge: every route is wrapped here, so errors are rendered in one place."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable

from starlette.requests import Request
from starlette.responses import Response
from starlette.types import Scope

from tokstack import ids
from tokstack.deadline import within
from tokstack.errors import (
    ApiError,
    InternalError,
    ServerError,
    ServiceUnavailable,
    TemporarilyUnavailable,
)
from tokstack.logs import LOG_ID
from tokstack.services.faults import ConnectionDropped
from tokstack.storage.failures import is_unavailable
from tokstack.web import render
from tokstack.web.container import Container

NOW = "tokstack.now"  # the scope key: emulator mode's time for this request's log_id

log = logging.getLogger("tokstack.request")

Handler = Callable[[Request, Container, str], Awaitable[Response]]
Renderer = Callable[[ApiError, str], Response]
Route = Callable[[Request], Awaitable[Response]]


class Family:
    """A family of routes that render errors alike (OAuth JSON, the v2 envelope, HTML)."""

    def __init__(
        self, render_error: Renderer, fallback: type[ApiError], unavailable: type[ApiError]
    ) -> None:
        self.render_error = render_error
        self.fallback = fallback
        self.unavailable = unavailable

    async def guard(
        self,
        scope: Scope,
        call: Callable[[str], Awaitable[Response]],
        time_limit: float | None,
    ) -> Response:
        """Runs ``call(log_id)``; every failure becomes this family's error response."""
        log_id = ids.log_id(scope.get(NOW))
        reset = LOG_ID.set(log_id)
        scope["log_id"] = log_id  # for the access log, written after the response
        try:
            if time_limit is None:
                return await call(log_id)
            return await within(time_limit, call(log_id))
        except ApiError as error:
            if error.status >= 500:
                log.error("%s: %s", error.code, error.detail)
            elif error.detail:
                log.info("%s: %s", error.code, error.detail)
            return self.render_error(error, log_id)
        except ConnectionDropped:
            raise  # an emulator fault: no answer at all (see tokstack.web.fast)
        except Exception as exc:
            if is_unavailable(exc):
                log.error("backing service unavailable: %s: %s", type(exc).__name__, exc)
                return self.render_error(self.unavailable(), log_id)
            log.exception("unhandled error")
            return self.render_error(self.fallback(), log_id)
        finally:
            LOG_ID.reset(reset)

    def __call__(self, handler: Handler) -> Route:
        """Decorates a Starlette endpoint ``handler(request, container, log_id)``."""

        async def route(request: Request) -> Response:
            container: Container = request.app.state.container
            return await self.guard(
                request.scope,
                lambda log_id: handler(request, container, log_id),
                container.settings.request_budget,
            )

        route.__name__ = handler.__name__
        return route


api_v2 = Family(render.v2_error, InternalError, ServiceUnavailable)
oauth = Family(render.oauth_error, ServerError, TemporarilyUnavailable)
