"""``tokstack`` command line. Commands call services, never HTTP.

Every error is one line on stderr, ``error: …``: exit status 2 for a usage error (an unknown
option, a missing value, a bad choice), 1 for a failure.
"""

from __future__ import annotations

import ipaddress
import os
import sys
from importlib.metadata import version as installed_version
from pathlib import Path
from typing import Annotated

import typer

from tokstack.cli.apps import app_cmd, token
from tokstack.cli.emulator import emulator
from tokstack.cli.people import developer, user
from tokstack.cli.runtime import fail, load_settings
from tokstack.cli.videos import video
from tokstack.storage.sql import migrate

cli = typer.Typer(
    help="tokstack: TikTok Open API v2 (Login Kit + User Data API), self-hosted.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
    rich_markup_mode=None,  # plain help: no <bool> placeholders, no boxes
)
db = typer.Typer(help="Database migrations.", no_args_is_help=True)
for name, group in (
    ("db", db),
    ("developer", developer),
    ("app", app_cmd),
    ("user", user),
    ("token", token),
    ("video", video),
    ("emulator", emulator),
):
    cli.add_typer(group, name=name)


def _version(value: bool) -> None:
    if value:
        typer.echo(f"tokstack {installed_version('tokstack')}")
        raise typer.Exit()


@cli.callback()
def root(
    version: Annotated[
        bool,
        typer.Option("--version", callback=_version, is_eager=True, help="Print the version."),
    ] = False,
) -> None:
    """tokstack: TikTok Open API v2 (Login Kit + User Data API), self-hosted."""


def _loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


@cli.command()
def serve(
    host: Annotated[str, typer.Option(envvar="TOKSTACK_HOST")] = "127.0.0.1",
    port: Annotated[int, typer.Option(envvar="TOKSTACK_PORT")] = 8000,
    workers: Annotated[int, typer.Option(envvar="TOKSTACK_WORKERS", min=1)] = 1,
    demo: Annotated[
        bool, typer.Option("--demo", help="Emulator mode: seed and print demo data.")
    ] = False,
    seed: Annotated[
        Path | None,
        typer.Option(
            "--seed",
            metavar="FILE",
            envvar="TOKSTACK_SEED",
            help="A seed document (YAML or JSON) for emulator mode: applied at start and on reset.",
        ),
    ] = None,
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
    if seed is not None:  # workers read it from the environment, as an absolute path
        os.environ["TOKSTACK_SEED"] = str(seed.resolve())
    # links the server hands out (avatars, profiles) follow the address it listens on
    os.environ.setdefault("TOKSTACK_PUBLIC_URL", f"http://{host}:{port}")
    settings = load_settings()
    if settings.seed is not None and not settings.demo:
        fail("--seed works in emulator mode only (add --demo)", 2)
    if auto_consent and not settings.demo:
        fail("--auto-consent is refused outside demo mode (add --demo)", 2)
    if settings.demo and not _loopback(host) and not settings.emulator_token:
        fail(
            f"emulator mode on {host} would open the control API (/_tokstack/) to the network:"
            " set TOKSTACK_EMULATOR_TOKEN (16+ characters), or listen on 127.0.0.1",
            2,
        )
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


def main(argv: list[str] | None = None) -> None:
    """Runs the CLI with Typer's own error printing replaced by one ``error:`` line."""
    try:
        code = cli(args=argv, prog_name="tokstack", standalone_mode=False)
    except typer.Abort:
        typer.echo("error: aborted", err=True)
        code = 1
    except typer.TyperException as exc:  # Typer's (vendored Click) usage and param errors
        context = getattr(exc, "ctx", None)
        if type(exc).__name__ == "NoArgsIsHelpError" and context is not None:
            typer.echo(context.get_help())  # a bare group: its help, not an error
            code = 0
        else:
            message = exc.format_message() if hasattr(exc, "format_message") else str(exc)
            typer.echo(f"error: {message}", err=True)
            code = int(getattr(exc, "exit_code", 1))
    sys.exit(code if isinstance(code, int) else 0)
