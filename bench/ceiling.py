"""The ceiling: a raw ASGI app answering every request with one fixed JSON body.

The body is a real ``/v2/user/info/`` response captured by the harness (same size, same
headers), read from the file named by ``BENCH_CEILING_BODY``. Run it with
``uvicorn bench.ceiling:app --lifespan off``.
"""

from __future__ import annotations

import os
from collections.abc import Awaitable, Callable, MutableMapping
from pathlib import Path
from typing import Any

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]

BODY = Path(os.environ["BENCH_CEILING_BODY"]).read_bytes()
START: Message = {
    "type": "http.response.start",
    "status": 200,
    "headers": [
        (b"content-type", b"application/json"),
        (b"content-length", str(len(BODY)).encode()),
        (b"x-tt-logid", b"2026010100000000000000000000000000"),
    ],
}
RESPONSE: Message = {"type": "http.response.body", "body": BODY}


async def app(
    scope: Scope,
    receive: Callable[[], Awaitable[Message]],
    send: Callable[[Message], Awaitable[None]],
) -> None:
    if scope["type"] != "http":
        return
    await send(START)
    await send(RESPONSE)
