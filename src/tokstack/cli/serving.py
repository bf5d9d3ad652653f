"""``tokstack serve``: demo seeding, then uvicorn with N workers."""

from __future__ import annotations

import asyncio
import logging
import os
import shutil

import typer
import uvicorn

from tokstack.cli.runtime import run
from tokstack.config import Settings
from tokstack.logs import configure_logging
from tokstack.services.context import Context
from tokstack.services.demo import demo_token, ensure_demo
from tokstack.web.protocol import BoundedHttpTools

log = logging.getLogger("tokstack.serve")


def _print_demo(settings: Settings, body: dict[str, object]) -> None:
    base = settings.public_url
    typer.echo(
        "\n".join(
            [
                "",
                "tokstack demo is running. Demo apps (client_key / client_secret):",
                "  awdemowebapp0001 / demoSecretWebApp0000000000000001  (web)",
                "  awdemodesktop002 / demoSecretDesktop000000000000002  (desktop)",
                "  awdemominiapp003 / demoSecretMiniApp000000000000003  (TikTok Minis)",
                "Demo users: alice / alice-password, bob / bob-password",
                "",
                "Paste this to read alice's profile with a fresh access token:",
                "",
                f"  curl -sS '{base}/v2/user/info/?fields=open_id,union_id,avatar_url' \\",
                f"    -H 'Authorization: Bearer {body['access_token']}'",
                "",
            ]
        )
    )


def serve(
    settings: Settings, *, host: str, port: int, workers: int, auto_consent: str | None
) -> None:
    configure_logging(settings.log_level)
    if auto_consent:
        os.environ["TOKSTACK_AUTO_CONSENT"] = auto_consent
        log.warning("auto-consent is ON: every authorize request is approved as %s", auto_consent)
    if settings.demo:

        async def seed(ctx: Context) -> dict[str, object]:
            await ensure_demo(ctx)
            return await demo_token(ctx)

        _print_demo(settings, run(seed, settings))
    else:
        run(_noop, settings)  # migrates the embedded default, or checks the schema
    os.environ["TOKSTACK_MIGRATE_ON_START"] = "false"  # done above, once, not in every worker
    if workers > 1:
        _share_metrics(settings)
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
