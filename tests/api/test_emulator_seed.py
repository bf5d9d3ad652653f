"""Seed documents: a world declared in YAML or JSON, applied at start, on reset and on
request; every error names the path of the bad value; ids and fixed tokens are stable."""

from __future__ import annotations

import asyncio
import base64
import hashlib
import io
import json
import uuid
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import pytest
import yaml
from jsonschema import Draft202012Validator
from PIL import Image

from tests.api.oauth_helpers import hidden
from tests.conftest import PUBLIC_URL, emulator_server
from tokstack.config import Settings
from tokstack.domain.seed import schema
from tokstack.storage.sql import migrate
from tokstack.web.app import create_app
from tokstack.web.container import Container, build

ACCESS, REFRESH = "act.carolFixedAccessToken0001", "rft.carolFixedRefreshToken0001"
GIVEN_OPEN_ID = "carol-open-id-fixed-0001"
INFO = "/v2/user/info/?fields=open_id,union_id,display_name,bio_description,is_verified"
REPO = Path(__file__).resolve().parents[2]


def png(colour: tuple[int, int, int] = (200, 30, 30)) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (40, 40), colour).save(buffer, "PNG")
    return buffer.getvalue()


def document(**overrides: Any) -> dict[str, Any]:
    # fmt: off
    base: dict[str, Any] = {
        "developers": [{"name": "Acme", "email": "dev@acme.test", "password": "acme-password"}],
        "apps": [
            {
                "developer": "Acme", "name": "Acme Web", "platform": "web",
                "client_key": "awacmeweb0000001",
                "client_secret": "acmeSecret0000000000000000000001",
                "redirect_uris": ["https://acme.test/callback"],
                "scopes": ["user.info.profile", "user.info.stats"],
                "webhook_url": "https://acme.test/hook",
            },
            {"developer": "Acme", "name": "Acme Desktop", "platform": "desktop",
             "redirect_uris": ["http://127.0.0.1:*/cb"]},
        ],
        "users": [
            {"username": "carol", "display_name": "Carol Seed", "password": "carol-password",
             "avatar": "carol.png", "bio": "Seeded.", "verified": True, "followers": 5,
             "following": 6, "likes": 7, "videos": 8},
        ],
        "grants": [
            {"app": "awacmeweb0000001", "user": "carol", "scopes": ["user.info.profile"],
             "access_token": ACCESS, "refresh_token": REFRESH},
            {"app": "awdemowebapp0001", "user": "carol", "scopes": ["user.info.basic"],
             "open_id": GIVEN_OPEN_ID},
        ],
    }
    # fmt: on
    return base | overrides


async def served(tmp_path: Path, seed: dict[str, Any] | None) -> tuple[Container, Settings]:
    """A container as ``serve --demo --seed FILE`` builds it, the seed applied at start."""
    path = None
    if seed is not None:
        (tmp_path / "carol.png").write_bytes(png())
        path = tmp_path / "seed.yaml"
        path.write_text(yaml.safe_dump(seed))
    settings = Settings(
        data_dir=tmp_path / "data",
        secret_key="seed-secret-key-0123456789abcdefghijklmn",
        public_url=PUBLIC_URL,
        demo=True,
        seed=path,
        _env_file=None,  # type: ignore[call-arg]
    )
    migrate.upgrade(settings.resolved_database_url)
    container = build(settings)
    assert container.world is not None
    await container.world.populate()
    return container, settings


@pytest.fixture
async def seeded(tmp_path: Path) -> AsyncIterator[httpx.AsyncClient]:
    container, _ = await served(tmp_path, document())
    transport = httpx.ASGITransport(app=create_app(container))
    async with httpx.AsyncClient(transport=transport, base_url=PUBLIC_URL) as client:
        yield client
    await container.close()


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def uuid5(kind: str, *names: str) -> str:
    """The documented derivation of a seeded id (README: stable ids)."""
    return str(uuid.uuid5(uuid.NAMESPACE_URL, f"tokstack:{kind}:" + ":".join(names)))


