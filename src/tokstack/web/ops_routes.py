"""Avatars, health, readiness and the OpenAPI document."""

from __future__ import annotations

import logging

import anyio.to_thread
from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from tokstack import ids
from tokstack.errors import InvalidRequest
from tokstack.web import render
from tokstack.web.forms import first_values

log = logging.getLogger("tokstack.ops")


async def avatar(request: Request) -> Response:
    container = request.app.state.container
    name = request.path_params["name"]
    try:
        query = first_values(request)
    except InvalidRequest:
        query = {}
    now = container.ctx.clock.now()
    found = await anyio.to_thread.run_sync(  # the blob store may be S3: off the loop
        container.ctx.avatars.read, name, query.get("x-expires", ""), query.get("x-signature", ""),
        now,
    )  # fmt: skip
    if found is None:
        return Response(b"Forbidden", status_code=403, media_type="text/plain")
    data, expires_at = found
    max_age = max(0, expires_at - now)
    return Response(
        data, media_type="image/jpeg", headers={"Cache-Control": f"public, max-age={max_age}"}
    )


async def healthz(_: Request) -> Response:
    return JSONResponse({"status": "ok"})


async def readyz(request: Request) -> Response:
    checks = await request.app.state.container.ping()
    body: dict[str, str] = {name: "up" if ok else "down" for name, ok in checks.items()}
    ready = all(checks.values())
    body["status"] = "ok" if ready else "unavailable"
    if not ready:
        log.warning("not ready: %s", body)
    return JSONResponse(body, status_code=200 if ready else 503)


async def openapi(_: Request) -> Response:
    from tokstack.web.openapi_doc import DOCUMENT  # built on the first request only

    return Response(DOCUMENT, media_type="application/json")


async def not_found(request: Request, _exc: Exception) -> Response:
    return render.unsupported_path(ids.log_id())
