"""The developer portal over HTTP: accounts, apps, redirect-URI rules, secret rotation."""

from __future__ import annotations

import io
import re

import httpx
import pytest
from PIL import Image

from tests.api.oauth_helpers import hidden
from tokstack.services.context import Context


async def csrf_of(client: httpx.AsyncClient, path: str) -> str:
    page = await client.get(path)
    assert page.status_code == 200, page.text
    return hidden(page.text, "csrf")


async def sign_up(client: httpx.AsyncClient, email: str = "dev@example.com") -> httpx.Response:
    token = await csrf_of(client, "/portal/signup")
    return await client.post(
        "/portal/signup",
        data={"csrf": token, "name": "Dana Dev", "email": email, "password": "dev-password"},
    )


def app_form(token: str, **changes: object) -> dict[str, object]:
    form: dict[str, object] = {
        "csrf": token,
        "name": "Cat Videos",
        "platform": "web",
        "redirect_uris": "https://cats.example/cb/\nhttps://cats.example/cb2/",
        "scopes": ["user.info.profile"],
        "webhook_url": "https://cats.example/hook",
    }
    form.update(changes)
    return form


async def create(client: httpx.AsyncClient, **changes: object) -> httpx.Response:
    token = await csrf_of(client, "/portal/apps/new")
    return await client.post("/portal/apps/new", data=app_form(token, **changes))


def secret_on(page: str) -> str:
    match = re.search(r'<code id="client-secret">([A-Za-z0-9]{32})</code>', page)
    assert match, "no secret shown"
    return match.group(1)


def key_on(page: str) -> str:
    match = re.search(r'<code id="client-key">(aw[a-z0-9]{14})</code>', page)
    assert match
    return match.group(1)


async def client_token(client: httpx.AsyncClient, key: str, secret: str) -> httpx.Response:
    return await client.post(
        "/v2/oauth/token/",
        data={"client_key": key, "client_secret": secret, "grant_type": "client_credentials"},
    )


async def test_sign_up_log_out_and_in(client: httpx.AsyncClient) -> None:
    response = await sign_up(client)
    assert response.status_code == 303 and response.headers["location"] == "/portal/"
    assert "Your apps" in (await client.get("/portal/")).text
    token = await csrf_of(client, "/portal/")
    await client.post("/portal/logout", data={"csrf": token})
    assert (await client.get("/portal/")).status_code == 303
    token = await csrf_of(client, "/portal/login")
    bad = await client.post(
        "/portal/login",
        data={"csrf": token, "email": "dev@example.com", "password": "wrong-password"},
    )
    assert bad.status_code == 401 and "Incorrect email or password." in bad.text
    good = await client.post(
        "/portal/login",
        data={"csrf": token, "email": "DEV@example.com", "password": "dev-password"},
    )
    assert good.status_code == 303


@pytest.mark.parametrize(
    ("email", "password", "message"),
    [("not-an-email", "dev-password", "valid email"), ("a@b.example", "short", "8 characters")],
)
async def test_sign_up_errors(
    client: httpx.AsyncClient, email: str, password: str, message: str
) -> None:
    token = await csrf_of(client, "/portal/signup")
    response = await client.post(
        "/portal/signup", data={"csrf": token, "name": "X", "email": email, "password": password}
    )
    assert response.status_code == 400 and message in response.text


async def test_duplicate_email_and_missing_csrf(client: httpx.AsyncClient) -> None:
    await sign_up(client)
    again = await sign_up(client)
    assert again.status_code == 400 and "already exists" in again.text
    forged = await client.post(
        "/portal/signup", data={"name": "X", "email": "x@example.com", "password": "dev-password"}
    )
    assert forged.status_code == 403


async def test_bad_redirect_uri_is_named_and_nothing_is_saved(client: httpx.AsyncClient) -> None:
    await sign_up(client)
    response = await create(client, redirect_uris="https://cats.example/cb/\nhttp://cats.example/x")
    assert response.status_code == 400
    assert "<code>http://cats.example/x</code> must be an absolute https URL" in response.text
    assert "nothing was saved" in response.text
    assert "No apps yet." in (await client.get("/portal/")).text
    created = await create(client)
    assert created.status_code == 200
    secret, key = secret_on(created.text), key_on(created.text)
    assert (await client_token(client, key, secret)).status_code == 200
    page = await client.get(f"/portal/apps/{key}")
    assert secret not in page.text and key in page.text  # shown once


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"platform": "desktop", "redirect_uris": "http://example.com:80/cb"}, "desktop apps"),
        ({"platform": "mini", "scopes": ["user.info.stats"], "redirect_uris": ""}, "scopes"),
        ({"redirect_uris": "\n".join(f"https://a.example/{i}" for i in range(11))}, "at most 10"),
        ({"webhook_url": "ftp://x"}, "webhook_url"),
        ({"webhook_url": "https://[::1/hook"}, "webhook_url"),
        ({"webhook_url": "https://hooks.example/" + "a" * 600}, "webhook_url"),
        ({"redirect_uris": "https://[::1/cb"}, "not a valid URL"),
        ({"name": ""}, "name"),
    ],
)
async def test_app_form_rules(
    client: httpx.AsyncClient, changes: dict[str, object], field: str
) -> None:
    await sign_up(client)
    response = await create(client, **changes)
    assert response.status_code == 400 and field in response.text


