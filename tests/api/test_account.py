"""The account page over HTTP: authorized apps, removal, profile, avatar, password;
and the operator's ban and delete, which tell the apps."""

from __future__ import annotations

import io
import json
import re
from typing import Any

import httpx
import pytest
from PIL import Image
from typer.testing import CliRunner

from tests.api.test_portal import csrf_of
from tests.conftest import World
from tokstack.services import profile
from tokstack.web.container import Container

SCOPES = "user.info.basic,user.info.profile"


@pytest.fixture
async def granted(world: World) -> dict[str, Any]:
    dev = await world.developer()
    app = await world.app(dev, SCOPES, name="Cat Videos", webhook_url="https://cats.example/h")
    await world.user("alice", password="alice-password", display_name="Alice")
    token = await world.token(app.app.client_key, "alice", SCOPES)
    return {"token": token, "app": app}


async def log_in(client: httpx.AsyncClient, password: str = "alice-password") -> httpx.Response:
    token = await csrf_of(client, "/account/login")
    return await client.post(
        "/account/login", data={"csrf": token, "username": "alice", "password": password}
    )


async def info(client: httpx.AsyncClient, token: str, fields: str) -> httpx.Response:
    return await client.get(
        "/v2/user/info/", params={"fields": fields}, headers={"Authorization": f"Bearer {token}"}
    )


def png(colour: tuple[int, int, int], size: tuple[int, int] = (400, 300)) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", size, colour).save(buffer, "PNG")
    return buffer.getvalue()


async def queued_events(container: Container) -> list[dict[str, Any]]:
    async with container.ctx.store.unit() as unit:
        events = await unit.webhooks.claim_due(container.ctx.clock.now() + 1, 1, 100)
    return [json.loads(e.body) for e in events]


async def test_login_required(client: httpx.AsyncClient) -> None:
    response = await client.get("/account/")
    assert response.status_code == 303 and response.headers["location"] == "/account/login"


async def test_remove_app_revokes_tokens_and_queues_reason_1(
    client: httpx.AsyncClient, granted: dict[str, Any], container: Container
) -> None:
    assert (await log_in(client)).status_code == 303
    page = (await client.get("/account/")).text
    assert "Cat Videos" in page and "user.info.basic, user.info.profile" in page
    authorization = re.search(r'action="/account/apps/(\d+)/remove"', page)
    assert authorization
    token = await csrf_of(client, "/account/")
    removed = await client.post(
        f"/account/apps/{authorization.group(1)}/remove", data={"csrf": token}
    )
    assert removed.status_code == 303
    assert "You have not authorized any apps." in (await client.get("/account/")).text
    refused = await info(client, granted["token"]["access_token"], "open_id")
    assert refused.status_code == 401 and refused.json()["error"]["code"] == "access_token_invalid"
    [event] = await queued_events(container)
    assert event["event"] == "authorization.removed"
    assert event["user_openid"] == granted["token"]["open_id"]
    assert json.loads(event["content"]) == {"reason": 1}


async def test_cannot_remove_someone_elses_authorization(
    client: httpx.AsyncClient, granted: dict[str, Any], world: World
) -> None:
    await world.user("bob", password="bob-password")
    token = await csrf_of(client, "/account/login")
    await client.post(
        "/account/login", data={"csrf": token, "username": "bob", "password": "bob-password"}
    )
    token = await csrf_of(client, "/account/")
    response = await client.post("/account/apps/1/remove", data={"csrf": token})
    assert response.status_code == 404
    # ids past any integer column are just as unknown, not a server error
    for huge in ("9223372036854775808", "9" * 40):
        response = await client.post(f"/account/apps/{huge}/remove", data={"csrf": token})
        assert response.status_code == 404
    assert (await info(client, granted["token"]["access_token"], "open_id")).status_code == 200


async def test_profile_edit_shows_in_user_info(
    client: httpx.AsyncClient, granted: dict[str, Any]
) -> None:
    await log_in(client)
    token = await csrf_of(client, "/account/")
    saved = await client.post(
        "/account/profile",
        data={"csrf": token, "display_name": "Alice Cooper", "bio": "School's out"},
    )
    assert saved.status_code == 303
    user = (
        await info(client, granted["token"]["access_token"], "display_name,bio_description")
    ).json()["data"]["user"]
    assert user == {"display_name": "Alice Cooper", "bio_description": "School's out"}
    empty = await client.post("/account/profile", data={"csrf": token, "display_name": " "})
    assert empty.status_code == 400


