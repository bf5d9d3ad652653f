"""Applying a seed document to the world (emulator mode): checked whole, then written.

Applying is idempotent: a developer (same email, or same name), an app (same client_key),
a user (same username) or a grant (same app and user, or the same fixed token) that exists
is kept as it is, so ``serve --demo --seed FILE`` can run again on the same data folder.
After a reset nothing exists, and everything is created again with the same ids.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from tokstack import ids
from tokstack.domain import redirect_uris
from tokstack.domain.models import App
from tokstack.domain.seed import (
    MAX_ERRORS,
    Seed,
    SeedApp,
    SeedError,
    SeedGrant,
    SeedUser,
)
from tokstack.errors import Conflict, NotFound, ValidationError
from tokstack.oauth.issuer import authorize, mint_pair
from tokstack.services import accounts, seed_videos
from tokstack.services.avatars import open_image
from tokstack.services.context import Context
from tokstack.services.demo import DEMO_DEVELOPER, ensure_demo
from tokstack.services.passwords import remembered_hash
from tokstack.services.seed_sources import SeedSource, avatar_bytes
from tokstack.services.tokens import consented_scopes


class _Problems:
    def __init__(self) -> None:
        self.found: list[str] = []

    def check(self, path: str, call: Any, *args: Any) -> Any:
        try:
            return call(*args)
        except ValidationError as exc:
            self.found.append(f"{path}: {exc}")
            return None

    def raise_any(self, name: str) -> None:
        if self.found:
            raise SeedError(f"{name}: " + "; ".join(self.found[:MAX_ERRORS]))


async def check(ctx: Context, source: SeedSource) -> dict[str, bytes]:
    """Everything that can be known before writing; returns the avatars' bytes by path."""
    seed, problems = source.seed, _Problems()
    async with ctx.store.read() as unit:
        known_developers = {d.name for d in await unit.developers.all()}
        stored_apps = {a.client_key: a for a in await unit.apps.all()}
        known_users = {u.username for u in await unit.users.all()}
    known_developers |= {d.name for d in seed.developers}
    if seed.demo:
        known_developers.add(DEMO_DEVELOPER["name"])
    app_scopes: dict[str, tuple[str, ...]] = {k: a.scopes for k, a in stored_apps.items()}
    for app in seed.apps:
        if app.developer not in known_developers:
            problems.found.append(f"{app.path}.developer: no developer named {app.developer!r}")
        for where, reason in redirect_uris.problems(
            app.platform, app.redirect_uris, emulator=True
        ).items():
            problems.found.append(f"{app.path}.redirect_uris: {where}: {reason}")
        scopes = problems.check(f"{app.path}.scopes", accounts.app_scopes, app.platform, app.scopes)
        problems.check(f"{app.path}.webhook_url", accounts.check_webhook_url, app.webhook_url)
        problems.check(f"{app.path}.url_prefixes", accounts.check_url_prefixes, app.url_prefixes)
        app_scopes[_client_key(app)] = scopes or ()
    avatars: dict[str, bytes] = {}
    for user in seed.users:
        if user.avatar is not None:
            data = problems.check(f"{user.path}.avatar", avatar_bytes, user.avatar, source.base_dir)
            if data is not None and problems.check(f"{user.path}.avatar", open_image, data):
                avatars[user.path] = data
    known_users |= {u.username for u in seed.users}
    for video in seed.videos:
        if video.user not in known_users:
            problems.found.append(f"{video.path}.user: no user named {video.user!r}")
        if video.file is not None:
            problems.check(f"{video.path}.file", seed_videos.media_file, video.file,
                           source.base_dir)  # fmt: skip
    for grant in seed.grants:
        if grant.user not in known_users:
            problems.found.append(f"{grant.path}.user: no user named {grant.user!r}")
        if grant.app not in app_scopes:
            problems.found.append(f"{grant.path}.app: no app with client_key {grant.app!r}")
            continue
        stand_in = App(
            id=0,
            developer_id=0,
            client_key=grant.app,
            client_secret_hash="",
            name="",
            platform="web",
            redirect_uris=(),
            scopes=app_scopes[grant.app],
            webhook_url=None,
            created_at=0,
        )
        problems.check(f"{grant.path}.scopes", consented_scopes, stand_in, grant.scopes)
    problems.raise_any(source.name)
    return avatars


def _client_key(app: SeedApp) -> str:
    return app.client_key or ids.stable_client_key(app.developer, app.name)


async def apply(ctx: Context, source: SeedSource) -> dict[str, list[dict[str, Any]]]:
    """Creates what the document declares and is missing; answers with what it did
    (the secrets and tokens it created included: this is the only time they are shown)."""
    avatars = await check(ctx, source)
    try:
        return await _write(ctx, source.seed, avatars, source.base_dir)
    except SeedError as exc:  # a conflict found only while writing (a taken open_id, ...)
        raise SeedError(f"{source.name}: {exc}") from None


