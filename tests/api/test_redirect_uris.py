"""Redirect URIs at authorize: wildcards only for desktop loopback ports, and plain-http
loopback callbacks for web apps in emulator mode, matched exactly."""

from __future__ import annotations

import httpx
import pytest

from tokstack.errors import ValidationError
from tokstack.services import accounts
from tokstack.web.container import Container


def authorize(client_key: str, redirect_uri: str) -> dict[str, str]:
    return {
        "client_key": client_key,
        "scope": "user.info.basic",
        "redirect_uri": redirect_uri,
        "response_type": "code",
        "state": "s",
    }


async def test_a_wildcard_stored_for_a_web_app_is_never_a_wildcard(
    container: Container, client: httpx.AsyncClient
) -> None:
    """A row registered before the rule existed: ``*`` matches only itself."""
    ctx = container.ctx
    dev = await accounts.create_developer(ctx, "Old")
    made = await accounts.create_app(
        ctx,
        developer_id=dev.id,
        name="Old",
        platform="web",
        redirect_uri_list=["https://old.example/cb/"],
    )
    async with ctx.store.unit() as unit:
        await unit.apps.update(made.app.id, redirect_uris=("https://old.example:*/cb/",))
    response = await client.get(
        "/v2/auth/authorize/", params=authorize(made.app.client_key, "https://old.example:444/cb/")
    )
    assert response.status_code == 400
    assert "redirect_uri" in response.text
    assert "location" not in response.headers


async def test_web_apps_register_loopback_callbacks_only_in_emulator_mode(
    container: Container, emulator: tuple[Container, httpx.AsyncClient]
) -> None:
    dev = await accounts.create_developer(container.ctx, "Prod")
    with pytest.raises(ValidationError, match="emulator mode"):
        await accounts.create_app(
            container.ctx,
            developer_id=dev.id,
            name="Local",
            platform="web",
            redirect_uri_list=["http://localhost:3000/cb"],
        )
    ctx = emulator[0].ctx
    dev = await accounts.create_developer(ctx, "Laptop")
    made = await accounts.create_app(
        ctx,
        developer_id=dev.id,
        name="Local",
        platform="web",
        redirect_uri_list=["http://localhost:3000/cb", "http://[::1]:8080/cb"],
    )
    client = emulator[1]
    for uri in ("http://localhost:3000/cb", "http://[::1]:8080/cb"):
        ok = await client.get("/v2/auth/authorize/", params=authorize(made.app.client_key, uri))
        assert ok.status_code == 303, ok.text  # on to the login page
    for uri in ("http://localhost:3001/cb", "http://localhost/cb", "http://[::1]:8081/cb"):
        refused = await client.get(
            "/v2/auth/authorize/", params=authorize(made.app.client_key, uri)
        )
        assert refused.status_code == 400 and "location" not in refused.headers
