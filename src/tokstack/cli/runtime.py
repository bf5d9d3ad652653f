"""Runs one service call with a container, turning expected errors into one-line messages."""

from __future__ import annotations

import asyncio
import sys
from collections.abc import Awaitable, Callable
from typing import Annotated, Any, NoReturn, TypeVar

import orjson
import pydantic
import typer

from tokstack.config import Settings
from tokstack.errors import Conflict, NotFound, TokstackError, ValidationError
from tokstack.services.context import Context
from tokstack.web.container import build, prepare_database

T = TypeVar("T")
JsonFlag = Annotated[bool, typer.Option("--json", help="Print JSON (an object; a list for list).")]


def fail(message: str, code: int = 1) -> NoReturn:
    typer.echo(f"error: {message}", err=True)
    raise typer.Exit(code)


def load_settings(**overrides: Any) -> Settings:
    try:
        return Settings(**{k: v for k, v in overrides.items() if v is not None})
    except pydantic.ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first["loc"]) or "settings"
        fail(f"invalid setting TOKSTACK_{where.upper()}: {first['msg']}", 2)


def run(call: Callable[[Context], Awaitable[T]], settings: Settings | None = None) -> T:
    settings = settings or load_settings()

    async def main() -> T:
        container = build(settings)
        try:
            if container.clock_control is not None:  # emulator mode: the server's time
                await container.clock_control.refresh()
            return await call(container.ctx)
        finally:
            await container.close()

    try:
        prepare_database(settings)
        return asyncio.run(main())
    except (ValidationError, NotFound, Conflict) as exc:
        fail(str(exc))
    except TokstackError as exc:
        fail(str(exc))
    except (ValueError, RuntimeError, OSError) as exc:
        fail(str(exc) or type(exc).__name__)
    except Exception as exc:  # the database is down, a file is unreadable, …
        fail(f"{type(exc).__name__}: {str(exc).splitlines()[0] if str(exc) else ''}")


def emit(as_json: bool, payload: dict[str, Any], human: str) -> None:
    if as_json:
        sys.stdout.write(orjson.dumps(payload).decode() + "\n")
    else:
        typer.echo(human)


def emit_list(
    as_json: bool, rows: list[dict[str, Any]], line: Callable[[dict[str, Any]], str]
) -> None:
    if as_json:
        sys.stdout.write(orjson.dumps(rows).decode() + "\n")
    else:
        for row in rows:
            typer.echo(line(row))
