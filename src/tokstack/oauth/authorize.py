"""``/v2/auth/authorize/``: validate, hold the request while the user logs in and consents,
then issue a code (or an error) to the verified redirect URI.

Checks run in order. Until the client and its redirect URI are trusted, failures are
``UntrustedAuthorizeParam`` (an HTML page naming the parameter); after that they carry the
redirect URI and ``state`` so the user agent is sent back to the app.
"""

from __future__ import annotations

import secrets
from collections.abc import Mapping
from dataclasses import asdict, dataclass
from urllib.parse import urlencode

import orjson

from tokstack.domain import redirect_uris, scopes
from tokstack.domain.models import App
from tokstack.errors import (
    AccessDenied,
    ApiError,
    InvalidRequest,
    InvalidScope,
    UnsupportedResponseType,
    UntrustedAuthorizeParam,
)
from tokstack.oauth import pkce
from tokstack.services.context import Context

MAX_STATE = 8192
INTERACTION_TTL = 1800
PKCE_REQUIRED = ("desktop", "ios", "android")
MINIS_CALLBACK = "/minis/callback/"


@dataclass(frozen=True)
class AuthorizeRequest:
    """A validated authorization request, held server-side during login and consent."""

    id: str
    csrf: str
    app_id: int
    client_key: str
    app_name: str
    platform: str
    redirect_uri: str
    scopes: tuple[str, ...]
    state: str | None
    code_challenge: str | None
    auto_auth: bool  # disable_auto_auth=0: skip consent when everything was granted before
    icon_key: str | None = None

    def dumps(self) -> str:
        return orjson.dumps(asdict(self)).decode()

    @classmethod
    def loads(cls, raw: str) -> AuthorizeRequest:
        values = orjson.loads(raw)
        values["scopes"] = tuple(values["scopes"])
        return cls(**values)

    @property
    def silent(self) -> bool:
        """A Minis silent login: only ``user.info.open_id``, granted without a consent page."""
        return self.platform == "mini" and self.scopes == (scopes.OPEN_ID,)


def _redirect_allowed(ctx: Context, app: App, uri: str) -> bool:
    if app.platform == "mini" and uri == ctx.public_url + MINIS_CALLBACK:
        return True
    return any(redirect_uris.matches(app.platform, r, uri) for r in app.redirect_uris)


def _checked_scopes(app: App, raw: str | None) -> tuple[str, ...]:
    requested = scopes.parse(raw)
    if not requested:
        raise InvalidScope("The scope parameter is required.")
    unknown = scopes.unknown(requested)
    if unknown:
        raise InvalidScope(f"Unknown scope: {','.join(unknown)}.")
    not_approved = [s for s in requested if s not in app.scopes]
    if not_approved:
        raise InvalidScope(f"The app is not approved for: {','.join(not_approved)}.")
    return scopes.canonical(requested)


def _checked_challenge(app: App, params: Mapping[str, str]) -> str | None:
    method = params.get("code_challenge_method")
    challenge = params.get("code_challenge") or None
    if method is not None and method != "S256":
        raise InvalidRequest("code_challenge_method must be S256.")
    if challenge is None:
        if app.platform in PKCE_REQUIRED:
            raise InvalidRequest("code_challenge is required for this app.")
        return None
    if not pkce.valid_challenge(challenge):
        raise InvalidRequest("code_challenge is invalid.")
    return challenge


async def validate(ctx: Context, params: Mapping[str, str]) -> AuthorizeRequest:
    client_key = params.get("client_key", "").strip()
    if not client_key:
        raise UntrustedAuthorizeParam("client_key", detail="missing client_key")
    async with ctx.store.read() as unit:
        app = await unit.apps.by_client_key(client_key)
    if app is None:
        raise UntrustedAuthorizeParam("client_key", detail=f"unknown client_key {client_key}")
    redirect_uri = params.get("redirect_uri", "")
    if not redirect_uri or not _redirect_allowed(ctx, app, redirect_uri):
        raise UntrustedAuthorizeParam("redirect_uri", detail=f"unregistered {redirect_uri!r}")
    state = params.get("state")
    try:
        if state is not None and len(state) > MAX_STATE:
            state = None
            raise InvalidRequest(f"state must be at most {MAX_STATE} characters.")
        if params.get("response_type", "code") != "code":
            raise UnsupportedResponseType("response_type must be code.")
        requested = _checked_scopes(app, params.get("scope"))
        challenge = _checked_challenge(app, params)
    except ApiError as error:
        raise error.redirect_to(redirect_uri, state) from None
    return AuthorizeRequest(
        id=secrets.token_urlsafe(24),
        csrf=secrets.token_urlsafe(24),
        app_id=app.id,
        client_key=app.client_key,
        app_name=app.name,
        platform=app.platform,
        redirect_uri=redirect_uri,
        scopes=requested,
        state=state,
        code_challenge=challenge,
        auto_auth=params.get("disable_auto_auth") == "0",
        icon_key=app.icon_key,
    )


async def hold(ctx: Context, request: AuthorizeRequest) -> None:
    await ctx.ephemeral.put(f"ix:{request.id}", request.dumps(), INTERACTION_TTL)


async def resume(ctx: Context, interaction_id: str) -> AuthorizeRequest | None:
    raw = await ctx.ephemeral.get(f"ix:{interaction_id}") if interaction_id else None
    return AuthorizeRequest.loads(raw) if raw else None


async def finish(ctx: Context, interaction_id: str) -> AuthorizeRequest | None:
    """Takes the interaction so that one consent yields at most one code."""
    raw = await ctx.ephemeral.take(f"ix:{interaction_id}") if interaction_id else None
    return AuthorizeRequest.loads(raw) if raw else None


def redirect_url(base: str, params: Mapping[str, str | None]) -> str:
    query = urlencode({k: v for k, v in params.items() if v is not None})
    return f"{base}{'&' if '?' in base else '?'}{query}"


def error_redirect(error: ApiError) -> str:
    assert error.redirect_uri is not None
    return redirect_url(
        error.redirect_uri,
        {"error": error.code, "error_description": error.description, "state": error.state},
    )


def denied(request: AuthorizeRequest) -> str:
    error = AccessDenied("The user denied the authorization request.")
    return error_redirect(error.redirect_to(request.redirect_uri, request.state))


def granted_scopes(request: AuthorizeRequest, ticked: set[str]) -> tuple[str, ...]:
    """What the user agreed to; ``user.info.basic`` cannot be unticked when it was asked for."""
    if request.silent:
        return request.scopes
    chosen = [s for s in request.scopes if s in ticked or s == scopes.BASIC]
    return tuple(chosen)
