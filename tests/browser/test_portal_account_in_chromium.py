"""The developer portal and the account page in a real browser."""

from __future__ import annotations

import io
import re
from pathlib import Path
from typing import Any

import httpx
import pytest
from PIL import Image

from tests.browser.conftest import Live
from tokstack.services.context import Context
from tokstack.services.tokens import issue_for_user

expect = pytest.importorskip("playwright.sync_api").expect


def client_token(live: Live, key: str, secret: str) -> int:
    return httpx.post(
        f"{live.url}/v2/oauth/token/",
        data={
            "client_key": key,
            "client_secret": secret,
            "grant_type": "client_credentials",
        },
    ).status_code


def test_sign_up_create_app_and_rotate_secret(browser: Any, live: Live) -> None:
    page = browser.new_page()
    page.goto(f"{live.url}/portal/signup")
    page.get_by_label("Name").fill("Dana Dev")
    page.get_by_label("Email").fill("dana@example.com")
    page.get_by_label("Password").fill("dana-password")
    page.get_by_role("button", name="Create a developer account").click()
    expect(page.get_by_role("heading", name="Your apps")).to_be_visible()
    page.get_by_role("link", name="Create an app").click()
    page.get_by_label("App name").fill("Cat Videos")
    page.get_by_label("Platform").select_option("web")
    page.get_by_label("Redirect URIs").fill(
        "https://cats.example/callback/\nhttp://cats.example/insecure"
    )
    page.get_by_label("user.info.profile").check()
    page.get_by_role("button", name="Create app").click()
    errors = page.locator("#uri-errors")
    expect(errors).to_contain_text("http://cats.example/insecure")
    expect(errors).to_contain_text("must be an absolute https URL")
    expect(page.locator("#form-errors")).to_contain_text("nothing was saved")
    live.shot(page, "portal-bad-uri")
    page.goto(f"{live.url}/portal/")
    expect(page.get_by_text("No apps yet.")).to_be_visible()

    page.get_by_role("link", name="Create an app").click()
    page.get_by_label("App name").fill("Cat Videos")
    page.get_by_label("Redirect URIs").fill("https://cats.example/callback/")
    page.get_by_role("button", name="Create app").click()
    secret = page.locator("#client-secret").inner_text()
    key = page.locator("#client-key").inner_text()
    live.shot(page, "portal-app")
    assert re.fullmatch(r"[A-Za-z0-9]{32}", secret)
    assert client_token(live, key, secret) == 200

    page.get_by_role("button", name="Rotate client secret").click()
    rotated = page.locator("#client-secret").inner_text()
    assert rotated != secret
    assert client_token(live, key, secret) == 401
    assert client_token(live, key, rotated) == 200
    page.goto(f"{live.url}/portal/")
    expect(page.get_by_role("link", name="Cat Videos")).to_be_visible()


def log_in(page: Any, live: Live) -> None:
    page.goto(f"{live.url}/account/")
    page.get_by_label("Username").fill("alice")
    page.get_by_label("Password").fill("alice-password")
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("heading", name="Manage app permissions")).to_be_visible()


async def _grant(ctx: Context, client_key: str) -> dict[str, Any]:
    return await issue_for_user(
        ctx,
        client_key=client_key,
        username="alice",
        requested=["user.info.basic", "user.info.profile"],
    )


def test_avatar_upload_is_shown_at_three_sizes(browser: Any, live: Live, tmp_path: Path) -> None:
    live.call(lambda ctx: _grant(ctx, live.client_key))  # so the page lists an app
    picture = tmp_path / "me.png"
    image = Image.new("RGB", (640, 480), (30, 60, 220))
    image.paste((250, 200, 0), (220, 140, 420, 340))
    image.save(picture)
    page = browser.new_page()
    log_in(page, live)
    page.get_by_label("New avatar").set_input_files(str(picture))
    page.get_by_role("button", name="Upload avatar").click()
    expect(page.get_by_role("status")).to_contain_text("Your avatar was updated.")
    shown = page.locator(".avatars img")
    expect(shown).to_have_count(3)
    for index, size in enumerate((100, 168, 1080)):
        img = shown.nth(index)
        expect(img).to_be_visible()
        assert img.get_attribute("data-size") == str(size)
        fetched = httpx.get(str(img.get_attribute("src")))
        served = Image.open(io.BytesIO(fetched.content))
        assert served.size == (size, size)
        assert served.convert("RGB").getpixel((size // 2, size // 2))[0] > 200  # yellow centre
    live.shot(page, "account")


def test_removing_an_app_revokes_its_token(browser: Any, live: Live) -> None:
    async def grant(ctx: Context) -> dict[str, Any]:
        return await issue_for_user(
            ctx,
            client_key=live.client_key,
            username="alice",
            requested=["user.info.basic", "user.info.profile"],
        )

    token = live.call(grant)["access_token"]
    headers = {"Authorization": f"Bearer {token}"}
    assert httpx.get(f"{live.url}/v2/user/info/?fields=open_id", headers=headers).status_code == 200
    page = browser.new_page()
    log_in(page, live)
    row = page.get_by_role("row", name=re.compile("Cat Videos"))
    expect(row).to_contain_text("user.info.basic, user.info.profile")
    row.get_by_role("button", name="Remove Cat Videos").click()
    expect(page.get_by_role("status")).to_contain_text("The app was removed")
    expect(page.get_by_text("You have not authorized any apps.")).to_be_visible()
    refused = httpx.get(f"{live.url}/v2/user/info/?fields=open_id", headers=headers)
    assert refused.status_code == 401
    assert refused.json()["error"]["code"] == "access_token_invalid"
