"""The Display API's video endpoints and the covers they link to: adapt, call, render."""

from __future__ import annotations

from typing import Any

import anyio.to_thread
from starlette.requests import Request
from starlette.responses import Response

from tokstack.services import videos
from tokstack.services.videos import VideoDisplay
from tokstack.web import render
from tokstack.web.api_calls import authorized, read_json
from tokstack.web.container import Container
from tokstack.web.edge import api_v2
from tokstack.web.forms import first_values


def _display(container: Container) -> VideoDisplay:
    assert container.videos is not None  # built with every container
    return container.videos


async def _call(request: Request, container: Container, endpoint: str) -> dict[str, Any]:
    access = await authorized(request, container, endpoint)
    await container.limits.api(endpoint, access.token.app_id, access.app_rate_limit)
    fields = first_values(request).get("fields")
    body = await read_json(request, required=endpoint == "video.query")
    serve = videos.listing if endpoint == "video.list" else videos.query
    return await serve(container.ctx, _display(container), access, fields, body)


@api_v2
async def video_list(request: Request, container: Container, log_id: str) -> Response:
    return render.v2_ok(await _call(request, container, "video.list"), log_id)


@api_v2
async def video_query(request: Request, container: Container, log_id: str) -> Response:
    return render.v2_ok(await _call(request, container, "video.query"), log_id)


async def cover(request: Request) -> Response:
    container: Container = request.app.state.container
    query = first_values(request)
    found = await anyio.to_thread.run_sync(  # the blob store may be S3: off the loop
        _display(container).read_cover,
        request.path_params["name"],
        query.get("x-expires", ""),
        query.get("x-signature", ""),
        container.ctx.clock.now(),
    )
    if found is None:
        return Response(b"Forbidden", status_code=403, media_type="text/plain")
    return Response(
        found, media_type="image/jpeg", headers={"Cache-Control": "public, max-age=3600"}
    )
