"""Driving the browser half of Login Kit over HTTP, as a user agent would."""

from __future__ import annotations

import base64
import hashlib
import html
import re
import secrets
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx

REDIRECT = "https://app.example/cb/"


def hidden(page: str, name: str) -> str:
    match = re.search(rf'name="{name}" value="([^"]*)"', page)
    assert match, f"no hidden field {name}"
    return html.unescape(match.group(1))


def query_of(location: str) -> dict[str, str]:
    return {k: v[0] for k, v in parse_qs(urlsplit(location).query).items()}


def pkce_pair(encoding: str = "b64") -> tuple[str, str]:
    verifier = secrets.token_urlsafe(48)[:64]
    digest = hashlib.sha256(verifier.encode()).digest()
    if encoding == "hex":
        return verifier, digest.hex()
    return verifier, base64.urlsafe_b64encode(digest).rstrip(b"=").decode()


@dataclass
class Flow:
    client: httpx.AsyncClient

    async def authorize(self, **params: str) -> httpx.Response:
        return await self.client.get("/v2/auth/authorize/", params=params)

    async def login(
        self, location: str, username: str = "alice", password: str = "alice-password"
    ) -> httpx.Response:
        form_page = await self.client.get(location)
        assert form_page.status_code == 200, form_page.text
        return await self.client.post(
            "/v2/auth/login/",
            data={
                "i": hidden(form_page.text, "i"),
                "csrf": hidden(form_page.text, "csrf"),
                "username": username,
                "password": password,
            },
        )

    async def consent(
        self, location: str, ticked: list[str] | None, action: str = "allow"
    ) -> httpx.Response:
        page = await self.client.get(location)
        assert page.status_code == 200, page.text
        data: dict[str, Any] = {
            "i": hidden(page.text, "i"),
            "csrf": hidden(page.text, "csrf"),
            "action": action,
        }
        if ticked is None:  # what the browser sends with every box left as shown
            ticked = re.findall(r'name="scope" value="([^"]+)"', page.text)
        data["scope"] = ticked
        return await self.client.post("/v2/auth/consent/", data=data)

    async def code(
        self,
        ticked: list[str] | None = None,
        username: str = "alice",
        password: str = "alice-password",
        **params: str,
    ) -> dict[str, str]:
        """Runs authorize -> login -> consent and returns the redirect's query."""
        response = await self.authorize(**params)
        if response.status_code == 303 and "/login/" in response.headers["location"]:
            response = await self.login(response.headers["location"], username, password)
        if response.status_code == 303 and "/consent/" in response.headers["location"]:
            response = await self.consent(response.headers["location"], ticked)
        assert response.status_code == 302, response.text
        return query_of(response.headers["location"])

    async def token(self, **form: str) -> httpx.Response:
        return await self.client.post("/v2/oauth/token/", data=form)