async def test_the_seeded_world_answers_like_tiktok(seeded: httpx.AsyncClient) -> None:
    info = await seeded.get(INFO, headers=bearer(ACCESS))
    assert info.status_code == 200, info.text
    user = info.json()["data"]["user"]
    assert user["display_name"] == "Carol Seed" and user["bio_description"] == "Seeded."
    assert user["is_verified"] is True
    assert user["open_id"] == uuid5("open_id", "awacmeweb0000001", "carol")
    assert user["union_id"] == uuid5("union_id", "dev@acme.test", "carol")
    stats = await seeded.get(
        "/v2/user/info/?fields=follower_count,following_count,likes_count,video_count",
        headers=bearer(ACCESS),
    )
    assert stats.json()["error"]["code"] == "scope_not_authorized"  # granted profile only
    refreshed = await seeded.post("/v2/oauth/token/", data={
        "client_key": "awacmeweb0000001", "client_secret": "acmeSecret0000000000000000000001",
        "grant_type": "refresh_token", "refresh_token": REFRESH,
    })  # fmt: skip
    assert refreshed.status_code == 200, refreshed.text
    assert refreshed.json()["open_id"] == user["open_id"]
    assert refreshed.json()["scope"] == "user.info.basic,user.info.profile"


async def test_a_given_open_id_is_kept(seeded: httpx.AsyncClient) -> None:
    issued = await seeded.post(
        "/_tokstack/tokens",
        json={"client_key": "awdemowebapp0001", "username": "carol", "scopes": "user.info.basic"},
    )
    assert issued.json()["open_id"] == GIVEN_OPEN_ID


async def test_reset_brings_back_the_same_ids_and_fixed_tokens(seeded: httpx.AsyncClient) -> None:
    before = (await seeded.get(INFO, headers=bearer(ACCESS))).json()["data"]["user"]
    other = await seeded.post(
        "/_tokstack/tokens",
        json={"client_key": "awacmeweb0000001", "username": "carol", "scopes": "user.info.basic"},
    )
    random_token = other.json()["access_token"]
    reset = await seeded.post("/_tokstack/reset")
    assert reset.status_code == 200 and reset.json()["users"] == 3  # alice, bob, carol
    assert (await seeded.get(INFO, headers=bearer(random_token))).status_code == 401
    after = (await seeded.get(INFO, headers=bearer(ACCESS))).json()["data"]["user"]
    assert after == before
    derived = "aw" + hashlib.sha256(b"tokstack:client_key:Acme:Acme Desktop").hexdigest()[:14]
    page = await seeded.get(
        "/v2/auth/authorize/",
        params={"client_key": derived, "scope": "user.info.basic", "response_type": "code",
                "redirect_uri": "http://127.0.0.1:5000/cb", "state": "s",
                "code_challenge": hashlib.sha256(b"v").hexdigest(),
                "code_challenge_method": "S256"},
        follow_redirects=True,
    )  # fmt: skip
    assert page.status_code == 200, page.text  # the derived client_key is the same app
    assert "Carol Seed (@carol)" in page.text  # the seeded user is a one-click choice
    assert "Alice Example (@alice)" in page.text


async def test_post_seed_adds_and_answers_the_secrets_once(seeded: httpx.AsyncClient) -> None:
    extra = {
        "developers": [{"name": "Solo"}],
        "apps": [{"developer": "Solo", "name": "Solo App", "platform": "web",
                  "redirect_uris": ["https://solo.test/cb"]}],
        "users": [{"username": "dave", "avatar": "data:image/png;base64,"
                   + base64.b64encode(png((0, 90, 200))).decode()}],
        "grants": [{"app": "awacmeweb0000001", "user": "dave", "scopes": ["user.info.basic"]}],
    }  # fmt: skip
    added = await seeded.post("/_tokstack/seed", json=extra)
    assert added.status_code == 201, added.text
    body = added.json()
    (app,) = body["apps"]
    assert app["created"] is True and len(app["client_secret"]) == 32
    assert body["users"] == [{"username": "dave", "display_name": "dave", "created": True}]
    (grant,) = body["grants"]
    token = await seeded.post("/v2/oauth/token/", data={
        "client_key": app["client_key"], "client_secret": app["client_secret"],
        "grant_type": "client_credentials",
    })  # fmt: skip
    assert token.status_code == 200, token.text
    dave = await seeded.get(
        "/v2/user/info/?fields=display_name,avatar_url", headers=bearer(grant["access_token"])
    )
    assert dave.json()["data"]["user"]["display_name"] == "dave"
    picture = await seeded.get(dave.json()["data"]["user"]["avatar_url"])
    assert picture.status_code == 200 and picture.headers["content-type"] == "image/jpeg"
    again = (await seeded.post("/_tokstack/seed", json=extra)).json()
    assert again["apps"][0]["created"] is False and "client_secret" not in again["apps"][0]
    assert again["grants"][0]["created"] is False and "access_token" not in again["grants"][0]


