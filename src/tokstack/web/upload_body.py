"""A video chunk's body for ``Uploads.put``: the server's direct path into a file when it
offers one (``tokstack.web.protocol``), else ASGI's messages (another server, or a test's
in-process transport)."""

from __future__ import annotations

from typing import BinaryIO

from starlette.requests import Request

from tokstack.services.uploads import BodyWriter
from tokstack.web.body_to_file import BODY_TO_FILE


def body_writer(request: Request) -> BodyWriter:
    direct: BodyWriter | None = request.scope.get("extensions", {}).get(BODY_TO_FILE)
    if direct is not None:
        return direct

    async def from_messages(handle: BinaryIO, limit: int) -> int | None:
        received = 0
        async for piece in request.stream():
            received += len(piece)
            if received > limit:
                return None
            handle.write(piece)
        return received

    return from_messages
