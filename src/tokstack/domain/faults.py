"""Fault rules of emulator mode: what a test asks tokstack to get wrong, and when.

A rule matches requests to one endpoint (optionally only one app, user or grant type) and
has one effect: a TikTok error, added latency, or a dropped connection. It fires on the next
``times`` matching requests, or with a ``probability`` (repeatable with a ``seed``), or on
every matching request. Pure data and rules: no I/O here.
"""

from __future__ import annotations

import random
from collections.abc import Mapping
from dataclasses import asdict, dataclass
from typing import Any

from tokstack.domain.posting import FAIL_REASONS, POSTING_ERRORS
from tokstack.errors import ValidationError

POST_ENDPOINTS = (
    "post.creator_info",
    "post.video.init",
    "post.inbox.init",
    "post.content.init",
    "post.status",
    "post.cancel",
)
# not a request: the processing job of a publish (its ``error`` is a ``fail_reason``)
PROCESS = "post.process"
ENDPOINTS = (
    "authorize", "token", "revoke", "user.info", "video.list", "video.query",
    *POST_ENDPOINTS, PROCESS,
)  # fmt: skip
# the endpoints of the v2 envelope (`{"data", "error": {...}}`), which know the app by id
API_ENDPOINTS = ("user.info", "video.list", "video.query", *POST_ENDPOINTS, PROCESS)
GRANT_TYPES = ("authorization_code", "refresh_token", "client_credentials")

_API_ERRORS = (
    "access_token_invalid",
    "internal_error",
    "invalid_params",
    "rate_limit_exceeded",
    "scope_not_authorized",
)
# The codes TikTok sends on each endpoint; an authorize error is a redirect to the app.
ERRORS: dict[str, tuple[str, ...]] = {
    "authorize": (
        "access_denied",
        "invalid_request",
        "invalid_scope",
        "server_error",
        "temporarily_unavailable",
        "unauthorized_client",
        "unsupported_response_type",
    ),
    "token": (
        "invalid_client",
        "invalid_grant",
        "invalid_request",
        "invalid_scope",
        "rate_limit_exceeded",
        "server_error",
        "temporarily_unavailable",
        "unauthorized_client",
        "unsupported_grant_type",
    ),
    "revoke": ("invalid_client", "invalid_request", "server_error", "temporarily_unavailable"),
    "user.info": _API_ERRORS,
    "video.list": _API_ERRORS,
    "video.query": _API_ERRORS,
    "post.creator_info": (*_API_ERRORS, "spam_risk_too_many_posts"),
    "post.video.init": (*_API_ERRORS, *POSTING_ERRORS),
    "post.inbox.init": (*_API_ERRORS, *POSTING_ERRORS),
    "post.content.init": (*_API_ERRORS, *POSTING_ERRORS),
    "post.status": _API_ERRORS,
    "post.cancel": _API_ERRORS,
    PROCESS: FAIL_REASONS,
}
MAX_LATENCY_MS = 60_000
MAX_RULES = 1000
FIELDS = {
    "endpoint",
    "client_key",
    "open_id",
    "grant_type",
    "error",
    "status",
    "message",
    "retry_after",
    "latency_ms",
    "drop",
    "times",
    "probability",
    "seed",
}


@dataclass(frozen=True)
class Facts:
    """What is known of a request when faults are checked."""

    endpoint: str
    client_key: str | None = None
    open_id: str | None = None
    grant_type: str | None = None
    app_id: int | None = None  # user info knows the app by id, not by client_key


@dataclass(frozen=True)
class FaultRule:
    id: str
    endpoint: str
    client_key: str | None = None
    open_id: str | None = None
    grant_type: str | None = None
    error: str | None = None
    status: int | None = None
    message: str | None = None
    retry_after: int | None = None
    latency_ms: int = 0
    drop: bool = False
    times: int | None = None
    probability: float | None = None
    seed: int | None = None

    def matches(self, facts: Facts, app_ids: Mapping[str, int]) -> bool:
        """``app_ids`` maps client keys to app ids, for facts that carry only the id."""
        if self.endpoint != facts.endpoint:
            return False
        if self.client_key is not None:
            if facts.client_key is not None:
                if self.client_key != facts.client_key:
                    return False
            elif facts.app_id is None or app_ids.get(self.client_key) != facts.app_id:
                return False
        return (self.open_id is None or self.open_id == facts.open_id) and (
            self.grant_type is None or self.grant_type == facts.grant_type
        )

    def fires(self, hit: int) -> bool:
        """Whether the ``hit``-th matching request (from 1) gets the effect."""
        if self.times is not None:
            return hit <= self.times
        if self.probability is not None:
            if self.seed is not None:  # the same draws in every run
                return random.Random(f"{self.seed}:{hit}").random() < self.probability
            return random.random() < self.probability
        return True

    def as_json(self) -> dict[str, Any]:
        return {k: v for k, v in asdict(self).items() if v is not None}