async def test_avatar_upload_and_bad_uploads_keep_the_old_one(
    client: httpx.AsyncClient, granted: dict[str, Any]
) -> None:
    await log_in(client)
    access = granted["token"]["access_token"]
    fields = "avatar_url,avatar_url_100,avatar_large_url"
    token = await csrf_of(client, "/account/")
    uploaded = await client.post(
        "/account/avatar",
        data={"csrf": token},
        files={"avatar": ("me.png", png((10, 200, 10)), "image/png")},
    )
    assert uploaded.status_code == 303
    urls = (await info(client, access, fields)).json()["data"]["user"]
    for field, size in (("avatar_url_100", 100), ("avatar_url", 168), ("avatar_large_url", 1080)):
        image = Image.open(io.BytesIO((await client.get(urls[field])).content))
        assert image.size == (size, size)
        assert image.convert("RGB").getpixel((size // 2, size // 2))[1] > 150  # green
    bomb = io.BytesIO()
    Image.new("1", (8001, 10)).save(bomb, "PNG")
    for name, data in (
        ("x.txt", b"hello"),
        ("big.png", bomb.getvalue()),
        ("huge.png", b"\x89PNG" + b"0" * (10 * 1024 * 1024 + 1)),
    ):
        refused = await client.post(
            "/account/avatar", data={"csrf": token}, files={"avatar": (name, data, "image/png")}
        )
        assert refused.status_code == 400 and "Avatar not changed" in refused.text
    still = (await info(client, access, fields)).json()["data"]["user"]
    assert (await client.get(still["avatar_url"])).status_code == 200
    assert still["avatar_url"].split("?")[0] == urls["avatar_url"].split("?")[0]


async def test_change_password(client: httpx.AsyncClient, granted: dict[str, Any]) -> None:
    await log_in(client)
    token = await csrf_of(client, "/account/")
    wrong = await client.post(
        "/account/password", data={"csrf": token, "current": "nope-nope", "new": "new-password-1"}
    )
    assert wrong.status_code == 400 and "not correct" in wrong.text
    ok = await client.post(
        "/account/password",
        data={"csrf": token, "current": "alice-password", "new": "new-password-1"},
    )
    assert ok.status_code == 303
    client.cookies.clear()
    assert (await log_in(client, "alice-password")).status_code == 401
    assert (await log_in(client, "new-password-1")).status_code == 303


@pytest.mark.parametrize(("status", "reason"), [("banned", 4), ("deleted", 2)])
async def test_operator_ban_and_delete_tell_the_apps(
    client: httpx.AsyncClient,
    granted: dict[str, Any],
    container: Container,
    status: str,
    reason: int,
) -> None:
    assert await profile.end_account(container.ctx, "alice", status) == 1
    assert (await info(client, granted["token"]["access_token"], "open_id")).status_code == 401
    [event] = await queued_events(container)
    assert json.loads(event["content"]) == {"reason": reason}
    assert (await log_in(client)).status_code == 401


def test_cli_operator_commands(tmp_path: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    from tokstack.cli.main import cli

    monkeypatch.setenv("TOKSTACK_DATA_DIR", str(tmp_path))
    runner = CliRunner()
    assert (
        runner.invoke(
            cli, ["user", "create", "--username", "carol", "--display-name", "C"]
        ).exit_code
        == 0
    )
    result = runner.invoke(
        cli,
        [
            "user",
            "update",
            "--username",
            "carol",
            "--verified",
            "--followers",
            "12",
            "--likes",
            "99",
            "--json",
        ],
    )
    assert result.exit_code == 0, result.output
    body = json.loads(result.stdout)
    assert body["is_verified"] is True and body["follower_count"] == 12
    assert body["likes_count"] == 99 and body["video_count"] == 0
    negative = runner.invoke(cli, ["user", "update", "--username", "carol", "--videos", "-1"])
    assert negative.exit_code == 1 and "must not be negative" in negative.stderr
    banned = runner.invoke(cli, ["user", "ban", "--username", "carol", "--json"])
    assert json.loads(banned.stdout)["status"] == "banned"
    missing = runner.invoke(cli, ["user", "delete", "--username", "nobody"])
    assert missing.exit_code == 1 and "no user named" in missing.stderr
