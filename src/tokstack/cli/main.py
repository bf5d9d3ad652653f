"""``tokstack`` command line. Commands call services, never HTTP."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Annotated, Any

import typer

from tokstack.cli.runtime import emit, fail, load_settings, run
from tokstack.domain import scopes as scope_list
from tokstack.domain.redirect_uris import PLATFORMS
from tokstack.services import accounts, profile
from tokstack.services.context import Context
from tokstack.services.tokens import issue_for_user
from tokstack.storage.sql import migrate

cli = typer.Typer(
    help="tokstack: TikTok Open API v2 (Login Kit + User Data API), self-hosted.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
)
db = typer.Typer(help="Database migrations.", no_args_is_help=True)
developer = typer.Typer(help="Developer accounts.", no_args_is_help=True)
app_cmd = typer.Typer(help="Developer apps (client keys).", no_args_is_help=True)
user = typer.Typer(help="TikTok users.", no_args_is_help=True)
token = typer.Typer(help="Tokens on demand.", no_args_is_help=True)
for name, group in (
    ("db", db),
    ("developer", developer),
    ("app", app_cmd),
    ("user", user),
    ("token", token),
):
    cli.add_typer(group, name=name)

JsonFlag = Annotated[bool, typer.Option("--json", help="Print one JSON object.")]


@cli.command()
def serve(
    host: Annotated[str, typer.Option(envvar="TOKSTACK_HOST")] = "127.0.0.1",
    port: Annotated[int, typer.Option(envvar="TOKSTACK_PORT")] = 8000,
    workers: Annotated[int, typer.Option(envvar="TOKSTACK_WORKERS", min=1)] = 1,
    demo: Annotated[bool, typer.Option("--demo", help="Seed and print demo data.")] = False,
    auto_consent: Annotated[
        str | None,
        typer.Option(
            "--auto-consent",
            metavar="USERNAME",
            help="Approve every authorize request as USERNAME (demo mode only).",
        ),
    ] = None,
) -> None:
    """Run the HTTP server."""
    from tokstack.cli.serving import serve as run_server

    if demo:
        os.environ["TOKSTACK_DEMO"] = "true"
    # links the server hands out (avatars, profiles) follow the address it listens on
    os.environ.setdefault("TOKSTACK_PUBLIC_URL", f"http://{host}:{port}")
    settings = load_settings()
    if auto_consent and not settings.demo:
        fail("--auto-consent is refused outside demo mode (add --demo)", 2)
    run_server(settings, host=host, port=port, workers=workers, auto_consent=auto_consent)


@db.command("upgrade")
def db_upgrade(
    revision: Annotated[str, typer.Argument(help="Target revision.")] = "head",
) -> None:
    """Apply migrations (SQLite and PostgreSQL)."""
    settings = load_settings()
    try:
        migrate.upgrade(settings.resolved_database_url, revision)
    except Exception as exc:
        fail(f"migration failed: {exc}")
    typer.echo(f"database at {revision}")


@developer.command("create")
def developer_create(
    name: Annotated[str, typer.Option(help="Display name.")],
    json: JsonFlag = False,
) -> None:
    """Create a developer account (apps of one developer share union_ids)."""

    async def call(ctx: Context) -> Any:
        return await accounts.create_developer(ctx, name)

    created = run(call)
    emit(
        json,
        {"id": created.id, "name": created.name},
        f"developer {created.id} created: {created.name}",
    )


def _scopes(raw: str | None) -> list[str]:
    return list(scope_list.parse(raw))


@app_cmd.command("create")
def app_create(
    developer_id: Annotated[int, typer.Option("--developer", help="Developer id.")],
    name: Annotated[str, typer.Option()],
    platform: Annotated[str, typer.Option(help="|".join(PLATFORMS))],
    redirect_uri: Annotated[list[str] | None, typer.Option(help="Repeat for more.")] = None,
    scopes: Annotated[str | None, typer.Option(help="Comma list, e.g. user.info.basic")] = None,
    webhook_url: Annotated[str | None, typer.Option()] = None,
    json: JsonFlag = False,
) -> None:
    """Register an app; prints its client_secret once."""
    if platform not in PLATFORMS:
        fail(f"--platform must be one of {', '.join(PLATFORMS)}", 2)

    async def call(ctx: Context) -> Any:
        return await accounts.create_app(
            ctx,
            developer_id=developer_id,
            name=name,
            platform=platform,
            redirect_uri_list=redirect_uri or [],
            scope_list=_scopes(scopes),
            webhook_url=webhook_url,
        )

    new = run(call)
    app = new.app
    payload = {
        "client_key": app.client_key,
        "client_secret": new.client_secret,
        "id": app.id,
        "developer_id": app.developer_id,
        "name": app.name,
        "platform": app.platform,
        "redirect_uris": list(app.redirect_uris),
        "scopes": list(app.scopes),
        "webhook_url": app.webhook_url,
    }
    emit(
        json,
        payload,
        f"app {app.name} created\nclient_key:    {app.client_key}\n"
        f"client_secret: {new.client_secret}  (shown once)",
    )


@app_cmd.command("set-rate-limit")
def app_rate_limit(
    client_key: Annotated[str, typer.Option()],
    per_minute: Annotated[
        int | None, typer.Option(min=1, help="Requests per minute per endpoint; omit to reset.")
    ] = None,
    json: JsonFlag = False,
) -> None:
    """Set an app's own rate limit (default: TOKSTACK_RATE_LIMIT_PER_MINUTE)."""

    async def call(ctx: Context) -> Any:
        async with ctx.store.unit() as unit:
            app = await accounts.require_app(unit, client_key)
            return await unit.apps.update(app.id, rate_limit_per_minute=per_minute)

    app = run(call)
    emit(
        json,
        {"client_key": app.client_key, "rate_limit_per_minute": app.rate_limit_per_minute},
        f"{app.client_key}: {app.rate_limit_per_minute or 'default'} requests per minute",
    )


