"""Turns results and ``ApiError``s into TikTok's wire shapes. Every response carries a log_id."""

from __future__ import annotations

from typing import Any

import orjson
from starlette.responses import Response

from tokstack.errors import ApiError, ApiV2Error, OAuthError, RateLimitExceeded, SlowDown

JSON = "application/json"
NO_STORE = {"Cache-Control": "no-store", "Pragma": "no-cache"}


class JSONBytes(Response):
    """A JSON response whose header list is built directly (Starlette's is built per key)."""

    def __init__(self, body: bytes, status: int, headers: list[tuple[bytes, bytes]]) -> None:
        self.status_code = status
        self.body = body
        self.background = None
        self.raw_headers = [
            (b"content-length", str(len(body)).encode()),
            (b"content-type", b"application/json"),
            *headers,
        ]


def json_response(
    body: Any, log_id: str, status: int = 200, headers: dict[str, str] | None = None
) -> Response:
    raw = [(b"x-tt-logid", log_id.encode())]
    if headers:
        raw += [(k.lower().encode(), v.encode()) for k, v in headers.items()]
    return JSONBytes(orjson.dumps(body), status, raw)


def v2_ok(data: dict[str, Any], log_id: str) -> Response:
    return json_response(
        {"data": data, "error": {"code": "ok", "message": "", "log_id": log_id}}, log_id
    )


def v2_ok_user(user_json: bytes, log_id: str) -> Response:
    """``v2_ok({"user": ...})`` around an already serialized user: the same bytes."""
    stamp = log_id.encode()
    body = b'{"data":{"user":%s},"error":{"code":"ok","message":"","log_id":"%s"}}' % (
        user_json,
        stamp,
    )
    return JSONBytes(body, 200, [(b"x-tt-logid", stamp)])


def v2_error(error: ApiError, log_id: str) -> Response:
    if not isinstance(error, ApiV2Error):
        error = _as_v2(error)
    headers: dict[str, str] = {}
    if isinstance(error, RateLimitExceeded):
        headers["Retry-After"] = str(error.retry_after)
    body = {
        "data": {},
        "error": {"code": error.code, "message": error.description, "log_id": log_id},
    }
    return json_response(body, log_id, error.status, headers)


def oauth_error(error: ApiError, log_id: str) -> Response:
    headers = dict(NO_STORE)
    if isinstance(error, RateLimitExceeded | SlowDown):
        headers["Retry-After"] = str(error.retry_after)
    body = {"error": error.code, "error_description": error.description, "log_id": log_id}
    return json_response(body, log_id, error.status, headers)


def _as_v2(error: ApiError) -> ApiV2Error:
    converted = ApiV2Error(error.description, detail=error.detail)
    converted.code, converted.status = error.code, error.status
    return converted


def unsupported_path(log_id: str) -> Response:
    # What TikTok's gateway answers for an unknown path or method, trailing slash included.
    return Response(
        b"Unsupported path(Janus)",
        status_code=404,
        media_type="text/plain",
        headers={"x-tt-logid": log_id},
    )


__all__ = ["OAuthError", "json_response", "oauth_error", "unsupported_path", "v2_error", "v2_ok"]


def control_error(error: ApiError, log_id: str) -> Response:
    """The emulator control API's error shape: ``{"error": {"code", "message"}}``."""
    body = {"error": {"code": error.code, "message": error.description}}
    return json_response(body, log_id, error.status)
