"""Emulator-mode faults: the rules a test sets, shared by every worker and node.

Rules live in the database (``FaultStore``). Each worker keeps a copy and reloads it when the
change signal moves: a control call notifies the signal before it answers (on one machine
through the signal file, across nodes through Redis with every node acknowledging), so the
very next request, on any worker, sees the change. Hits are counted in the database, so a
rule for the next N requests fires exactly N times across all workers.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import orjson

from tokstack.domain.faults import (
    API_ENDPOINTS,
    MAX_RULES,
    Facts,
    FaultRule,
    parse_rule,
    rule_from_json,
)
from tokstack.domain.posting import POSTING_ERRORS
from tokstack.errors import (
    AccessDenied,
    AccessTokenInvalid,
    ApiError,
    InternalError,
    InvalidClient,
    InvalidGrant,
    InvalidParams,
    InvalidRequest,
    InvalidScope,
    PostingRefused,
    RateLimitExceeded,
    ScopeNotAuthorized,
    ServerError,
    SlowDown,
    TemporarilyUnavailable,
    UnauthorizedClient,
    UnsupportedGrantType,
    UnsupportedResponseType,
    ValidationError,
)
from tokstack.services.access_cache import ChangeSignal
from tokstack.services.context import Context
from tokstack.storage.ports import FaultStore

_OAUTH: dict[str, Callable[[], ApiError]] = {
    "access_denied": AccessDenied,
    "invalid_client": InvalidClient,
    "invalid_grant": InvalidGrant,
    "invalid_request": InvalidRequest,
    "invalid_scope": InvalidScope,
    "rate_limit_exceeded": SlowDown,
    "server_error": ServerError,
    "temporarily_unavailable": TemporarilyUnavailable,
    "unauthorized_client": UnauthorizedClient,
    "unsupported_grant_type": UnsupportedGrantType,
    "unsupported_response_type": UnsupportedResponseType,
}
_API_V2: dict[str, Callable[[], ApiError]] = {
    "access_token_invalid": AccessTokenInvalid,
    "internal_error": InternalError,
    "invalid_params": InvalidParams,
    "rate_limit_exceeded": RateLimitExceeded,
    "scope_not_authorized": ScopeNotAuthorized,
}


class ConnectionDropped(Exception):
    """A ``drop`` fault: the connection is closed with no answer (never rendered)."""


@dataclass(frozen=True)
class Outcome:
    """What the matching rules ask of one request: a delay, then maybe an error or a drop."""

    latency_ms: int
    rule: FaultRule | None  # the error or drop rule that fired, if any
    fault_ids: tuple[str, ...]


def error_for(rule: FaultRule) -> ApiError:
    """The error TikTok sends for ``rule.error`` on its endpoint, with the rule's overrides."""
    assert rule.error is not None
    table = _API_V2 if rule.endpoint in API_ENDPOINTS else _OAUTH
    posting = POSTING_ERRORS.get(rule.error)
    error = (
        PostingRefused(rule.error, posting, "The request was refused (an emulator fault).")
        if posting is not None
        else table[rule.error]()
    )
    if rule.retry_after is not None and isinstance(error, SlowDown | RateLimitExceeded):
        error.retry_after = rule.retry_after
    if rule.status is not None:
        error.status = rule.status
    if rule.message is not None:
        error.description = rule.message
    error.detail = f"fault {rule.id}"
    return error


class Faults:
    def __init__(self, ctx: Context, store: FaultStore, signal: ChangeSignal) -> None:
        self.ctx = ctx
        self.store = store
        self.signal = signal
        self._rules: tuple[FaultRule, ...] = ()
        self._app_ids: dict[str, int] = {}
        self._loaded = False
        self._seen: int | None = None

    async def _refresh(self) -> None:
        version = self.signal.version()  # before reading: a change meanwhile reloads again
        if self._loaded and version is not None and version == self._seen:
            return
        rows = await self.store.all()
        rules = tuple(rule_from_json(orjson.loads(body)) for _, body, _ in rows)
        app_ids: dict[str, int] = {}
        keys = {
            rule.client_key for rule in rules if rule.client_key and rule.endpoint in API_ENDPOINTS
        }
        if keys:
            async with self.ctx.store.read() as unit:
                for key in keys:
                    app = await unit.apps.by_client_key(key)
                    if app is not None:
                        app_ids[key] = app.id
        self._rules, self._app_ids, self._seen, self._loaded = rules, app_ids, version, True

    async def check(self, facts: Facts) -> Outcome | None:
        """The effect of the rules matching this request (hits counted), or None."""
        await self._refresh()
        if not self._rules:
            return None
        latency, fired = 0, []
        for rule in self._rules:
            if not rule.matches(facts, self._app_ids):
                continue
            hits = await self.store.hit(rule.id, rule.times)
            if hits == 0 or not rule.fires(hits):
                continue
            fired.append(rule.id)
            latency += rule.latency_ms
            if rule.error is not None or rule.drop:
                return Outcome(latency, rule, tuple(fired))
        return Outcome(latency, None, tuple(fired)) if fired else None

    # --- the control API ------------------------------------------------------------

    async def add(self, body: Any) -> dict[str, Any]:
        rule = parse_rule(body, f"flt_{secrets.token_hex(6)}")
        if len(await self.store.all()) >= MAX_RULES:
            raise ValidationError(f"at most {MAX_RULES} rules; clear some first")
        await self.store.add(rule.id, orjson.dumps(rule.as_json()).decode(), self.ctx.clock.now())
        await self.signal.notify()
        return {**rule.as_json(), "hits": 0}

    async def listing(self) -> list[dict[str, Any]]:
        return [
            {**orjson.loads(body), "hits": hits, "id": rule_id}
            for rule_id, body, hits in await self.store.all()
        ]

    async def remove(self, rule_id: str) -> bool:
        removed = await self.store.remove(rule_id)
        await self.signal.notify()
        return removed

    async def clear(self) -> int:
        count = await self.store.clear()
        await self.signal.notify()
        return count