async def _write(
    ctx: Context, seed: Seed, avatars: dict[str, bytes], base_dir: Path | None
) -> dict[str, Any]:
    done: dict[str, list[dict[str, Any]]] = {"developers": [], "apps": [], "users": []}
    done["grants"] = []
    developer_ids: dict[str, int] = {}
    async with ctx.store.read() as unit:
        for developer in await unit.developers.all():
            developer_ids.setdefault(developer.name, developer.id)
    for spec in seed.developers:
        found = await _existing_developer(ctx, spec.name, spec.email)
        if found is None:
            password_hash = await remembered_hash(spec.password) if spec.password else None
            made = await _step(
                spec.path,
                accounts.create_developer(
                    ctx, name=spec.name, email=spec.email, password_hash=password_hash
                ),
            )
        developer_ids[spec.name] = made.id if found is None else found
        done["developers"].append(
            {"name": spec.name, "email": spec.email, "created": found is None}
        )
    for app in seed.apps:
        done["apps"].append(await _app(ctx, app, developer_ids))
    for user in seed.users:
        done["users"].append(await _user(ctx, user, avatars.get(user.path)))
    for grant in seed.grants:
        done["grants"].append(await _grant(ctx, grant))
    done["videos"] = [await seed_videos.write(ctx, video, base_dir) for video in seed.videos]
    return done


async def _step(path: str, operation: Any) -> Any:
    try:
        return await operation
    except (ValidationError, Conflict, NotFound) as exc:
        raise SeedError(f"{path}: {exc}") from None


async def _existing_developer(ctx: Context, name: str, email: str | None) -> int | None:
    async with ctx.store.read() as unit:
        if email is not None:
            found = await unit.developers.by_email(email.strip().lower())
            return found.id if found is not None else None
        for developer in await unit.developers.all():
            if developer.name == name:
                return developer.id
    return None


async def _app(ctx: Context, spec: SeedApp, developer_ids: dict[str, int]) -> dict[str, Any]:
    client_key = _client_key(spec)
    answer: dict[str, Any] = {"client_key": client_key, "name": spec.name}
    async with ctx.store.read() as unit:
        existing = await unit.apps.by_client_key(client_key)
    if existing is not None:
        return answer | {"platform": existing.platform, "created": False}
    made = await _step(
        spec.path,
        accounts.create_app(
            ctx,
            developer_id=developer_ids[spec.developer],
            name=spec.name,
            platform=spec.platform,
            redirect_uri_list=spec.redirect_uris,
            scope_list=spec.scopes,
            webhook_url=spec.webhook_url,
            client_key=client_key,
            client_secret=spec.client_secret,
            audited=spec.audited,
            url_prefixes=spec.url_prefixes,
        ),
    )
    return answer | {
        "client_secret": made.client_secret,
        "platform": made.app.platform,
        "redirect_uris": list(made.app.redirect_uris),
        "scopes": list(made.app.scopes),
        "created": True,
    }


async def _user(ctx: Context, spec: SeedUser, avatar: bytes | None) -> dict[str, Any]:
    answer: dict[str, Any] = {"username": spec.username, "display_name": spec.display_name}
    async with ctx.store.read() as unit:
        existing = await unit.users.by_username(spec.username)
    if existing is not None:
        return answer | {"created": False}
    password_hash = await remembered_hash(spec.password) if spec.password else None
    user = await _step(
        spec.path,
        accounts.create_user(
            ctx,
            username=spec.username,
            display_name=spec.display_name,
            password_hash=password_hash,
            bio=spec.bio,
            verified=spec.verified,
            avatar=avatar,
        ),
    )
    if spec.stats:
        async with ctx.store.unit() as unit:
            await unit.users.update(user.id, **spec.stats)
    return answer | {"created": True}


async def _grant(ctx: Context, spec: SeedGrant) -> dict[str, Any]:
    answer: dict[str, Any] = {"app": spec.app, "user": spec.user}
    fixed = (spec.access_token, spec.refresh_token)
    try:
        async with ctx.store.unit() as unit:
            app = await accounts.require_app(unit, spec.app)
            user = await accounts.require_user(unit, spec.user)
            existing = await unit.authorizations.find(user.id, app.id)
            taken = [t for t in fixed if t and await unit.tokens.get(ctx.hasher.digest(t))]
            if taken or (not any(fixed) and existing is not None and existing.revoked_at is None):
                open_id = existing.open_id if existing else None
                return answer | {"open_id": open_id, "created": False}
            requested = consented_scopes(app, spec.scopes)
            authorization = await authorize(
                ctx, unit, user, app, requested, open_id=spec.open_id, union_id=spec.union_id
            )
            union_id = await unit.authorizations.ensure_union_id(user.id, app.developer_id, "")
            body = await mint_pair(
                ctx, unit, authorization, authorization.scopes, ids.grant_id(), fixed
            )
    except (ValidationError, Conflict, NotFound) as exc:
        raise SeedError(f"{spec.path}: {exc}") from None
    return answer | {"union_id": union_id, "created": True} | body


async def populate(ctx: Context, source: SeedSource | None) -> dict[str, Any]:
    """The demo data (unless the seed file says ``demo: false``), then the seed file's."""
    if source is None or source.seed.demo:
        await ensure_demo(ctx)
    return {} if source is None else await apply(ctx, source)