def _text(body: dict[str, Any], name: str, limit: int = 200) -> str | None:
    value = body.get(name)
    if value is None:
        return None
    if not isinstance(value, str) or not value or len(value) > limit or "\x00" in value:
        raise ValidationError(f"{name!r} must be a non-empty string of at most {limit} characters")
    return value


def _int(body: dict[str, Any], name: str, low: int, high: int) -> int | None:
    value = body.get(name)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        raise ValidationError(f"{name!r} must be an integer from {low} to {high}")
    return value


def parse_rule(body: Any, rule_id: str) -> FaultRule:
    """A rule from the control API's JSON; ``ValidationError`` names the bad field."""
    if not isinstance(body, dict):
        raise ValidationError("the body must be a JSON object")
    unknown = sorted(set(body) - FIELDS)
    if unknown:
        raise ValidationError(
            f"{unknown[0]!r} is not a field (fields: {', '.join(sorted(FIELDS))})"
        )
    endpoint = body.get("endpoint")
    if endpoint not in ENDPOINTS:
        raise ValidationError(f"'endpoint' must be one of {', '.join(ENDPOINTS)}")
    error = _text(body, "error", 64)
    if error is not None and error not in ERRORS[endpoint]:
        raise ValidationError(
            f"'error': {endpoint} does not send {error!r}; it sends {', '.join(ERRORS[endpoint])}"
        )
    grant_type = _text(body, "grant_type", 64)
    if grant_type is not None and (endpoint != "token" or grant_type not in GRANT_TYPES):
        raise ValidationError(
            f"'grant_type' is only for the token endpoint, one of {', '.join(GRANT_TYPES)}"
        )
    drop = body.get("drop", False)
    if not isinstance(drop, bool):
        raise ValidationError("'drop' must be true or false")
    latency_ms = _int(body, "latency_ms", 0, MAX_LATENCY_MS) or 0
    status = _int(body, "status", 200, 599)
    message = _text(body, "message", 1000)
    retry_after = _int(body, "retry_after", 0, 86_400)
    if error is None and not drop and not latency_ms:
        raise ValidationError("a rule needs an effect: 'error', 'latency_ms' or 'drop'")
    if endpoint == PROCESS and (drop or latency_ms or error is None):
        raise ValidationError(f"{PROCESS} rules fail a publish: give an 'error' (a fail_reason)")
    if drop and error is not None:
        raise ValidationError("'drop': a dropped connection has no error to send")
    if error is None and (status is not None or message is not None or retry_after is not None):
        raise ValidationError("'status', 'message' and 'retry_after' go with an 'error'")
    times = _int(body, "times", 1, 1_000_000)
    probability = body.get("probability")
    if probability is not None:
        if isinstance(probability, bool) or not isinstance(probability, int | float):
            raise ValidationError("'probability' must be a number from 0 to 1")
        if not 0 <= probability <= 1:
            raise ValidationError("'probability' must be a number from 0 to 1")
        probability = float(probability)
    if times is not None and probability is not None:
        raise ValidationError("'times' and 'probability': give one or the other")
    seed = _int(body, "seed", -(2**53), 2**53)
    if seed is not None and probability is None:
        raise ValidationError("'seed' goes only with 'probability'")
    return FaultRule(
        id=rule_id,
        endpoint=endpoint,
        client_key=_text(body, "client_key", 64),
        open_id=_text(body, "open_id", 64),
        grant_type=grant_type,
        error=error,
        status=status,
        message=message,
        retry_after=retry_after,
        latency_ms=latency_ms,
        drop=drop,
        times=times,
        probability=probability,
        seed=seed,
    )


def rule_from_json(data: dict[str, Any]) -> FaultRule:
    """A rule as stored (already validated)."""
    return FaultRule(**{k: v for k, v in data.items() if k in FIELDS or k == "id"})