@user.command("create")
def user_create(
    username: Annotated[str, typer.Option()],
    display_name: Annotated[str, typer.Option()],
    password: Annotated[str | None, typer.Option()] = None,
    avatar: Annotated[Path | None, typer.Option(help="Image file (JPEG, PNG, …).")] = None,
    bio: Annotated[str, typer.Option()] = "",
    verified: Annotated[bool, typer.Option("--verified")] = False,
    json: JsonFlag = False,
) -> None:
    """Create a TikTok user who can log in and authorize apps."""
    image: bytes | None = None
    if avatar is not None:
        try:
            image = avatar.read_bytes()
        except OSError as exc:
            fail(f"cannot read avatar {avatar}: {exc.strerror}")

    async def call(ctx: Context) -> Any:
        return await accounts.create_user(
            ctx,
            username=username,
            display_name=display_name,
            password=password,
            bio=bio,
            verified=verified,
            avatar=image,
        )

    created = run(call)
    payload = {
        "id": created.id,
        "username": created.username,
        "display_name": created.display_name,
        "bio_description": created.bio_description,
        "is_verified": created.is_verified,
    }
    emit(json, payload, f"user {created.username} created (id {created.id})")


@user.command("update")
def user_update(
    username: Annotated[str, typer.Option()],
    verified: Annotated[bool | None, typer.Option("--verified/--unverified")] = None,
    followers: Annotated[int | None, typer.Option(help="follower_count")] = None,
    following: Annotated[int | None, typer.Option(help="following_count")] = None,
    likes: Annotated[int | None, typer.Option(help="likes_count")] = None,
    videos: Annotated[int | None, typer.Option(help="video_count")] = None,
    json: JsonFlag = False,
) -> None:
    """Operator changes: verification and profile statistics."""

    async def call(ctx: Context) -> Any:
        return await profile.operator_update(
            ctx,
            username,
            is_verified=verified,
            follower_count=followers,
            following_count=following,
            likes_count=likes,
            video_count=videos,
        )

    updated = run(call)
    payload = {
        "id": updated.id,
        "username": updated.username,
        "is_verified": updated.is_verified,
        "follower_count": updated.follower_count,
        "following_count": updated.following_count,
        "likes_count": updated.likes_count,
        "video_count": updated.video_count,
    }
    emit(json, payload, f"user {updated.username} updated")


def _end_account(username: str, status: str, as_json: bool) -> None:
    async def call(ctx: Context) -> Any:
        return await profile.end_account(ctx, username, status)

    revoked = run(call)
    emit(
        as_json,
        {"username": username, "status": status, "authorizations_revoked": revoked},
        f"user {username} {status}; {revoked} authorization(s) revoked, apps notified",
    )


@user.command("ban")
def user_ban(username: Annotated[str, typer.Option()], json: JsonFlag = False) -> None:
    """Ban a user: tokens stop working, apps get authorization.removed (reason 4)."""
    _end_account(username, "banned", json)


@user.command("delete")
def user_delete(username: Annotated[str, typer.Option()], json: JsonFlag = False) -> None:
    """Delete a user: tokens stop working, apps get authorization.removed (reason 2)."""
    _end_account(username, "deleted", json)


@token.command("issue")
def token_issue(
    client_key: Annotated[str, typer.Option()],
    username: Annotated[str, typer.Option()],
    scopes: Annotated[str, typer.Option(help="Comma list of scopes to grant.")],
    json: JsonFlag = False,
) -> None:
    """Mint a token pair as if USERNAME had consented to SCOPES for the app."""

    async def call(ctx: Context) -> Any:
        return await issue_for_user(
            ctx, client_key=client_key, username=username, requested=_scopes(scopes)
        )

    body = run(call)
    emit(json, body, "\n".join(f"{k}: {v}" for k, v in body.items()))


def main() -> None:
    cli()
