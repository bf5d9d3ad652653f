"""Developers, apps and users: the records an operator creates (CLI, portal, demo seed)."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from urllib.parse import urlsplit

import anyio.to_thread

from tokstack import ids
from tokstack.domain import redirect_uris, scopes
from tokstack.domain.models import App, Developer, User
from tokstack.errors import Conflict, NotFound, ValidationError
from tokstack.services.context import Context
from tokstack.services.passwords import hash_password
from tokstack.storage.ports import Unit

USERNAME = re.compile(r"^[A-Za-z0-9_.]{2,24}$")


@dataclass(frozen=True)
class NewApp:
    app: App
    client_secret: str  # shown once; only its digest is stored


def _text(value: str, what: str, limit: int) -> str:
    value = value.strip()
    if not value:
        raise ValidationError(f"{what} must not be empty")
    if len(value) > limit:
        raise ValidationError(f"{what} must be at most {limit} characters")
    return value


# at most 254 characters in all (RFC 5321's path limit; the column holds 320)
EMAIL = re.compile(r"^(?=.{6,254}$)[^@\s]{1,64}@[^@\s]{1,255}\.[^@\s]{2,}$")


async def create_developer(
    ctx: Context,
    name: str,
    email: str | None = None,
    password: str | None = None,
    password_hash: str | None = None,
) -> Developer:
    """A developer; with an email and a password they can also log in to the portal.
    ``password_hash`` instead of ``password``: a hash made earlier (the demo seed's)."""
    name = _text(name, "name", 200)
    if password_hash is not None:
        email = (email or "").strip().lower()
        if not EMAIL.match(email):
            raise ValidationError("a valid email address is required to log in to the portal")
    elif email is not None or password is not None:
        email = (email or "").strip().lower()
        if not EMAIL.match(email):
            raise ValidationError("a valid email address is required to log in to the portal")
        if password is None or len(password) < 8:
            raise ValidationError("a password of at least 8 characters is required with an email")
        password_hash = await anyio.to_thread.run_sync(hash_password, password)
    try:
        async with ctx.store.unit() as unit:
            return await unit.developers.add(name, ctx.clock.now(), email, password_hash)
    except Conflict:
        raise Conflict(f"a developer with the email {email!r} exists") from None


def app_scopes(platform: str, requested: Sequence[str]) -> tuple[str, ...]:
    """Validated scopes for an app; Login Kit apps always get ``user.info.basic``."""
    bad = scopes.unknown(requested)
    if bad:
        raise ValidationError(f"unknown scope(s): {', '.join(bad)}")
    if platform == "mini":
        outside = [s for s in requested if s not in scopes.MINI_SCOPES]
        if outside:
            raise ValidationError(
                "TikTok Minis only support user.info.basic and user.info.open_id, not "
                + ", ".join(outside)
            )
    return scopes.canonical([scopes.BASIC, *requested])


MAX_URL_PREFIXES = 20


def check_url_prefixes(prefixes: Sequence[str]) -> tuple[str, ...]:
    """Verified URL prefixes for PULL_FROM_URL: absolute http(s) URLs with a host, a path
    after it (``https://cdn.example/`` at least), at most 20 of 500 characters each."""
    found = tuple(dict.fromkeys(p.strip() for p in prefixes if p.strip()))
    if len(found) > MAX_URL_PREFIXES:
        raise ValidationError(f"at most {MAX_URL_PREFIXES} verified URL prefixes")
    for prefix in found:
        parts = urlsplit(prefix)
        if (
            len(prefix) > 500 or parts.scheme not in ("https", "http") or not parts.hostname
            or not parts.path or parts.username or parts.query or parts.fragment
        ):  # fmt: skip
            raise ValidationError(
                f"{prefix!r} is not a URL prefix like https://cdn.example.com/videos/"
            )
    return found


def check_webhook_url(url: str | None) -> str | None:
    if not url:
        return None
    if len(url) > 512:
        raise ValidationError("webhook URL must be at most 512 characters")
    try:
        parts = urlsplit(url)
        absolute = parts.scheme in ("https", "http") and bool(parts.hostname)
    except ValueError:  # "http://[::1" and other unparsable URLs
        absolute = False
    if not absolute:
        raise ValidationError("webhook URL must be an absolute http(s) URL")
    return url


async def create_app(
    ctx: Context,
    *,
    developer_id: int,
    name: str,
    platform: str,
    redirect_uri_list: Sequence[str] = (),
    scope_list: Sequence[str] = (),
    webhook_url: str | None = None,
    client_key: str | None = None,
    client_secret: str | None = None,
    audited: bool = False,
    url_prefixes: Sequence[str] = (),
) -> NewApp:
    name = _text(name, "name", 200)
    prefixes = check_url_prefixes(url_prefixes)
    uris = tuple(dict.fromkeys(u.strip() for u in redirect_uri_list if u.strip()))
    bad = redirect_uris.problems(platform, uris, emulator=ctx.emulator)
    if bad:
        raise ValidationError("; ".join(f"{k}: {v}" for k, v in bad.items()))
    granted = app_scopes(platform, scope_list)
    secret = client_secret or ids.client_secret()
    async with ctx.store.unit() as unit:
        if await unit.developers.get(developer_id) is None:
            raise NotFound(f"developer {developer_id} does not exist")
        try:
            app = await unit.apps.add(
                developer_id=developer_id,
                client_key=client_key or ids.client_key(),
                client_secret_hash=ctx.hasher.digest(secret),
                client_secret_enc=ctx.box.seal(secret),
                name=name,
                platform=platform,
                redirect_uris=uris,
                scopes=granted,
                webhook_url=check_webhook_url(webhook_url),
                now=ctx.clock.now(),
            )
        except Conflict:
            raise Conflict(f"client key {client_key!r} is taken") from None
        if audited or prefixes:
            app = await unit.apps.update(app.id, audited=audited, url_prefixes=prefixes)
    return NewApp(app, secret)


async def create_user(
    ctx: Context,
    *,
    username: str,
    display_name: str,
    password: str | None = None,
    bio: str = "",
    verified: bool = False,
    avatar: bytes | None = None,
    password_hash: str | None = None,
) -> User:
    """``password_hash`` instead of ``password``: a hash made earlier (the demo seed's)."""
    if not USERNAME.match(username):
        raise ValidationError("username must be 2 to 24 letters, digits, underscores or periods")
    display_name = _text(display_name, "display name", 64)
    if password is not None and len(password) < 8:
        raise ValidationError("password must be at least 8 characters")
    if len(bio) > 500:
        raise ValidationError("bio must be at most 500 characters")
    if password:  # argon2 takes tens of milliseconds: keep it off the event loop
        password_hash = await anyio.to_thread.run_sync(hash_password, password)
    # Decode and resize before the transaction: a bad image must not leave a user behind.
    # blob writes run on a thread: the store may be S3 (and a disk write may wait too)
    avatar_key = await anyio.to_thread.run_sync(
        lambda: (
            ctx.avatars.store(avatar) if avatar is not None
            else ctx.avatars.store_default(display_name)
        )
    )  # fmt: skip
    try:
        async with ctx.store.unit() as unit:
            user = await unit.users.add(
                username=username,
                display_name=display_name,
                password_hash=password_hash,
                bio_description=bio,
                is_verified=verified,
                now=ctx.clock.now(),
            )
            return await unit.users.update(user.id, avatar_key=avatar_key)
    except Conflict:
        await anyio.to_thread.run_sync(ctx.avatars.delete, avatar_key)
        raise Conflict(f"username {username!r} is taken") from None
    except BaseException:
        await anyio.to_thread.run_sync(ctx.avatars.delete, avatar_key)
        raise


async def require_app(unit: Unit, client_key: str) -> App:
    app = await unit.apps.by_client_key(client_key)
    if app is None:
        raise NotFound(f"no app with client key {client_key!r}")
    return app


async def require_user(unit: Unit, username: str) -> User:
    user = await unit.users.by_username(username)
    if user is None:
        raise NotFound(f"no user named {username!r}")
    return user
