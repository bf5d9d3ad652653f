"""The developer portal: accounts, and apps a developer registers and edits."""

from __future__ import annotations

import io
import secrets
from collections.abc import Sequence
from dataclasses import dataclass

import anyio.to_thread

from tokstack import ids
from tokstack.domain import redirect_uris
from tokstack.domain.models import App, Developer
from tokstack.errors import Conflict, NotFound, ValidationError
from tokstack.services.accounts import (
    EMAIL,
    NewApp,
    app_scopes,
    check_url_prefixes,
    check_webhook_url,
    create_app,
    create_developer,
)
from tokstack.services.avatars import open_image
from tokstack.services.context import Context
from tokstack.services.passwords import verify_password


@dataclass(frozen=True)
class AppForm:
    """What the app form submits; ``problems`` maps a field (or a bad URI) to its message."""

    name: str
    platform: str
    redirect_uris: tuple[str, ...]
    scopes: tuple[str, ...]
    webhook_url: str
    audited: bool = False  # the Content Posting API: may post publicly
    url_prefixes: tuple[str, ...] = ()  # verified for PULL_FROM_URL

    def problems(self, emulator: bool = False) -> dict[str, str]:
        found: dict[str, str] = {}
        if not self.name.strip() or len(self.name) > 200:
            found["name"] = "Enter a name of 1 to 200 characters."
        found.update(redirect_uris.problems(self.platform, self.redirect_uris, emulator=emulator))
        try:
            app_scopes(self.platform, self.scopes)
        except ValidationError as exc:
            found["scopes"] = str(exc)
        try:
            check_webhook_url(self.webhook_url or None)
        except ValidationError as exc:
            found["webhook_url"] = str(exc)
        try:
            check_url_prefixes(self.url_prefixes)
        except ValidationError as exc:
            found["url_prefixes"] = str(exc)
        return found


async def sign_up(ctx: Context, name: str, email: str, password: str) -> Developer:
    if not name.strip():
        raise ValidationError("Enter your name.")
    if not EMAIL.match(email.strip().lower()):
        raise ValidationError("Enter a valid email address.")
    if len(password) < 8:
        raise ValidationError("Use a password of at least 8 characters.")
    try:
        return await create_developer(ctx, name, email, password)
    except Conflict:
        raise ValidationError("An account with this email already exists.") from None


async def log_in(ctx: Context, email: str, password: str) -> Developer | None:
    async with ctx.store.unit() as unit:
        developer = await unit.developers.by_email(email.strip().lower())
    stored = developer.password_hash if developer else None
    ok = await anyio.to_thread.run_sync(verify_password, password, stored)
    return developer if ok else None


async def create(ctx: Context, developer_id: int, form: AppForm) -> NewApp:
    problems = form.problems(ctx.emulator)
    if problems:
        raise ValidationError("; ".join(f"{k}: {v}" for k, v in problems.items()))
    return await create_app(
        ctx,
        developer_id=developer_id,
        name=form.name,
        platform=form.platform,
        redirect_uri_list=form.redirect_uris,
        scope_list=form.scopes,
        webhook_url=form.webhook_url or None,
        audited=form.audited,
        url_prefixes=form.url_prefixes,
    )


async def own_app(ctx: Context, developer_id: int, client_key: str) -> App:
    """The developer's app; another developer's app is reported as not found."""
    async with ctx.store.unit() as unit:
        app = await unit.apps.by_client_key(client_key)
    if app is None or app.developer_id != developer_id:
        raise NotFound("no such app")
    return app


async def list_apps(ctx: Context, developer_id: int) -> list[App]:
    async with ctx.store.unit() as unit:
        return await unit.apps.for_developer(developer_id)


async def update_app(ctx: Context, developer_id: int, client_key: str, form: AppForm) -> App:
    app = await own_app(ctx, developer_id, client_key)
    problems = form.problems(ctx.emulator)
    if problems:
        raise ValidationError("; ".join(f"{k}: {v}" for k, v in problems.items()))
    async with ctx.store.unit() as unit:
        return await unit.apps.update(
            app.id,
            name=form.name.strip(),
            platform=form.platform,
            redirect_uris=form.redirect_uris,
            scopes=app_scopes(form.platform, form.scopes),
            webhook_url=form.webhook_url or None,
            audited=form.audited,
            url_prefixes=check_url_prefixes(form.url_prefixes),
        )


async def rotate_secret(ctx: Context, developer_id: int, client_key: str) -> str:
    """A new secret, effective at once; the old one stops working at the token endpoint."""
    app = await own_app(ctx, developer_id, client_key)
    secret = ids.client_secret()
    async with ctx.store.unit() as unit:
        await unit.apps.update(
            app.id,
            client_secret_hash=ctx.hasher.digest(secret),
            client_secret_enc=ctx.box.seal(secret),
        )
    return secret


def _icon_png(data: bytes) -> bytes:
    from PIL import Image, ImageOps

    image = ImageOps.exif_transpose(open_image(data)).convert("RGB")
    side = min(image.size)
    left, top = (image.width - side) // 2, (image.height - side) // 2
    square = image.crop((left, top, left + side, top + side)).resize(
        (256, 256), Image.Resampling.LANCZOS
    )
    buffer = io.BytesIO()
    square.save(buffer, "PNG")
    return buffer.getvalue()


async def set_icon(ctx: Context, developer_id: int, client_key: str, data: bytes) -> App:
    app = await own_app(ctx, developer_id, client_key)
    png = await anyio.to_thread.run_sync(_icon_png, data)
    key = f"icon-{secrets.token_hex(12)}.png"
    await anyio.to_thread.run_sync(ctx.avatars.blobs.put, key, png)
    async with ctx.store.unit() as unit:
        updated = await unit.apps.update(app.id, icon_key=key)
    if app.icon_key:
        await anyio.to_thread.run_sync(ctx.avatars.blobs.delete, app.icon_key)
    return updated


def parse_uris(text: str) -> tuple[str, ...]:
    return tuple(dict.fromkeys(line.strip() for line in text.splitlines() if line.strip()))


def app_form(
    name: str, platform: str, uris_text: str, scopes: Sequence[str], webhook_url: str,
    audited: bool = False, prefixes_text: str = "",
) -> AppForm:  # fmt: skip
    prefixes = tuple(line.strip() for line in prefixes_text.splitlines() if line.strip())
    return AppForm(
        name, platform, parse_uris(uris_text), tuple(scopes), webhook_url.strip(), audited,
        prefixes,
    )  # fmt: skip
