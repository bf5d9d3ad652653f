"""Typed errors from real answers of tokstack, and the retry rules of idempotent calls."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from tokstack.client import (
    AsyncTikTok,
    InternalError,
    InvalidClient,
    InvalidGrant,
    InvalidParams,
    InvalidRequest,
    InvalidScope,
    OAuthError,
    RateLimitExceeded,
    ScopeNotAuthorized,
    TikTok,
    TikTokError,
)
from tokstack.testing.handle import App, Tokstack


def sleeps(tiktok: TikTok) -> list[float]:
    asked: list[float] = []
    tiktok._sleep = asked.append  # no real waiting; what the client asked to wait is kept
    return asked


def setup(tokstack: Tokstack, scopes: str = "user.info.basic") -> tuple[App, str]:
    app = tokstack.app()
    return app, tokstack.token(app, tokstack.user("ulla"), scopes).access_token


def test_api_family_errors(tokstack: Tokstack) -> None:
    app, access = setup(tokstack)
    with tokstack.client(app) as tiktok:
        with pytest.raises(ScopeNotAuthorized) as scope:
            tiktok.user_info(access, fields=["follower_count"])
        with pytest.raises(InvalidParams) as params:
            tiktok.user_info(access, fields=[])
    for error in (scope.value, params.value):
        assert isinstance(error, TikTokError) and error.log_id and len(error.log_id) == 34
        assert error.message
    assert (scope.value.status, params.value.status) == (401, 400)
    assert scope.value.code == "scope_not_authorized"


def test_oauth_family_errors(tokstack: Tokstack) -> None:
    app, _ = setup(tokstack)
    uri = app.redirect_uris[0]
    with tokstack.client(app) as tiktok:
        with pytest.raises(InvalidGrant) as grant:
            tiktok.exchange_code("no-such-code", uri)
        with pytest.raises(InvalidGrant):
            tiktok.refresh("rft.unknown")
        code = tokstack.authorize(app, "ulla", ["user.info.basic"])
        with pytest.raises(InvalidRequest) as request:
            tiktok.exchange_code(code, "https://elsewhere.example/cb/")
    wrong = TikTok(app.client_key, "wrong-secret", base_url=tokstack.url)
    with wrong, pytest.raises(InvalidClient) as client:
        wrong.client_token()
    tokstack.faults.add(endpoint="token", error="invalid_scope", times=1)
    tokstack.faults.add(endpoint="token", error="temporarily_unavailable", times=1)
    with tokstack.client(app) as tiktok:
        with pytest.raises(InvalidScope):
            tiktok.client_token()
        with pytest.raises(OAuthError) as unknown:  # no class of its own: the family's base
            tiktok.client_token()
    assert type(unknown.value) is OAuthError and unknown.value.error == "temporarily_unavailable"
    assert (grant.value.status, client.value.status) == (400, 401)
    assert request.value.description == (
        "Redirect_uri is not matched with the uri when requesting code."
    )
    assert grant.value.error == "invalid_grant" and grant.value.log_id


def test_429_and_5xx_are_retried_with_backoff(tokstack: Tokstack) -> None:
    app, access = setup(tokstack)
    tokstack.faults.add(endpoint="user.info", error="internal_error", times=1)
    tokstack.faults.add(endpoint="user.info", error="rate_limit_exceeded", retry_after=3, times=1)
    with tokstack.client(app) as tiktok:
        waited = sleeps(tiktok)
        assert tiktok.user_info(access).open_id
    assert [r["status"] for r in tokstack.requests(endpoint="user.info")] == [200, 429, 500]
    assert waited == [0.5, 3.0]  # backoff, then what Retry-After asked for


def test_retries_run_out(tokstack: Tokstack) -> None:
    app, access = setup(tokstack)
    tokstack.faults.add(endpoint="user.info", error="internal_error")
    with tokstack.client(app) as tiktok:
        waited = sleeps(tiktok)
        with pytest.raises(InternalError) as failed:
            tiktok.user_info(access)
    assert failed.value.status == 500 and waited == [0.5, 1.0]
    assert len(tokstack.requests(endpoint="user.info")) == 3
    with tokstack.client(app, retries=0) as tiktok, pytest.raises(InternalError):
        tiktok.user_info(access)
    assert len(tokstack.requests(endpoint="user.info")) == 4


def test_a_long_retry_after_is_raised_not_waited_for(tokstack: Tokstack) -> None:
    app, access = setup(tokstack)
    tokstack.faults.add(endpoint="user.info", error="rate_limit_exceeded", retry_after=5)
    with tokstack.client(app, max_retry_wait=2) as tiktok:
        waited = sleeps(tiktok)
        with pytest.raises(RateLimitExceeded) as busy:
            tiktok.user_info(access)
    assert busy.value.retry_after == 5 and waited == []


def test_token_calls_are_never_retried(tokstack: Tokstack) -> None:
    app, _ = setup(tokstack)
    tokens = tokstack.token(app, "ulla", "user.info.basic")
    tokstack.faults.add(endpoint="token", error="server_error", times=1)
    tokstack.faults.add(endpoint="token", error="rate_limit_exceeded", retry_after=0, times=1)
    with tokstack.client(app) as tiktok:
        waited = sleeps(tiktok)
        with pytest.raises(OAuthError) as failed:
            tiktok.refresh(tokens.refresh_token)
        with pytest.raises(OAuthError) as limited:
            tiktok.refresh(tokens.refresh_token)
        assert tiktok.refresh(tokens.refresh_token).open_id == tokens.open_id
    assert failed.value.status == 500 and limited.value.status == 429 and waited == []
    assert limited.value.retry_after == 0
    assert len(tokstack.requests(endpoint="token")) == 3


def test_a_dropped_connection_is_retried_for_user_info_only(tokstack: Tokstack) -> None:
    app, access = setup(tokstack)
    tokstack.faults.add(endpoint="user.info", drop=True, times=1)
    with tokstack.client(app) as tiktok:
        waited = sleeps(tiktok)
        assert tiktok.user_info(access).open_id
        assert waited == [0.5]
        tokstack.faults.add(endpoint="revoke", drop=True, times=1)
        with pytest.raises(httpx.TransportError):
            tiktok.revoke(access)


async def test_the_async_client_retries_alike(tokstack: Tokstack) -> None:
    app, access = setup(tokstack)
    tokstack.faults.add(endpoint="user.info", error="rate_limit_exceeded", retry_after=1, times=2)
    waited: list[float] = []

    async def sleep(seconds: float) -> None:
        waited.append(seconds)

    async with tokstack.async_client(app) as tiktok:
        tiktok._sleep = sleep
        assert (await tiktok.user_info(access)).open_id
    assert waited == [1.0, 1.0]


def answering(status: int, body: bytes, **headers: str) -> httpx.MockTransport:
    """For what tokstack never sends: a proxy's page, a malformed body, a code unknown today."""
    return httpx.MockTransport(
        lambda request: httpx.Response(status, content=body, headers=headers)
    )


