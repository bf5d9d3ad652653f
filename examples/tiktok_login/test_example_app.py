"""The example app's tests: only the tokstack pytest plugin and ``tokstack.client``."""

from __future__ import annotations

import time
from urllib.parse import parse_qs, urlsplit

import httpx

from conftest import Running
from tokstack.testing.handle import Tokstack


def query(url: str) -> dict[str, str]:
    return {k: v[0] for k, v in parse_qs(urlsplit(url).query).items()}


def log_in(tokstack: Tokstack, example: Running, username: str = "carol") -> httpx.Response:
    """What a browser does: the app sends it to TikTok, the user consents, TikTok sends it
    back with a code; here the consent is given through the plugin."""
    user = tokstack.user(username, "Carol Example", bio="Hello from the emulator")
    to_tiktok = example.browser.get("/login")
    assert to_tiktok.status_code == 302
    asked = query(to_tiktok.headers["location"])
    code = tokstack.authorize(
        example.app, user, asked["scope"], asked["redirect_uri"],
        state=asked["state"], code_challenge=asked["code_challenge"],
    )  # fmt: skip
    back = example.browser.get("/callback", params={"code": code, "state": asked["state"]})
    assert back.status_code == 303 and back.headers["location"] == "/profile"
    return example.browser.get("/profile")


def test_continue_with_tiktok_shows_the_profile(tokstack: Tokstack, example: Running) -> None:
    profile = log_in(tokstack, example)
    assert profile.status_code == 200
    assert "Carol Example" in profile.text and "Hello from the emulator" in profile.text
    exchanged = tokstack.requests(endpoint="token")[0]
    assert exchanged["status"] == 200 and exchanged["form"]["code_verifier"]  # PKCE was used


def test_a_denied_consent_is_shown_as_cancelled(tokstack: Tokstack, example: Running) -> None:
    tokstack.faults.add(endpoint="authorize", error="access_denied")
    to_tiktok = example.browser.get("/login").headers["location"]
    back = httpx.get(to_tiktok)  # TikTok sends the browser back with the refusal
    assert back.status_code == 302 and query(back.headers["location"])["error"] == "access_denied"
    landed = example.browser.get(back.headers["location"])
    assert landed.status_code == 403 and "cancelled" in landed.text


def test_an_expired_access_token_is_refreshed(tokstack: Tokstack, example: Running) -> None:
    assert log_in(tokstack, example).status_code == 200
    tokstack.clock.advance(86400 + 60)  # the access token's day is over; the refresh token's is not
    profile = example.browser.get("/profile")
    assert profile.status_code == 200 and "Carol Example" in profile.text
    grants = [r["form"].get("grant_type") for r in tokstack.requests(endpoint="token")]
    assert grants[0] == "refresh_token"


def test_rate_limiting_is_shown_with_its_wait(tokstack: Tokstack, example: Running) -> None:
    assert log_in(tokstack, example).status_code == 200
    tokstack.faults.add(endpoint="user.info", error="rate_limit_exceeded", retry_after=0, times=1)
    assert example.browser.get("/profile").status_code == 200  # one 429: the client retried
    tokstack.faults.add(endpoint="user.info", error="rate_limit_exceeded", retry_after=7)
    busy = example.browser.get("/profile")
    assert busy.status_code == 503 and busy.headers["retry-after"] == "7"
    assert "Try again in 7 seconds" in busy.text


def test_a_revoked_grant_arrives_by_webhook(tokstack: Tokstack, example: Running) -> None:
    assert log_in(tokstack, example).status_code == 200
    user_open_id = tokstack.requests(endpoint="token")[0]["open_id"]
    tokstack.trigger(example.app, "carol", reason=1)  # the user disconnected the app on TikTok
    deadline = time.monotonic() + 15
    while user_open_id not in example.accounts.removed and time.monotonic() < deadline:
        time.sleep(0.05)
    assert user_open_id in example.accounts.removed, tokstack.webhooks()
    left = example.browser.get("/profile")
    assert left.status_code == 303
    assert "disconnected" in example.browser.get("/").text


def test_show_my_videos_across_pages(tokstack: Tokstack, example: Running) -> None:
    profile = log_in(tokstack, example)
    assert "/videos" in profile.text
    other = tokstack.user("carol2", "Other")  # someone else's video is not listed
    tokstack.video(other, title="not mine")
    for i in range(25):  # two pages of 20
        tokstack.video("carol", title=f"clip {i}")
    tokstack.video("carol", title="private", privacy_level="SELF_ONLY")
    shown = example.browser.get("/videos")
    assert shown.status_code == 200 and "My videos (25)" in shown.text
    assert "clip 24" in shown.text and "clip 0" in shown.text
    assert "private" not in shown.text and "not mine" not in shown.text
    pages = tokstack.requests(endpoint="video.list")
    assert [p["json"]["max_count"] for p in pages] == [20, 20]  # two pages were asked for
    assert "cursor" in pages[0]["json"]  # the later page (newest first in the journal)
