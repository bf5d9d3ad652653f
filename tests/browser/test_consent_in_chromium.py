"""Login Kit in a real browser: log in, untick a scope, authorize; and cancel."""

from __future__ import annotations

from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit

import httpx
import pytest

from tests.browser.conftest import REDIRECT, Live, exchange
from tokstack.services import accounts
from tokstack.services.context import Context

expect = pytest.importorskip("playwright.sync_api").expect


def authorize_url(live: Live, state: str) -> str:
    query = urlencode(
        {
            "client_key": live.client_key,
            "response_type": "code",
            "state": state,
            "scope": "user.info.basic,user.info.profile,user.info.stats",
            "redirect_uri": REDIRECT,
        }
    )
    return f"{live.url}/v2/auth/authorize/?{query}"


def open_page(browser: Any) -> Any:
    page = browser.new_page()
    # the app's callback is not on this machine: answer it in the browser instead (Chromium
    # may first report the redirect hop as unresolvable, so tests watch the request itself)
    page.route(
        "https://app.example/**",
        lambda route: route.fulfill(
            status=200, content_type="text/html", body="<h1>App callback</h1>"
        ),
    )
    return page


def log_in(page: Any, live: Live) -> None:
    page.get_by_label("Username").fill("alice")
    page.get_by_label("Password").fill("alice-password")
    live.shot(page, "login")
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url("**/v2/auth/consent/**")


def query(url: str) -> dict[str, str]:
    return {k: v[0] for k, v in parse_qs(urlsplit(url).query).items()}


def test_untick_profile_then_authorize(browser: Any, live: Live) -> None:
    page = open_page(browser)
    page.goto(authorize_url(live, "browser-state"))
    log_in(page, live)
    basic = page.get_by_label("Read your profile info")
    assert basic.is_checked() and basic.is_disabled()
    assert page.get_by_label("Read your profile details").is_checked()
    live.shot(page, "consent")
    page.get_by_label("Read your profile details").uncheck()
    with page.expect_request(f"{REDIRECT}**") as redirected:
        page.get_by_role("button", name="Authorize").click()
    result = query(redirected.value.url)
    assert result["state"] == "browser-state"
    assert result["scopes"] == "user.info.basic,user.info.stats"
    tokens = exchange(live, result["code"])
    headers = {"Authorization": f"Bearer {tokens['access_token']}"}
    basic_info = httpx.get(
        f"{live.url}/v2/user/info/", params={"fields": "open_id,display_name"}, headers=headers
    )
    assert basic_info.status_code == 200
    assert basic_info.json()["data"]["user"]["display_name"] == "Alice Example"
    profile = httpx.get(f"{live.url}/v2/user/info/", params={"fields": "username"}, headers=headers)
    assert profile.status_code == 401
    assert profile.json()["error"]["code"] == "scope_not_authorized"


def test_keyboard_only_consent(browser: Any, live: Live) -> None:
    page = open_page(browser)
    page.goto(authorize_url(live, "kbd"))
    log_in(page, live)
    page.get_by_label("Read your profile statistics").focus()
    page.keyboard.press("Space")
    page.get_by_role("button", name="Authorize").focus()
    with page.expect_request(f"{REDIRECT}**") as redirected:
        page.keyboard.press("Enter")
    assert query(redirected.value.url)["scopes"] == "user.info.basic,user.info.profile"


def test_cancel_returns_access_denied_with_state(browser: Any, live: Live) -> None:
    page = open_page(browser)
    page.goto(authorize_url(live, "cancel-state"))
    log_in(page, live)
    with page.expect_request(f"{REDIRECT}**") as redirected:
        page.get_by_role("button", name="Cancel").click()
    result = query(redirected.value.url)
    assert result["error"] == "access_denied" and result["state"] == "cancel-state"
    assert "code" not in result


def test_bad_redirect_uri_shows_the_parameter(browser: Any, live: Live) -> None:
    page = open_page(browser)
    page.goto(authorize_url(live, "x").replace("app.example", "evil.example"))
    assert page.get_by_role("heading", name="Something went wrong").is_visible()
    assert page.locator("code.param").inner_text() == "redirect_uri"
    live.shot(page, "error")


def test_minis_sdk_popup_and_silent_login(browser: Any, live: Live) -> None:
    async def mini_app(ctx: Context) -> accounts.NewApp:
        return await accounts.create_app(
            ctx,
            developer_id=1,
            name="Drama Mini",
            platform="mini",
            scope_list=["user.info.basic", "user.info.open_id"],
        )

    app = live.call(mini_app)
    context = browser.new_context()
    page = context.new_page()
    page.goto(f"{live.url}/minis/demo/?client_key={app.app.client_key}")
    with context.expect_page() as popup_info:
        page.get_by_role("button", name="Authorize").click()
    popup = popup_info.value
    popup.get_by_label("Username").fill("alice")
    popup.get_by_label("Password").fill("alice-password")
    popup.get_by_role("button", name="Log in").click()
    popup.get_by_role("button", name="Authorize").click()
    expect(page.locator("#result")).to_contain_text("authorize success")
    text = page.locator("#result").inner_text()
    assert text.startswith("authorize success")
    assert '"grantedScopes": "user.info.basic"' in text
    # now logged in: silent login answers without any page
    page.get_by_role("button", name="Silent login").click()
    expect(page.locator("#result")).to_contain_text("login success")
    silent = page.locator("#result").inner_text()
    assert silent.startswith("login success") and "user.info.open_id" in silent
    context.close()