@pytest.mark.parametrize(
    ("status", "body", "code"),
    [
        (502, b"<html>Bad gateway</html>", "unexpected_response"),
        (200, b"[1, 2]", "unexpected_response"),
        (
            400,
            b'{"data": {}, "error": {"code": "brand_new_code", "message": "m"}}',
            "brand_new_code",
        ),
    ],
)
def test_answers_tokstack_never_gives(status: int, body: bytes, code: str) -> None:
    tiktok = TikTok("k", "s", retries=0, transport=answering(status, body))
    with tiktok, pytest.raises(TikTokError) as failed:
        tiktok.user_info("act.x")
    assert type(failed.value) is TikTokError and failed.value.code == code
    assert failed.value.status == status


async def test_the_default_base_is_tiktoks_api() -> None:
    seen: list[str] = []

    def record(request: httpx.Request) -> httpx.Response:
        seen.append(str(request.url))
        body: dict[str, Any] = {"data": {"user": {"open_id": "o"}}, "error": {"code": "ok"}}
        return httpx.Response(200, json=body)

    async with AsyncTikTok("k", "s", transport=httpx.MockTransport(record)) as tiktok:
        assert (await tiktok.user_info("act.x", fields="open_id")).open_id == "o"
    assert seen == ["https://open.tiktokapis.com/v2/user/info/?fields=open_id"]
