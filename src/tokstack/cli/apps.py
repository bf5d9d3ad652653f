"""``tokstack app …`` and ``tokstack token …``: apps, and tokens on demand."""

from __future__ import annotations

from typing import Annotated, Any

import typer

from tokstack.cli.runtime import JsonFlag, emit, emit_list, fail, run
from tokstack.domain import scopes as scope_list
from tokstack.domain.redirect_uris import PLATFORMS
from tokstack.errors import ValidationError
from tokstack.services import accounts, directory
from tokstack.services.context import Context
from tokstack.services.tokens import issue_for_user

app_cmd = typer.Typer(help="Developer apps (client keys).", no_args_is_help=True)
token = typer.Typer(help="Tokens on demand.", no_args_is_help=True)


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
    audited: Annotated[
        bool, typer.Option("--audited", help="May post publicly (else SELF_ONLY only).")
    ] = False,
    url_prefix: Annotated[
        list[str] | None, typer.Option(help="Verified for PULL_FROM_URL; repeat for more.")
    ] = None,
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
            audited=audited,
            url_prefixes=url_prefix or [],
        )

    new = run(call)
    app = new.app
    payload = {"client_secret": new.client_secret, **directory.app_view(app)}
    emit(
        json,
        payload,
        f"app {app.name} created\nclient_key:    {app.client_key}\n"
        f"client_secret: {new.client_secret}  (shown once)",
    )


@app_cmd.command("set")
def app_set(
    client_key: Annotated[str, typer.Option()],
    audited: Annotated[
        bool | None,
        typer.Option("--audited/--unaudited", help="Whether the app may post publicly."),
    ] = None,
    url_prefix: Annotated[
        list[str] | None,
        typer.Option(help="Replaces the verified URL prefixes; repeat for more."),
    ] = None,
    clear_url_prefixes: Annotated[bool, typer.Option("--clear-url-prefixes")] = False,
    json: JsonFlag = False,
) -> None:
    """Change an app's Content Posting API settings (audited, verified URL prefixes)."""
    values: dict[str, Any] = {}
    if audited is not None:
        values["audited"] = audited
    if url_prefix or clear_url_prefixes:
        try:
            values["url_prefixes"] = accounts.check_url_prefixes(url_prefix or [])
        except ValidationError as exc:
            fail(str(exc), 2)
    if not values:
        fail("nothing to change: give --audited/--unaudited or --url-prefix", 2)

    async def call(ctx: Context) -> Any:
        async with ctx.store.unit() as unit:
            app = await accounts.require_app(unit, client_key)
            return await unit.apps.update(app.id, **values)

    app = run(call)
    emit(
        json,
        directory.app_view(app),
        f"{app.client_key}: {'audited' if app.audited else 'unaudited'}; "
        f"verified URL prefixes: {', '.join(app.url_prefixes) or 'none'}",
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


@app_cmd.command("list")
def app_list(
    developer_id: Annotated[
        int | None, typer.Option("--developer", help="Only this developer's.")
    ] = None,
    json: JsonFlag = False,
) -> None:
    """Every app (client secrets are stored hashed and never shown again)."""

    async def call(ctx: Context) -> Any:
        return await directory.apps(ctx, developer_id)

    rows = run(call)
    emit_list(json, rows, lambda a: f"{a['client_key']}  {a['platform']:<8} {a['name']}")


@app_cmd.command("show")
def app_show(client_key: Annotated[str, typer.Option()], json: JsonFlag = False) -> None:
    """One app."""

    async def call(ctx: Context) -> Any:
        return await directory.app(ctx, client_key)

    shown = run(call)
    emit(json, shown, "\n".join(f"{k}: {v}" for k, v in shown.items()))


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