async def test_yaml_over_http(seeded: httpx.AsyncClient) -> None:
    added = await seeded.post(
        "/_tokstack/seed",
        content=b"users:\n  - username: erin\n    display_name: Erin\n",
        headers={"content-type": "application/yaml"},
    )
    assert added.status_code == 201 and added.json()["users"][0]["created"] is True


@pytest.mark.parametrize(
    ("seed", "message"),
    [
        ({"apps": [{"developer": "Acme", "name": "x", "platform": "tv"}]},
         "apps[0].platform: 'tv' is not one of"),
        ({"users": [{"username": "x y"}]}, "users[0].username: 'x y' does not have the expected"),
        ({"users": [{"username": "ok", "colour": 1}]},
         "users[0]: Additional properties are not allowed ('colour' was unexpected)"),
        ({"grants": [{"app": "awdemowebapp0001", "user": "alice"}]},
         "grants[0]: 'scopes' is a required property"),
        ({"users": [{"username": "ok", "followers": -1}]}, "users[0].followers: -1 is less than"),
        ({"developers": [{"name": "A", "email": "a@b.test"}]}, "developers[0]: 'password' is a"),
        ({"apps": [{"developer": "Nobody", "name": "x", "platform": "mini"}]},
         "apps[0].developer: no developer named 'Nobody'"),
        ({"apps": [{"developer": "Demo Developer", "name": "x", "platform": "web",
                    "redirect_uris": ["http://evil.test/cb"]}]},
         "apps[0].redirect_uris: http://evil.test/cb:"),
        ({"apps": [{"developer": "Demo Developer", "name": "x", "platform": "mini",
                    "scopes": ["video.list"]}]},
         "apps[0].scopes: TikTok Minis only support"),
        ({"grants": [{"app": "awdemominiapp003", "user": "alice", "scopes": ["user.info.stats"]}]},
         "grants[0].scopes: app awdemominiapp003 is not approved for: user.info.stats"),
        ({"grants": [{"app": "awnope", "user": "zed", "scopes": ["user.info.basic"]}]},
         "grants[0].user: no user named 'zed'; grants[0].app: no app with client_key 'awnope'"),
        ({"users": [{"username": "dup"}, {"username": "dup"}]},
         "users[1]: the same username as users[0]"),
        ({"users": [{"username": "pic", "avatar": "carol.png"}]},
         "users[0].avatar: a seed sent over HTTP gives avatars as data: URLs"),
        ({"users": [{"username": "pic", "avatar": "data:image/png;base64,bm90IGFuIGltYWdl"}]},
         "users[0].avatar: the file is not a readable image"),
        ({"grants": [{"app": "awdemowebapp0001", "user": "alice", "scopes": ["user.info.basic"],
                      "access_token": "not-act"}]},
         "grants[0].access_token: 'not-act' does not have the expected form"),
        ([1, 2], "$: [1, 2] is not of type 'object'"),
    ],
)  # fmt: skip
async def test_bad_seeds_name_the_path_and_write_nothing(
    seeded: httpx.AsyncClient, seed: Any, message: str
) -> None:
    before = (await seeded.post("/_tokstack/reset")).json()
    refused = await seeded.post("/_tokstack/seed", json=seed)
    assert refused.status_code == 400, refused.text
    assert refused.json()["error"]["code"] == "invalid_request"
    assert message in refused.json()["error"]["message"]
    after = await seeded.post("/_tokstack/seed", json={})  # an empty seed adds nothing
    assert after.status_code == 201
    # nothing of the refused document was written: a reset finds the same world
    assert (await seeded.post("/_tokstack/reset")).json()["users"] == before["users"]


async def test_an_unreadable_body_is_a_400(seeded: httpx.AsyncClient) -> None:
    for content, kind in ((b"{nope", "application/json"), (b"a: [", "application/yaml")):
        refused = await seeded.post(
            "/_tokstack/seed", content=content, headers={"content-type": kind}
        )
        assert refused.status_code == 400
        assert refused.json()["error"]["message"].startswith("the seed")