async def test_rotation_kills_the_old_secret_at_once(client: httpx.AsyncClient) -> None:
    await sign_up(client)
    created = await create(client)
    old, key = secret_on(created.text), key_on(created.text)
    token = await csrf_of(client, f"/portal/apps/{key}")
    rotated = await client.post(f"/portal/apps/{key}/rotate", data={"csrf": token})
    new = secret_on(rotated.text)
    assert new != old
    refused = await client_token(client, key, old)
    assert refused.status_code == 401 and refused.json()["error"] == "invalid_client"
    assert (await client_token(client, key, new)).status_code == 200


async def test_edit_app(client: httpx.AsyncClient) -> None:
    await sign_up(client)
    key = key_on((await create(client)).text)
    token = await csrf_of(client, f"/portal/apps/{key}")
    response = await client.post(
        f"/portal/apps/{key}",
        data=app_form(
            token,
            name="Dog Videos",
            scopes=["user.info.stats"],
            redirect_uris="https://dogs.example/cb/",
        ),
    )
    assert response.status_code == 303
    page = (await client.get(f"/portal/apps/{key}")).text
    assert "Dog Videos" in page and "https://dogs.example/cb/" in page
    bad = await client.post(f"/portal/apps/{key}", data=app_form(token, redirect_uris="nope"))
    assert bad.status_code == 400
    assert "https://dogs.example/cb/" in (await client.get(f"/portal/apps/{key}")).text


async def test_developers_see_only_their_own_apps(client: httpx.AsyncClient) -> None:
    await sign_up(client, "one@example.com")
    key = key_on((await create(client)).text)
    client.cookies.clear()
    await sign_up(client, "two@example.com")
    assert "No apps yet." in (await client.get("/portal/")).text
    assert (await client.get(f"/portal/apps/{key}")).status_code == 404
    token = await csrf_of(client, "/portal/")
    assert (
        await client.post(f"/portal/apps/{key}/rotate", data={"csrf": token})
    ).status_code == 404


async def test_icon_upload_shows_on_the_consent_page(client: httpx.AsyncClient) -> None:
    await sign_up(client)
    key = key_on((await create(client)).text)
    token = await csrf_of(client, f"/portal/apps/{key}")
    image = io.BytesIO()
    Image.new("RGB", (300, 200), (200, 30, 30)).save(image, "PNG")
    response = await client.post(
        f"/portal/apps/{key}/icon",
        data={"csrf": token},
        files={"icon": ("icon.png", image.getvalue(), "image/png")},
    )
    assert response.status_code == 303
    page = (await client.get(f"/portal/apps/{key}")).text
    src = re.search(r'src="(/app-icons/icon-[0-9a-f]+\.png)"', page)
    assert src
    icon = await client.get(src.group(1))
    assert icon.status_code == 200 and Image.open(io.BytesIO(icon.content)).size == (256, 256)
    bad = await client.post(
        f"/portal/apps/{key}/icon",
        data={"csrf": token},
        files={"icon": ("x.png", b"not an image", "image/png")},
    )
    assert bad.status_code == 400 and "not a readable image" in bad.text


async def test_audited_and_verified_url_prefixes(client: httpx.AsyncClient, ctx: Context) -> None:
    await sign_up(client)
    key = key_on((await create(client)).text)
    async with ctx.store.read() as unit:
        made = await unit.apps.by_client_key(key)
    assert made is not None and not made.audited and made.url_prefixes == ()
    token = await csrf_of(client, f"/portal/apps/{key}")
    saved = await client.post(
        f"/portal/apps/{key}",
        data=app_form(token, audited="on", url_prefixes="https://cdn.cats.example/v/\n"),
    )
    assert saved.status_code == 303
    async with ctx.store.read() as unit:
        changed = await unit.apps.by_client_key(key)
    assert changed is not None and changed.audited
    assert changed.url_prefixes == ("https://cdn.cats.example/v/",)
    page = (await client.get(f"/portal/apps/{key}")).text
    assert 'id="audited" name="audited" checked' in page and "https://cdn.cats.example/v/" in page
    bad = await client.post(f"/portal/apps/{key}", data=app_form(token, url_prefixes="ftp://x"))
    assert bad.status_code == 400 and "url_prefixes" in bad.text
    async with ctx.store.read() as unit:
        kept = await unit.apps.by_client_key(key)
    assert kept is not None and kept.url_prefixes == ("https://cdn.cats.example/v/",)
