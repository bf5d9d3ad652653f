"""The edge: every route is wrapped here, so errors are rendered in one place."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable

from starlette.requests import Request
from starlette.responses import Response

from tokstack import ids
from tokstack.errors import ApiError, InternalError, ServerError
from tokstack.web import render
from tokstack.web.container import Container

log = logging.getLogger("tokstack.request")

Handler = Callable[[Request, Container, str], Awaitable[Response]]
Renderer = Callable[[ApiError, str], Response]


def endpoint(
    render_error: Renderer, fallback: type[ApiError]
) -> Callable[[Handler], Callable[[Request], Awaitable[Response]]]:
    def wrap(handler: Handler) -> Callable[[Request], Awaitable[Response]]:
        async def route(request: Request) -> Response:
            log_id = ids.log_id()
            container: Container = request.app.state.container
            try:
                return await handler(request, container, log_id)
            except ApiError as error:
                if error.status >= 500:
                    log.error("%s: %s", error.code, error.detail, extra={"log_id": log_id})
                elif error.detail:
                    log.info("%s: %s", error.code, error.detail, extra={"log_id": log_id})
                return render_error(error, log_id)
            except Exception:
                log.exception("unhandled error", extra={"log_id": log_id})
                return render_error(fallback(), log_id)

        route.__name__ = handler.__name__
        return route

    return wrap


api_v2 = endpoint(render.v2_error, InternalError)
oauth = endpoint(render.oauth_error, ServerError)
