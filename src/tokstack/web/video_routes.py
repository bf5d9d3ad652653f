"""The Display API's video endpoints and the covers they link to: adapt, call, render."""

from __future__ import annotations

from typing import Any

import orjson
from starlette.requests import Request
from starlette.responses import Response

from tokstack.domain.faults import Facts
from tokstack.errors import InvalidParams
from tokstack.oauth.bearer import authenticate
from tokstack.services import videos
from tokstack.services.videos import VideoDisplay
from tokstack.web import fault_effects, render
from tokstack.web.container import Container
from tokstack.web.edge import api_v2
from tokstack.web.forms import first_values


async def _json(request: Request, required: bool) -> Any:
    raw = await request.body()
    if not raw.strip() and not required:
        return None
    try:
        return orjson.loads(raw)
    except orjson.JSONDecodeError:
        raise InvalidParams("The request body is not valid JSON.", detail="bad JSON") from None


def _display(container: Container) -> VideoDisplay:
    assert container.videos is not None  # built with every container
    return container.videos


async def _call(request: Request, container: Container, endpoint: str) -> dict[str, Any]:
    access = await authenticate(container.ctx, request.headers.get("authorization"))
    if container.faults is not None:  # emulator mode: the journal and the faults
        scope = request.scope
        scope["journal_open_id"], scope["journal_app_id"] = access.open_id, access.token.app_id
        facts = Facts(endpoint, open_id=access.open_id, app_id=access.token.app_id)
        await fault_effects.apply(container, scope, facts)
    await container.limits.api(endpoint, access.token.app_id, access.app_rate_limit)
    fields = first_values(request).get("fields")
    body = await _json(request, required=endpoint == "video.query")
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
    found = _display(container).read_cover(
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
