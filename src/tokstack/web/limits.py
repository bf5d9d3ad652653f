"""Per-route request body limits, enforced while the body is read.

A body declared (Content-Length) or found (while streaming) to be over its route's limit
raises ``RequestTooLarge`` from ``receive``: the route's error guard renders it as a 413 in
that route's own shape, and the connection is closed after the answer so the rest of the
body is never read. GET and HEAD requests are passed through untouched (the user-info path).
"""

from __future__ import annotations

from starlette.types import Message, Receive, Scope, Send

from tokstack.errors import RequestTooLarge

FORM_LIMIT = 16 * 1024  # token, revoke, login, consent, portal, account and Minis forms
UPLOAD_LIMIT = 10 * 1024 * 1024 + 64 * 1024  # a 10 MB image plus the multipart envelope
UPLOAD_PATHS = ("/account/avatar",)
UPLOAD_SUFFIX = "/icon"  # /portal/apps/{key}/icon
SEED_LIMIT = 32 * 1024 * 1024  # a seed document with a few avatars as data: URLs
SEED_PATH = "/_tokstack/seed"  # exists in emulator mode only
VIDEO_LIMIT = 256 * 1024 * 1024  # a video uploaded on the account page
VIDEO_PATH = "/account/videos"
CHUNK_PATH = "/upload/video/"  # the Content Posting API's upload_url
CHUNK_LIMIT = 128 * 1024 * 1024  # TikTok's largest chunk (the last one)


def body_limit(path: str) -> int:
    if path in UPLOAD_PATHS or (path.startswith("/portal/apps/") and path.endswith(UPLOAD_SUFFIX)):
        return UPLOAD_LIMIT
    if path == SEED_PATH:
        return SEED_LIMIT
    if path == CHUNK_PATH:
        return CHUNK_LIMIT
    if path == VIDEO_PATH:
        return VIDEO_LIMIT
    return FORM_LIMIT


def _declared_length(scope: Scope) -> int | None:
    for name, value in scope["headers"]:
        if name == b"content-length":
            try:
                return int(value)
            except ValueError:
                return None
    return None


def bounded(scope: Scope, receive: Receive, send: Send) -> tuple[Receive, Send]:
    """``receive`` that refuses a body over the route's limit, and a ``send`` that then
    closes the connection after the answer."""
    limit = body_limit(scope["path"])
    tripped = False
    declared = _declared_length(scope)
    received = 0

    def too_large() -> RequestTooLarge:
        nonlocal tripped
        tripped = True
        return RequestTooLarge(
            f"The request body is too large: at most {limit} bytes are accepted here.",
            detail=f"body over {limit} bytes on {scope['path']}",
        )

    async def bounded_receive() -> Message:
        nonlocal received
        if declared is not None and declared > limit:
            raise too_large()
        message = await receive()
        if message["type"] == "http.request":
            received += len(message.get("body", b""))
            if received > limit:
                raise too_large()
        return message

    async def closing_send(message: Message) -> None:
        if tripped and message["type"] == "http.response.start":
            message = {
                **message,
                "headers": [*message.get("headers", []), (b"connection", b"close")],
            }
        await send(message)

    return bounded_receive, closing_send
