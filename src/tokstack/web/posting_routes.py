"""The Content Posting API's endpoints and the upload URL's PUT: adapt, call, render."""

from __future__ import annotations

from typing import Any

import orjson
from starlette.requests import Request
from starlette.responses import Response

from tokstack.domain import posting as rules
from tokstack.services import photo_posts
from tokstack.services.posting import Posting
from tokstack.web import render
from tokstack.web.api_calls import authorized, read_json
from tokstack.web.container import Container
from tokstack.web.edge import api_v2
from tokstack.web.forms import first_values
from tokstack.web.upload_body import body_writer

# per access token, per minute (TikTok's limits for these endpoints)
LIMITS = {
    "post.creator_info": 20,
    "post.video.init": 6,
    "post.inbox.init": 6,
    "post.content.init": 6,
    "post.status": 30,
    "post.cancel": 30,
}
UPLOAD_BUDGET = 900.0  # a 128 MB chunk on a slow link


def _posting(container: Container) -> Posting:
    assert container.posting is not None  # built with every container
    return container.posting


async def _call(request: Request, container: Container, endpoint: str) -> dict[str, Any]:
    access = await authorized(request, container, endpoint)
    await container.limits.per_token(endpoint, access.token.digest, LIMITS[endpoint])
    posting = _posting(container)
    if endpoint == "post.creator_info":
        return await posting.creator_info(access)
    body = await read_json(request, required=True)
    if endpoint == "post.video.init":
        return await posting.init(access, body, rules.DIRECT_POST)
    if endpoint == "post.inbox.init":
        return await posting.init(access, body, rules.INBOX_SHARE)
    if endpoint == "post.content.init":
        return await photo_posts.init(posting, access, body)
    if endpoint == "post.status":
        return await posting.status(access, body)
    return await posting.cancel(access, body)


def _endpoint(name: str) -> Any:
    @api_v2
    async def route(request: Request, container: Container, log_id: str) -> Response:
        return render.v2_ok(await _call(request, container, name), log_id)

    route.__name__ = name.replace(".", "_")
    return route


creator_info = _endpoint("post.creator_info")
video_init = _endpoint("post.video.init")
inbox_init = _endpoint("post.inbox.init")
content_init = _endpoint("post.content.init")
status_fetch = _endpoint("post.status")
cancel = _endpoint("post.cancel")


async def upload(request: Request) -> Response:
    """``PUT {upload_url}`` with ``Content-Range``: 206 after a middle chunk, 201 after the
    last; 400 malformed, 403 expired or closed, 416 out of order."""
    container: Container = request.app.state.container

    async def put(log_id: str) -> Response:
        query = first_values(request)
        transfer = await _posting(container).uploads.put(
            query.get("upload_id", ""),
            query.get("upload_token", ""),
            request.headers.get("content-range"),
            request.headers.get("content-length"),
            body_writer(request),
        )
        if transfer.status in (201, 206):
            return Response(status_code=transfer.status, headers={"x-tt-logid": log_id})
        error = {"code": transfer.code, "message": transfer.message, "log_id": log_id}
        return Response(
            orjson.dumps({"error": error}),
            status_code=transfer.status,
            media_type="application/json",
            headers={"x-tt-logid": log_id},
        )

    return await api_v2.guard(request.scope, put, UPLOAD_BUDGET)
