"""``GET /`` and the public profile at ``/@username`` (where profile_web_link points)."""

from __future__ import annotations

import httpx

from tests.conftest import PUBLIC_URL, World
from tokstack.services import profile
from tokstack.services.demo import DEMO_APPS, ensure_demo
from tokstack.web.container import Container


async def test_home_links_portal_account_and_api_reference(client: httpx.AsyncClient) -> None:
    response = await client.get("/")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/html")
    for link in ('href="/portal/"', 'href="/account/"', 'href="/openapi.json"'):
        assert link in response.text
    assert "awdemowebapp0001" not in response.text  # demo data only in emulator mode


async def test_home_in_emulator_mode_lists_demo_apps_and_users(
    emulator: tuple[Container, httpx.AsyncClient],
) -> None:
    await ensure_demo(emulator[0].ctx)
    client = emulator[1]
    page = (await client.get("/")).text
    for app in DEMO_APPS:
        assert app["client_key"] in page
    assert 'href="/@alice"' in page and 'href="/@bob"' in page
    assert "demo@tokstack.test" in page
    assert (await client.get("/@alice")).status_code == 200


async def test_profile_page_shows_what_user_info_describes(
    client: httpx.AsyncClient, world: World, container: Container
) -> None:
    dev = await world.developer()
    app = await world.app(dev, "user.info.basic,user.info.profile,user.info.stats")
    await world.user("carla", display_name="Carla Bruni", bio="Chansons", verified=True)
    await profile.operator_update(container.ctx, "carla", follower_count=4321, likes_count=99)
    token = await world.token(app.app.client_key, "carla", "user.info.basic,user.info.profile")
    info = await client.get(
        "/v2/user/info/",
        params={"fields": "profile_web_link,profile_deep_link"},
        headers={"Authorization": f"Bearer {token['access_token']}"},
    )
    user = info.json()["data"]["user"]
    for link in (user["profile_web_link"], user["profile_deep_link"]):
        assert link.startswith(PUBLIC_URL)
        page = await client.get(link.removeprefix(PUBLIC_URL))
        assert page.status_code == 200
        assert "Carla Bruni" in page.text and "@carla" in page.text and "Chansons" in page.text
        assert "Verified account" in page.text and "4321" in page.text
        assert "/tos-avt-0068-tx/" in page.text  # the signed avatar URL


async def test_unknown_and_banned_users_have_no_profile(
    client: httpx.AsyncClient, world: World, container: Container
) -> None:
    await world.user("gone", display_name="Gone")
    await profile.end_account(container.ctx, "gone", "banned")
    for path in ("/@nobody", "/@gone"):
        response = await client.get(path)
        assert response.status_code == 404
        assert response.headers["content-type"].startswith("text/html")
        assert "Page not found" in response.text


async def test_the_generated_avatar_takes_the_display_names_letter(
    world: World, container: Container
) -> None:
    from tokstack.services.avatars import _name, default_image, render_sizes

    user_id = await world.user("alice", display_name="Zoe")
    async with container.ctx.store.read() as unit:
        user = await unit.users.get(user_id)
    assert user is not None and user.avatar_key
    stored = container.ctx.avatars.blobs.get(_name(user.avatar_key, 1080))
    assert stored == render_sizes(default_image("Zoe"))[1080]
    assert stored != render_sizes(default_image("alice"))[1080]
