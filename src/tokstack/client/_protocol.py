"""The client's protocol, without I/O: requests to send, answers to read, when to retry.

``TikTok`` and ``AsyncTikTok`` differ only in how they send; everything they decide is here.
"""

from __future__ import annotations

import base64
import hashlib
import json
import secrets
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode

from tokstack.client.errors import TikTokClientError, TikTokError, api_error, oauth_error
from tokstack.client.models import AuthorizeURL, Video, VideoPage

TIKTOK_AUTHORIZE = "https://www.tiktok.com"
TIKTOK_API = "https://open.tiktokapis.com"
USER_AGENT = "tokstack-client"
FORM = {"Content-Type": "application/x-www-form-urlencoded"}
MAX_RETRY_AFTER = 60.0  # a longer wait is not worth blocking for: the error is raised instead


@dataclass(frozen=True)
class Request:
    method: str
    url: str
    headers: Mapping[str, str] = field(default_factory=dict)
    params: Mapping[str, str] | None = None
    form: Mapping[str, str] | None = None
    idempotent: bool = False  # only these are ever retried
    json_body: Any = None
    content: bytes | None = None  # a video chunk

    @property
    def body(self) -> bytes | None:
        if self.content is not None:
            return self.content
        if self.json_body is not None:
            return json.dumps(self.json_body, separators=(",", ":")).encode()
        return urlencode(self.form).encode() if self.form is not None else None


@dataclass(frozen=True)
class Endpoints:
    authorize: str
    api: str

    @classmethod
    def of(cls, base_url: str | None) -> Endpoints:
        if base_url is None:
            return cls(TIKTOK_AUTHORIZE, TIKTOK_API)
        base = base_url.rstrip("/")
        return cls(base, base)


def comma_list(value: str | Sequence[str]) -> str:
    parts = value.split(",") if isinstance(value, str) else list(value)
    return ",".join(p.strip() for p in parts if p.strip())


def pkce_pair() -> tuple[str, str]:
    """An RFC 7636 S256 pair: a 64-character verifier and its base64url challenge."""
    verifier = secrets.token_urlsafe(48)
    digest = hashlib.sha256(verifier.encode("ascii")).digest()
    return verifier, base64.urlsafe_b64encode(digest).decode("ascii").rstrip("=")


def authorize_url(
    endpoints: Endpoints,
    client_key: str,
    redirect_uri: str,
    scopes: str | Sequence[str],
    state: str | None,
    pkce: bool,
) -> AuthorizeURL:
    state = state if state is not None else secrets.token_urlsafe(24)
    params = {
        "client_key": client_key,
        "response_type": "code",
        "scope": comma_list(scopes),
        "redirect_uri": redirect_uri,
        "state": state,
    }
    verifier = challenge = None
    if pkce:
        verifier, challenge = pkce_pair()
        params |= {"code_challenge": challenge, "code_challenge_method": "S256"}
    url = f"{endpoints.authorize}/v2/auth/authorize/?{urlencode(params)}"
    return AuthorizeURL(url, state, verifier, challenge)


def token_request(
    endpoints: Endpoints, client_key: str, client_secret: str, form: Mapping[str, str]
) -> Request:
    credentials = {"client_key": client_key, "client_secret": client_secret}
    return Request("POST", f"{endpoints.api}/v2/oauth/token/", FORM, form={**credentials, **form})


def revoke_request(
    endpoints: Endpoints, client_key: str, client_secret: str, token: str
) -> Request:
    form = {"client_key": client_key, "client_secret": client_secret, "token": token}
    return Request("POST", f"{endpoints.api}/v2/oauth/revoke/", FORM, form=form)


def user_info_request(endpoints: Endpoints, access_token: str, fields: str) -> Request:
    return Request(
        "GET",
        f"{endpoints.api}/v2/user/info/",
        {"Authorization": f"Bearer {access_token}"},
        params={"fields": fields},
        idempotent=True,
    )


def video_list_request(
    endpoints: Endpoints, access_token: str, fields: str, cursor: int | None, max_count: int | None
) -> Request:
    body = {k: v for k, v in (("cursor", cursor), ("max_count", max_count)) if v is not None}
    return _video_request(endpoints, "list", access_token, fields, body)


def video_query_request(
    endpoints: Endpoints, access_token: str, fields: str, video_ids: Sequence[str]
) -> Request:
    body = {"filters": {"video_ids": list(video_ids)}}
    return _video_request(endpoints, "query", access_token, fields, body)


def _video_request(
    endpoints: Endpoints, which: str, access_token: str, fields: str, body: dict[str, Any]
) -> Request:
    return Request(
        "POST",
        f"{endpoints.api}/v2/video/{which}/",
        {"Authorization": f"Bearer {access_token}", "Content-Type": "application/json"},
        params={"fields": fields},
        idempotent=True,  # reads: safe to retry
        json_body=body,
    )


def _retry_after(headers: Mapping[str, str]) -> float | None:
    value = headers.get("retry-after")
    try:
        return max(0.0, float(value)) if value is not None else None
    except ValueError:  # an HTTP date: rare enough to treat as "not given"
        return None


def read(status: int, headers: Mapping[str, str], content: bytes) -> dict[str, Any]:
    """The answer's JSON object, or the error it carries, raised."""
    retry_after = _retry_after(headers)
    try:
        body = json.loads(content) if content else {}
    except ValueError:
        body = None
    if not isinstance(body, dict):
        raise TikTokError(
            "unexpected_response",
            f"HTTP {status} with a body that is not a JSON object",
            log_id=headers.get("x-tt-logid"),
            status=status,
            retry_after=retry_after,
        )
    error = body.get("error")
    if isinstance(error, str):  # the token endpoint's flat shape
        description = str(body.get("error_description", ""))
        log_id = body.get("log_id")
        raise oauth_error(error, description, log_id, status, retry_after)
    if isinstance(error, dict) and error.get("code", "ok") != "ok":
        raise api_error(
            str(error.get("code")), str(error.get("message", "")), error.get("log_id"), status,
            retry_after,
        )  # fmt: skip
    if status >= 400:
        raise TikTokError(
            "unexpected_response", f"HTTP {status}", status=status, retry_after=retry_after
        )
    return body


def retry_delay(
    attempt: int, retries: int, failure: BaseException, max_wait: float = MAX_RETRY_AFTER
) -> float | None:
    """Seconds to wait before retrying an idempotent request, or None to give up: 429 and
    5xx answers, and connections that failed, with backoff (0.5 s, 1 s, 2 s, ... up to 8 s)
    or the answer's ``Retry-After`` (when it asks for more than ``max_wait``, no retry)."""
    if attempt >= retries:
        return None
    if isinstance(failure, TikTokClientError):
        if failure.status is None or not (failure.status == 429 or failure.status >= 500):
            return None
        if failure.retry_after is not None:
            return failure.retry_after if failure.retry_after <= max_wait else None
    return min(8.0, 0.5 * 2.0**attempt)


def video_page(body: Mapping[str, Any]) -> VideoPage:
    data = body.get("data") or {}
    return VideoPage(
        videos=tuple(Video.from_data(v) for v in data.get("videos", [])),
        cursor=int(data.get("cursor", 0)),
        has_more=bool(data.get("has_more", False)),
    )


def video_list(body: Mapping[str, Any]) -> tuple[Video, ...]:
    return tuple(Video.from_data(v) for v in (body.get("data") or {}).get("videos", []))
