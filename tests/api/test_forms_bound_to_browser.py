"""Every state-changing form is bound to the browser that loaded it: a form (and its token)
carried to another browser is refused there, even when that browser is logged in."""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import pytest

from tests.api.oauth_helpers import REDIRECT, Flow, hidden
from tests.conftest import PUBLIC_URL, World
from tokstack.web.app import create_app
from tokstack.web.container import Container

SCOPES = "user.info.basic,user.info.profile"


@pytest.fixture
async def browsers(container: Container) -> AsyncIterator[tuple[httpx.AsyncClient, ...]]:
    """Two browsers: separate cookie jars against the same server."""
    app = create_app(container)
    made = [
        httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url=PUBLIC_URL)
        for _ in range(2)
    ]
    yield tuple(made)
    for client in made:
        await client.aclose()


@pytest.fixture
async def web(world: World) -> dict[str, str]:
    dev = await world.developer()
    app = await world.app(dev, SCOPES, redirect_uris=[REDIRECT])
    await world.user("alice", password="alice-password")
    await world.user("bob", password="bob-password", display_name="Bob")
    return {"key": app.app.client_key}


def params(web: dict[str, str], state: str) -> dict[str, str]:
    return {
        "client_key": web["key"],
        "scope": SCOPES,
        "redirect_uri": REDIRECT,
        "response_type": "code",
        "state": state,
    }


async def logged_in(client: httpx.AsyncClient, web: dict[str, str], user: str) -> str:
    """Logs ``user`` in through an authorize request; returns the consent page's location."""
    flow = Flow(client)
    start = await flow.authorize(**params(web, f"state-of-{user}"))
    response = await flow.login(start.headers["location"], user, f"{user}-password")
    assert response.status_code == 303 and "/consent/" in response.headers["location"]
    return str(response.headers["location"])


async def test_consent_form_replayed_in_another_logged_in_browser_is_refused(
    browsers: tuple[httpx.AsyncClient, ...], web: dict[str, str]
) -> None:
    attacker, victim = browsers
    consent_at = await logged_in(attacker, web, "alice")
    form_page = await attacker.get(consent_at)
    stolen = {
        "i": hidden(form_page.text, "i"),
        "csrf": hidden(form_page.text, "csrf"),
        "action": "allow",
        "scope": ["user.info.basic", "user.info.profile"],
    }
    await logged_in(victim, web, "bob")
    replayed = await victim.post("/v2/auth/consent/", data=stolen)
    assert replayed.status_code == 403
    assert "code=" not in replayed.headers.get("location", "")
    assert "not accepted" in replayed.text
    # the form still works in the browser that loaded it
    own = await attacker.post("/v2/auth/consent/", data=stolen)
    assert own.status_code == 302 and "code=" in own.headers["location"]
    assert "state=state-of-alice" in own.headers["location"]


async def test_login_form_replayed_in_another_browser_is_refused(
    browsers: tuple[httpx.AsyncClient, ...], web: dict[str, str]
) -> None:
    first, second = browsers
    start = await Flow(first).authorize(**params(web, "s"))
    form_page = await first.get(start.headers["location"])
    await second.get(start.headers["location"])  # the second browser has a cookie of its own
    data = {
        "i": hidden(form_page.text, "i"),
        "csrf": hidden(form_page.text, "csrf"),
        "username": "alice",
        "password": "alice-password",
    }
    refused = await second.post("/v2/auth/login/", data=data)
    assert refused.status_code == 403
    assert "tokstack_session" not in refused.headers.get("set-cookie", "")
    accepted = await first.post("/v2/auth/login/", data=data)
    assert accepted.status_code == 303


async def test_a_token_of_one_interaction_does_not_serve_another(
    browsers: tuple[httpx.AsyncClient, ...], web: dict[str, str]
) -> None:
    client = browsers[0]
    one = await logged_in(client, web, "alice")
    page_one = await client.get(one)
    two = await Flow(client).authorize(**params(web, "second"))
    page_two = await client.get(two.headers["location"])
    mixed = {
        "i": hidden(page_two.text, "i"),
        "csrf": hidden(page_one.text, "csrf"),
        "action": "allow",
        "scope": ["user.info.basic"],
    }
    assert (await client.post("/v2/auth/consent/", data=mixed)).status_code == 403


@pytest.mark.parametrize(
    ("page", "post", "fields"),
    [
        ("/portal/signup", "/portal/signup", {"name": "D", "email": "d@example.com"}),
        ("/portal/login", "/portal/login", {"email": "d@example.com", "password": "x" * 12}),
        ("/account/login", "/account/login", {"username": "alice", "password": "alice-password"}),
    ],
)
async def test_portal_and_account_forms_replayed_in_another_browser_are_refused(
    browsers: tuple[httpx.AsyncClient, ...],
    web: dict[str, str],
    page: str,
    post: str,
    fields: dict[str, str],
) -> None:
    first, second = browsers
    token = hidden((await first.get(page)).text, "csrf")
    await second.get(page)
    data = {"csrf": token, "password": "long-enough-password", **fields}
    refused = await second.post(post, data=data)
    assert refused.status_code == 403
    assert "set-cookie" not in refused.headers


async def test_account_forms_of_a_logged_in_user_are_bound_too(
    browsers: tuple[httpx.AsyncClient, ...], web: dict[str, str]
) -> None:
    first, second = browsers
    for client, user in ((first, "alice"), (second, "bob")):
        token = hidden((await client.get("/account/login")).text, "csrf")
        answer = await client.post(
            "/account/login",
            data={"csrf": token, "username": user, "password": f"{user}-password"},
        )
        assert answer.status_code == 303
    stolen = hidden((await first.get("/account/")).text, "csrf")
    changed = await second.post("/account/profile", data={"csrf": stolen, "display_name": "Pwned"})
    assert changed.status_code == 403
    assert "Pwned" not in (await second.get("/account/")).text