async def test_demo_false_seeds_instead_of_the_demo(tmp_path: Path) -> None:
    container, _ = await served(tmp_path, document(demo=False, grants=[]))
    transport = httpx.ASGITransport(app=create_app(container))
    async with httpx.AsyncClient(transport=transport, base_url=PUBLIC_URL) as client:
        reset = (await client.post("/_tokstack/reset")).json()
        assert (reset["apps"], reset["users"]) == (2, 1)
        page = await client.get(
            "/v2/auth/authorize/",
            params={"client_key": "awacmeweb0000001", "scope": "user.info.basic",
                    "response_type": "code", "redirect_uri": "https://acme.test/callback"},
            follow_redirects=True,
        )  # fmt: skip
        assert "Carol Seed (@carol)" in page.text and "@alice" not in page.text
    await container.close()


async def test_a_restart_on_the_same_folder_keeps_the_world(tmp_path: Path) -> None:
    first, _ = await served(tmp_path, document())
    await first.close()
    again, _ = await served(tmp_path, document())  # applying twice creates nothing twice
    assert again.world is not None and again.world.seed is not None
    from tokstack.services.seeding import apply

    done = await apply(again.ctx, again.world.seed)
    assert not any(item["created"] for items in done.values() for item in items)
    await again.close()


def test_the_schema_is_a_valid_json_schema_and_the_example_follows_it() -> None:
    Draft202012Validator.check_schema(schema())
    example = yaml.safe_load((REPO / "docs" / "seed.example.yaml").read_text())
    assert list(Draft202012Validator(schema()).iter_errors(example)) == []
    on_disk = json.loads((REPO / "src/tokstack/domain/seed.schema.json").read_text())
    assert on_disk == schema()


async def test_a_seed_body_has_a_bound(seeded: httpx.AsyncClient) -> None:
    huge = b'{"users": [], "x": "' + b"a" * (32 * 1024 * 1024) + b'"}'
    refused = await seeded.post("/_tokstack/seed", content=huge)
    assert refused.status_code == 413
    assert "at most 33554432 bytes" in refused.json()["error"]["message"]


async def test_a_hundred_seeded_users_fit_in_one_request(seeded: httpx.AsyncClient) -> None:
    users = [{"username": f"user{n:04d}", "password": f"password-{n:04d}"} for n in range(100)]
    added = await seeded.post("/_tokstack/seed", json={"users": users})
    assert added.status_code == 201, added.text  # within the request budget (6 s)
    too_many = await seeded.post("/_tokstack/seed", json={"users": [*users, users[0]]})
    assert too_many.status_code == 400 and "users: [" in too_many.json()["error"]["message"]
    assert "is too long" in too_many.json()["error"]["message"]
    page = await seeded.get("/v2/auth/authorize/", follow_redirects=True, params={
        "client_key": "awacmeweb0000001", "scope": "user.info.basic", "response_type": "code",
        "redirect_uri": "https://acme.test/callback"})  # fmt: skip
    form = {"i": hidden(page.text, "i"), "csrf": hidden(page.text, "csrf"),
            "username": "user0099", "password": "password-0099"}  # fmt: skip
    logged_in = await seeded.post("/v2/auth/login/", data=form)
    assert logged_in.status_code == 303  # the light hash verifies like any other


async def test_a_seed_past_the_request_budget_is_still_applied_whole(tmp_path: Path) -> None:
    faces = [base64.b64encode(png((n * 20, 255 - n * 20, 90))).decode() for n in range(12)]
    users = [{"username": f"face{n:02d}", "avatar": f"data:image/png;base64,{face}"}
             for n, face in enumerate(faces)]  # fmt: skip
    async with emulator_server(tmp_path, request_timeout=0.05) as (container, client):
        late = await client.post("/_tokstack/seed", json={"users": users})
        assert late.status_code == 503  # the answer keeps to the budget...
        for _ in range(200):  # ...and the seed is written to its end all the same
            async with container.ctx.store.read() as unit:
                if await unit.users.by_username("face11") is not None:
                    break
            await asyncio.sleep(0.05)
        async with container.ctx.store.read() as unit:
            seeded = [u for u in await unit.users.all() if u.username.startswith("face")]
        assert len(seeded) == 12 and all(u.avatar_key for u in seeded)
