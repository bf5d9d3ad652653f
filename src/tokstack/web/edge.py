"""The edge: every route is wrapped here, so errors are rendered in one place."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable

from starlette.requests import Request
from starlette.responses import Response

from tokstack import ids
from tokstack.errors import (
    ApiError,
    InternalError,
    ServerError,
    ServiceUnavailable,
    TemporarilyUnavailable,
)
from tokstack.logs import LOG_ID
from tokstack.storage.failures import UNAVAILABLE
from tokstack.web import render
from tokstack.web.container import Container

log = logging.getLogger("tokstack.request")

Handler = Callable[[Request, Container, str], Awaitable[Response]]
Renderer = Callable[[ApiError, str], Response]
Route = Callable[[Request], Awaitable[Response]]


def endpoint(
    render_error: Renderer, fallback: type[ApiError], unavailable: type[ApiError]
) -> Callable[[Handler], Route]:
    def wrap(handler: Handler) -> Route:
        async def route(request: Request) -> Response:
            log_id = ids.log_id()
            reset = LOG_ID.set(log_id)
            request.scope["log_id"] = log_id  # for the access log, written after the response
            container: Container = request.app.state.container
            try:
                async with asyncio.timeout(container.settings.request_timeout):
                    return await handler(request, container, log_id)
            except ApiError as error:
                if error.status >= 500:
                    log.error("%s: %s", error.code, error.detail)
                elif error.detail:
                    log.info("%s: %s", error.code, error.detail)
                return render_error(error, log_id)
            except UNAVAILABLE as exc:
                log.error("backing service unavailable: %s: %s", type(exc).__name__, exc)
                return render_error(unavailable(), log_id)
            except Exception:
                log.exception("unhandled error")
                return render_error(fallback(), log_id)
            finally:
                LOG_ID.reset(reset)

        route.__name__ = handler.__name__
        return route

    return wrap


api_v2 = endpoint(render.v2_error, InternalError, ServiceUnavailable)
oauth = endpoint(render.oauth_error, ServerError, TemporarilyUnavailable)
