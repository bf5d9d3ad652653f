"""Emulator mode: every request to a TikTok surface (``/v2/…``) goes into the journal.

The entry is written before the answer's last chunk is passed on, so a test that has read
its answer finds the entry, whichever worker it asks next.
"""

from __future__ import annotations

import hashlib
import logging
import time
from typing import Any

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from tokstack.services.faults import ConnectionDropped
from tokstack.services.journal import MAX_BODY, Exchange, RequestJournal
from tokstack.web.body_to_file import BODY_TO_FILE, Writable

log = logging.getLogger("tokstack.emulator")
BODY_KEPT = 16 * 1024


async def journaled(
    app: ASGIApp, journal: RequestJournal, scope: Scope, receive: Receive, send: Send
) -> None:
    exchange = Exchange(
        method=scope["method"],
        path=scope["path"],
        query=scope["query_string"],
        headers=list(scope["headers"]),
        started=time.perf_counter(),
    )

    kept = False

    async def keep() -> None:
        nonlocal kept
        if kept:
            return
        kept = True
        exchange.log_id = scope.get("log_id")
        exchange.open_id = scope.get("journal_open_id")
        exchange.app_id = scope.get("journal_app_id")
        exchange.fault_ids = tuple(scope.get("fault_ids", ()))
        try:
            await journal.record(exchange)
        except Exception as exc:  # the journal must never cost the request its answer
            log.warning("could not journal %s %s: %s", exchange.method, exchange.path, exc)

    digest = hashlib.sha256() if scope["method"] == "PUT" else None  # media: size and hash
    if digest is not None:
        _hash_direct_body(scope, exchange, digest)

    async def receiving() -> Message:
        message = await receive()
        if message["type"] != "http.request":
            return message
        if digest is not None:
            piece = message.get("body", b"")
            digest.update(piece)
            exchange.body_size += len(piece)
            exchange.body_sha256 = digest.hexdigest() if not message.get("more_body") else None
        elif len(exchange.body) < BODY_KEPT:
            exchange.body += message.get("body", b"")[: BODY_KEPT - len(exchange.body)]
        return message

    async def sending(message: Message) -> None:
        if message["type"] == "http.response.start":
            exchange.status = int(message["status"])
            exchange.response_headers = list(message.get("headers", []))
        elif message["type"] == "http.response.body":
            if len(exchange.response) < MAX_BODY:
                exchange.response += message.get("body", b"")
            if not message.get("more_body", False):
                await keep()
        await send(message)

    try:
        await app(scope, receiving, sending)
    except ConnectionDropped:
        await keep()  # status 0: no answer was sent
        raise
    await keep()  # a dropped connection sent nothing (status 0); otherwise already kept


class _Hashing:
    """A file the direct body path writes to, counted and hashed on the way."""

    def __init__(self, handle: Writable, exchange: Exchange, digest: Any) -> None:
        self.handle, self.exchange, self.digest = handle, exchange, digest

    def write(self, data: bytes | bytearray, /) -> object:
        self.digest.update(data)
        self.exchange.body_size += len(data)
        return self.handle.write(data)


def _hash_direct_body(scope: Scope, exchange: Exchange, digest: Any) -> None:
    """A chunk written straight to a file (``tokstack.web.protocol``) passes no ASGI message:
    its size and hash are taken as it is written."""
    extensions = scope.get("extensions") or {}
    direct = extensions.get(BODY_TO_FILE)
    if direct is None:
        return

    async def hashed(handle: Writable, limit: int) -> int | None:
        written = await direct(_Hashing(handle, exchange, digest), limit)
        exchange.body_sha256 = digest.hexdigest()
        return written  # type: ignore[no-any-return]

    extensions[BODY_TO_FILE] = hashed  # this request's own scope: the route reads it there
