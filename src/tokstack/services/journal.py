"""Emulator mode's request journal: what the integrator's code sent, and what it got.

One entry per request to a TikTok surface (``/v2/…``), written before the answer's last
byte is sent, so a test that has its answer finds the entry. Secrets are redacted before
anything is kept (``domain/redaction.py``).
"""

from __future__ import annotations

import secrets
import time
from dataclasses import dataclass, field
from typing import Any, Protocol
from urllib.parse import parse_qsl

import orjson

from tokstack.domain import redaction
from tokstack.services.context import Context

ENDPOINTS = {
    "/v2/auth/authorize/": "authorize",
    "/v2/auth/authorize": "authorize",
    "/v2/auth/login/": "authorize.login",
    "/v2/auth/consent/": "authorize.consent",
    "/v2/oauth/token/": "token",
    "/v2/oauth/revoke/": "revoke",
    "/v2/user/info/": "user.info",
    "/v2/video/list/": "video.list",
    "/v2/video/query/": "video.query",
    "/v2/post/publish/creator_info/query/": "post.creator_info",
    "/v2/post/publish/video/init/": "post.video.init",
    "/v2/post/publish/inbox/video/init/": "post.inbox.init",
    "/v2/post/publish/content/init/": "post.content.init",
    "/v2/post/publish/status/fetch/": "post.status",
    "/v2/post/publish/cancel/": "post.cancel",
    "/upload/video/": "post.upload",
}
HEADERS = ("user-agent", "content-type", "authorization", "origin", "accept")
WANTED = {name.encode(): name for name in HEADERS}
MAX_BODY = 16 * 1024  # a response body kept in the journal (pages are not kept)
# answers that may hold a secret are parsed and redacted; the others are kept as they are
SECRET_NAMES = redaction.WHOLLY | redaction.PARTLY
SECRET_KEYS = tuple(f'"{key}"'.encode() for key in sorted(redaction.WHOLLY | redaction.IN_ANSWERS))


class JournalStore(Protocol):
    async def record(self, entry: dict[str, Any]) -> None: ...
    async def entries(self) -> list[dict[str, Any]]: ...
    async def clear(self) -> None: ...


@dataclass
class Exchange:
    """One request and its answer, as the edge saw them."""

    method: str
    path: str
    query: bytes
    headers: list[tuple[bytes, bytes]]
    started: float
    body: bytearray = field(default_factory=bytearray)
    status: int = 0
    response_headers: list[tuple[bytes, bytes]] = field(default_factory=list)
    response: bytearray = field(default_factory=bytearray)
    log_id: str | None = None
    open_id: str | None = None
    app_id: int | None = None  # user info knows the app by id
    fault_ids: tuple[str, ...] = ()
    body_size: int = 0  # a PUT's media: kept as its size and SHA-256, never its content
    body_sha256: str | None = None


def _pairs(raw: bytes) -> dict[str, str]:
    values: dict[str, str] = {}
    for key, value in parse_qsl(raw.decode("utf-8", "replace"), keep_blank_values=True):
        values.setdefault(key, value)  # the first value wins, as everywhere
    return values


def _json_body(body: bytearray, kind: str) -> Any:
    """A JSON request body (the Display API's), parsed; None for others, or past MAX_BODY."""
    if not body or "json" not in kind.lower() or len(body) > MAX_BODY:
        return None
    try:
        return redaction.answer(orjson.loads(bytes(body)))  # defensive: no secrets expected
    except orjson.JSONDecodeError:
        return None


def _header(headers: list[tuple[bytes, bytes]], name: bytes) -> str | None:
    for key, value in headers:
        if key == name:
            return value.decode("latin-1")
    return None


class RequestJournal:
    def __init__(self, store: JournalStore, ctx: Context) -> None:
        self.store = store
        self.ctx = ctx
        self._client_keys: dict[int, str] = {}
        self._tag, self._seq = secrets.token_hex(2), 0  # ids unique across processes

    async def _client_key(self, app_id: int) -> str | None:
        if app_id not in self._client_keys:
            async with self.ctx.store.read() as unit:
                app = await unit.apps.get(app_id)
            if app is None:
                return None
            if len(self._client_keys) > 10_000:
                self._client_keys.clear()
            self._client_keys[app_id] = app.client_key
        return self._client_keys[app_id]

    async def record(self, exchange: Exchange) -> None:
        # one pass over each header list: this runs on every emulated request
        headers: dict[str, str] = {}
        for key, value in exchange.headers:
            name = WANTED.get(key)
            if name is not None and name not in headers:
                text = value.decode("latin-1")
                headers[name] = redaction.authorization(text) if name == "authorization" else text
        kind, location = "", None
        for key, value in exchange.response_headers:
            if key == b"content-type":
                kind = value.decode("latin-1")
            elif key == b"location":
                location = value.decode("latin-1")
        query = _pairs(exchange.query) if exchange.query else {}
        form = (
            _pairs(bytes(exchange.body))
            if exchange.body and "urlencoded" in headers.get("content-type", "").lower()
            else {}
        )
        sent = _json_body(exchange.body, headers.get("content-type", ""))
        response: Any = None
        if kind.startswith("application/json"):
            raw = bytes(exchange.response[:MAX_BODY])
            if not any(k in raw for k in SECRET_KEYS):
                response = orjson.Fragment(raw)  # nothing to redact: kept as sent
            else:
                try:
                    response = redaction.answer(orjson.loads(raw))
                except orjson.JSONDecodeError:
                    response = None
        body = response if isinstance(response, dict) else {}
        self._seq += 1
        client_key = form.get("client_key") or query.get("client_key")
        if client_key is None and exchange.app_id is not None:
            client_key = await self._client_key(exchange.app_id)
        entry = {
            "id": f"req_{time.time_ns():019d}{self._tag}{self._seq % 1000:03d}",
            "time": self.ctx.clock.now(),
            "endpoint": ENDPOINTS.get(exchange.path, "other"),
            "method": exchange.method,
            "path": exchange.path,
            "query": redaction.redact(query) if query.keys() & SECRET_NAMES else query,
            "form": redaction.redact(form) if form.keys() & SECRET_NAMES else form,
            "json": sent,
            "body": (
                {"size": exchange.body_size, "sha256": exchange.body_sha256}
                if exchange.method == "PUT"
                else None
            ),
            "headers": headers,
            "status": exchange.status,
            "response": response,
            "location": redaction.url(location) if location else None,
            "log_id": exchange.log_id,
            "duration_ms": round((time.perf_counter() - exchange.started) * 1000, 3),
            "client_key": client_key,
            "open_id": exchange.open_id or body.get("open_id"),
            "fault_id": exchange.fault_ids[-1] if exchange.fault_ids else None,
        }
        await self.store.record(entry)

    async def query(
        self,
        *,
        client_key: str | None = None,
        endpoint: str | None = None,
        status: int | None = None,
        since: int | None = None,
        limit: int = 100,
    ) -> list[dict[str, Any]]:
        found = []
        for entry in await self.store.entries():
            if client_key is not None and entry.get("client_key") != client_key:
                continue
            if endpoint is not None and entry.get("endpoint") != endpoint:
                continue
            if status is not None and entry.get("status") != status:
                continue
            if since is not None and int(entry.get("time") or 0) < since:
                continue
            found.append(entry)
            if len(found) >= limit:
                break
        return found

    async def clear(self) -> None:
        await self.store.clear()

    def close(self) -> None:
        closing = getattr(self.store, "close", None)
        if closing is not None:
            closing()
