"""An app with "Continue with TikTok" that shows the user's videos: a small Starlette app
built on ``tokstack.client``.

It is what an integrator would write against real TikTok; its tests
(``test_example_app.py``) run it against tokstack through the pytest plugin.

    TIKTOK_CLIENT_KEY=… TIKTOK_CLIENT_SECRET=… TIKTOK_REDIRECT_URI=http://127.0.0.1:3000/callback \
    TIKTOK_BASE_URL=http://127.0.0.1:8000 uvicorn example_app:app_from_env --factory --port 3000
"""

from __future__ import annotations

import os
import secrets
from dataclasses import dataclass, field
from html import escape

from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.middleware.sessions import SessionMiddleware
from starlette.requests import Request
from starlette.responses import HTMLResponse, RedirectResponse, Response
from starlette.routing import Route

from tokstack.client import (
    AccessTokenInvalid,
    AsyncTikTok,
    OAuthError,
    RateLimitExceeded,
    ScopeNotAuthorized,
    TokenSet,
    webhooks,
)

SCOPES = ("user.info.basic", "user.info.profile", "video.list")
FIELDS = ("open_id", "display_name", "avatar_url", "bio_description", "is_verified")


@dataclass
class Config:
    client_key: str
    client_secret: str
    redirect_uri: str
    tiktok_url: str | None = None  # None: real TikTok
    session_secret: str = field(default_factory=lambda: secrets.token_hex(32))


@dataclass
class Accounts:
    """The app's own storage (a database in a real app): tokens by session, and the TikTok
    users whose authorization was removed."""

    tokens: dict[str, TokenSet] = field(default_factory=dict)
    removed: set[str] = field(default_factory=set)


def page(
    title: str, body: str, status: int = 200, headers: dict[str, str] | None = None
) -> Response:
    html = f"<!doctype html><html lang=en><title>{escape(title)}</title><main>{body}</main></html>"
    return HTMLResponse(html, status, headers)


def create_app(config: Config) -> Starlette:
    accounts = Accounts()

    def tiktok() -> AsyncTikTok:
        # a page should not hang: a 429 asking for more than 2 s is shown, not waited out
        return AsyncTikTok(
            config.client_key, config.client_secret, base_url=config.tiktok_url, max_retry_wait=2
        )

    async def home(request: Request) -> Response:
        if request.session.get("sid") in accounts.tokens:
            return RedirectResponse("/profile", 303)
        notice = escape(request.session.pop("notice", ""))
        return page("Home", f"<p>{notice}</p><a href='/login'>Continue with TikTok</a>")

    async def login(request: Request) -> Response:
        async with tiktok() as client:
            started = client.authorize_url(config.redirect_uri, SCOPES)
        request.session["oauth"] = {"state": started.state, "verifier": started.code_verifier}
        return RedirectResponse(started.url, 302)

    async def callback(request: Request) -> Response:
        pending = request.session.pop("oauth", None)
        if pending is None or request.query_params.get("state") != pending["state"]:
            return page("Login failed", "<p>This login link is stale. Try again.</p>", 400)
        if "error" in request.query_params:
            reason = escape(request.query_params["error"])
            return page("Login cancelled", f"<p>TikTok login was cancelled ({reason}).</p>", 403)
        async with tiktok() as client:
            tokens = await client.exchange_code(
                request.query_params.get("code", ""), config.redirect_uri, pending["verifier"]
            )
        sid = secrets.token_urlsafe(16)
        accounts.tokens[sid] = tokens
        request.session["sid"] = sid
        return RedirectResponse("/profile", 303)

    def log_out(request: Request, notice: str) -> Response:
        accounts.tokens.pop(request.session.pop("sid", ""), None)
        request.session["notice"] = notice
        return RedirectResponse("/", 303)

    async def profile(request: Request) -> Response:
        sid = request.session.get("sid", "")
        tokens = accounts.tokens.get(sid)
        if tokens is None:
            return RedirectResponse("/", 303)
        if tokens.open_id in accounts.removed:
            return log_out(request, "Your TikTok account was disconnected from this app.")
        async with tiktok() as client:
            try:
                try:
                    user = await client.user_info(tokens.access_token, fields=FIELDS)
                except AccessTokenInvalid:  # expired: refresh once, then ask again
                    tokens = accounts.tokens[sid] = await client.refresh(tokens.refresh_token)
                    user = await client.user_info(tokens.access_token, fields=FIELDS)
            except RateLimitExceeded as busy:
                wait = int(busy.retry_after or 1)
                return page(
                    "Busy",
                    f"<p>TikTok is busy. Try again in {wait} seconds.</p>",
                    503,
                    {"Retry-After": str(wait)},
                )
            except OAuthError:  # the refresh token is gone too: log in again
                return log_out(request, "Your TikTok session ended. Please log in again.")
        name = escape(user.display_name or "")
        return page(
            "Profile",
            f"<h1>{name}</h1><p>{escape(user.bio_description or '')}</p>"
            "<p><a href='/videos'>My videos</a></p>",
        )

    async def videos(request: Request) -> Response:
        """Show my videos: every page of the user's public videos, with their covers."""
        tokens = accounts.tokens.get(request.session.get("sid", ""))
        if tokens is None:
            return RedirectResponse("/", 303)
        async with tiktok() as client:
            try:
                mine = [
                    video
                    async for video in client.iter_videos(
                        tokens.access_token,
                        fields=("id", "title", "cover_image_url", "share_url"),
                        max_count=20,
                    )
                ]
            except ScopeNotAuthorized:
                return page("Videos", "<p>Allow this app to see your videos to list them.</p>", 403)
        items = "".join(
            f"<li><a href='{escape(v.share_url or '')}'>"
            f"<img src='{escape(v.cover_image_url or '')}' alt=''>"
            f"{escape(v.title or 'Untitled')}</a></li>"
            for v in mine
        )
        return page("Videos", f"<h1>My videos ({len(mine)})</h1><ul>{items}</ul>")

    async def webhook(request: Request) -> Response:
        body = await request.body()
        try:
            event = webhooks.verify(
                config.client_secret, request.headers.get("TikTok-Signature", ""), body
            )
        except webhooks.InvalidSignature:
            return Response("bad signature", 400)
        if event.event == "authorization.removed":
            accounts.removed.add(event.user_openid)
        return Response(status_code=200)

    app = Starlette(
        routes=[
            Route("/", home),
            Route("/login", login),
            Route("/callback", callback),
            Route("/profile", profile),
            Route("/videos", videos),
            Route("/webhooks/tiktok", webhook, methods=["POST"]),
        ],
        middleware=[Middleware(SessionMiddleware, secret_key=config.session_secret)],
    )
    app.state.accounts = accounts
    return app


def app_from_env() -> Starlette:
    return create_app(
        Config(
            client_key=os.environ["TIKTOK_CLIENT_KEY"],
            client_secret=os.environ["TIKTOK_CLIENT_SECRET"],
            redirect_uri=os.environ["TIKTOK_REDIRECT_URI"],
            tiktok_url=os.environ.get("TIKTOK_BASE_URL"),
        )
    )
