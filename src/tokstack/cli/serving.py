"""``tokstack serve``: demo seeding, then uvicorn with N workers."""

from __future__ import annotations

import asyncio
import errno
import logging
import os
import shutil
import socket
from typing import Any

import typer
import uvicorn

from tokstack.cli.runtime import fail, run
from tokstack.config import Settings
from tokstack.domain.seed import SeedError
from tokstack.logs import configure_logging
from tokstack.services.context import Context
from tokstack.services.demo import DEMO_APPS, DEMO_DEVELOPER, DEMO_USERS, demo_token
from tokstack.services.seed_sources import SeedSource, from_file
from tokstack.services.seeding import populate
from tokstack.web.protocol import BoundedHttpTools

log = logging.getLogger("tokstack.serve")


def _print_demo(settings: Settings, body: dict[str, object]) -> None:
    base = settings.public_url
    apps = [f"  {a['client_key']} / {a['client_secret']}  ({a['platform']})" for a in DEMO_APPS]
    users = ", ".join(f"{u['username']} / {u['password']}" for u in DEMO_USERS)
    typer.echo(
        "\n".join(
            [
                "",
                f"tokstack demo (emulator mode) is running on {base}",
                f"Demo apps ({len(DEMO_APPS)}), client_key / client_secret:",
                *apps,
                f"Demo users: {users}",
                f"Developer portal: {base}/portal/  "
                f"({DEMO_DEVELOPER['email']} / {DEMO_DEVELOPER['password']})",
                "",
                "Paste this to read alice's profile with a fresh access token:",
                "",
                f"  curl -sS '{base}/v2/user/info/?fields=open_id,union_id,avatar_url' \\",
                f"    -H 'Authorization: Bearer {body['access_token']}'",
                "",
            ]
        )
    )


def _seed_file(settings: Settings) -> SeedSource | None:
    if settings.seed is None:
        return None
    try:
        return from_file(settings.seed)
    except SeedError as exc:
        fail(str(exc), 2)


def _print_seed(settings: Settings, done: dict[str, Any]) -> None:
    lines = [f"Seed {settings.seed}:"]
    for app in done["apps"]:
        secret = app.get("client_secret") or "(kept from an earlier start)"
        lines.append(f"  app {app['client_key']} / {secret}  {app['name']}")
    for user in done["users"]:
        lines.append(f"  user {user['username']}")
    for grant in done["grants"]:
        token = grant.get("access_token") or "(kept from an earlier start)"
        lines.append(f"  grant {grant['user']} -> {grant['app']}: {token}")
    typer.echo("\n".join([*lines, ""]))


def check_port(host: str, port: int) -> None:
    """Fails with one line when the address is taken, before anything is printed or seeded."""
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM, flags=socket.AI_PASSIVE)
    except socket.gaierror as exc:
        fail(f"cannot listen on {host}: {exc.strerror}", 2)
    family, kind, proto, _, address = infos[0]
    with socket.socket(family, kind, proto) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # as uvicorn binds
        try:
            probe.bind(address)
        except OSError as exc:
            if exc.errno == errno.EADDRINUSE:
                fail(f"port {port} is in use; choose another with --port or TOKSTACK_PORT")
            fail(f"cannot listen on {host}:{port}: {exc.strerror}")


async def _user_exists(ctx: Context, username: str) -> bool:
    async with ctx.store.read() as unit:
        user = await unit.users.by_username(username)
    return user is not None and user.status == "active"


def serve(
    settings: Settings, *, host: str, port: int, workers: int, auto_consent: str | None
) -> None:
    check_port(host, port)
    configure_logging(settings.log_level)
    if settings.demo:
        source = _seed_file(settings)

        async def seed(ctx: Context) -> tuple[dict[str, Any], dict[str, Any] | None] | str:
            try:
                done = await populate(ctx, source)
            except SeedError as exc:  # a usage error (exit 2), like a bad option
                return str(exc)
            if auto_consent and not await _user_exists(ctx, auto_consent):
                return f"--auto-consent: no active user named {auto_consent!r}"
            with_demo = source is None or source.seed.demo
            return done, (await demo_token(ctx) if with_demo else None)

        result = run(seed, settings)
        if isinstance(result, str):
            fail(result, 2)
        done, body = result
        if body is not None:
            _print_demo(settings, body)
        if source is not None:
            _print_seed(settings, done)
    else:
        run(_noop, settings)  # migrates the embedded default, or checks the schema
    if auto_consent:
        os.environ["TOKSTACK_AUTO_CONSENT"] = auto_consent
        log.warning("auto-consent is ON: every authorize request is approved as %s", auto_consent)
    os.environ["TOKSTACK_MIGRATE_ON_START"] = "false"  # done above, once, not in every worker
    if workers > 1:
        _share_metrics(settings)
    # read from the environment at import, which `serve --demo` may have come after
    BoundedHttpTools.offer_drop = settings.demo
    uvicorn.run(
        "tokstack.web.asgi:create",
        factory=True,
        host=host,
        port=port,
        workers=workers,
        access_log=False,
        log_config=None,
        http=BoundedHttpTools,  # header size and slow-client bounds (tokstack.web.protocol)
        server_header=False,
        timeout_graceful_shutdown=30,
    )


async def _noop(_: Context) -> None:
    await asyncio.sleep(0)


def _share_metrics(settings: Settings) -> None:
    """Workers write metrics to one fresh directory so /metrics can add them up."""
    directory = settings.data_dir / "prometheus"
    shutil.rmtree(directory, ignore_errors=True)
    directory.mkdir(parents=True)
    os.environ["PROMETHEUS_MULTIPROC_DIR"] = str(directory.resolve())
