"""The emulator's control API under ``/_tokstack/`` (registered in emulator mode only).

JSON in, JSON out; errors are ``{"error": {"code", "message"}}`` with 400, 401 or 404.
With ``TOKSTACK_EMULATOR_TOKEN`` set, every call needs it as a bearer token.
"""

from __future__ import annotations

import base64
import hmac
from typing import Any, TypeVar

import orjson
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from tokstack.deadline import to_the_end
from tokstack.errors import (
    Conflict,
    ControlError,
    ControlNotFound,
    ControlUnauthorized,
    NotFound,
    ServiceUnavailable,
    ValidationError,
)
from tokstack.services import seed_sources
from tokstack.services.emulated_time import ClockControl
from tokstack.web import render
from tokstack.web.container import Container
from tokstack.web.edge import Family, Handler
from tokstack.web.edge import Route as Endpoint
from tokstack.web.forms import first_values

T = TypeVar("T")
family = Family(render.control_error, ControlError, ServiceUnavailable)


def control(handler: Handler) -> Endpoint:
    """A control route: the services' refusals become 400 and 404 in the control shape."""

    async def translated(request: Request, container: Container, log_id: str) -> Response:
        _authorized(request, container)
        try:
            return await handler(request, container, log_id)
        except ValidationError as exc:
            raise ControlError(str(exc)) from None
        except NotFound as exc:
            raise ControlNotFound(str(exc)) from None
        except Conflict as exc:
            raise ControlError(str(exc)) from None

    translated.__name__ = handler.__name__
    return family(translated)


def _authorized(request: Request, container: Container) -> None:
    if not allowed(request, container):
        raise ControlUnauthorized()


def allowed(request: Request, container: Container) -> bool:
    """No token set, or ``TOKSTACK_EMULATOR_TOKEN`` sent: as a bearer token, or as the
    password of HTTP Basic (what a browser sends to the inspector page)."""
    expected = container.settings.emulator_token
    if expected is None:
        return True
    scheme, _, token = request.headers.get("authorization", "").partition(" ")
    if scheme.lower() == "basic":
        try:
            token = base64.b64decode(token, validate=True).decode().partition(":")[2]
        except (ValueError, UnicodeDecodeError):
            return False
    elif scheme.lower() != "bearer":
        return False
    return hmac.compare_digest(token.encode(), expected.encode())


def _part(part: T | None) -> T:
    assert part is not None  # the control routes exist in emulator mode only
    return part


async def _json(request: Request) -> Any:
    raw = await request.body()
    try:
        return orjson.loads(raw or b"{}")
    except orjson.JSONDecodeError as exc:
        raise ControlError(f"The body is not JSON: {exc}") from None


def _ok(body: Any, log_id: str, status: int = 200) -> Response:
    return render.json_response(body, log_id, status)


@control
async def list_faults(request: Request, container: Container, log_id: str) -> Response:
    return _ok({"faults": await _part(container.faults).listing()}, log_id)


@control
async def add_fault(request: Request, container: Container, log_id: str) -> Response:
    created = await _part(container.faults).add(await _json(request))
    return _ok(created, log_id, 201)


@control
async def clear_faults(request: Request, container: Container, log_id: str) -> Response:
    return _ok({"removed": await _part(container.faults).clear()}, log_id)


@control
async def remove_fault(request: Request, container: Container, log_id: str) -> Response:
    rule_id = request.path_params["fault_id"]
    if not await _part(container.faults).remove(rule_id):
        raise ControlNotFound(f"No fault {rule_id!r}.")
    return _ok({"removed": 1}, log_id)


def _clock(container: Container) -> ClockControl:
    if container.clock_control is None:  # an embedding injected its own clock
        raise ControlNotFound("This server's clock is not emulated.")
    return container.clock_control


@control
async def show_clock(request: Request, container: Container, log_id: str) -> Response:
    clock = _clock(container)
    await clock.refresh()
    return _ok(clock.show(), log_id)


@control
async def change_clock(request: Request, container: Container, log_id: str) -> Response:
    return _ok(await _clock(container).change(await _json(request)), log_id)


@control
async def reset(request: Request, container: Container, log_id: str) -> Response:
    return _ok(await to_the_end(_part(container.world).reset()), log_id)


@control
async def add_seed(request: Request, container: Container, log_id: str) -> Response:
    source = seed_sources.from_request(
        await request.body(), request.headers.get("content-type", "")
    )
    return _ok(await to_the_end(_part(container.world).add_seed(source)), log_id, 201)


@control
async def issue_token(request: Request, container: Container, log_id: str) -> Response:
    return _ok(await _part(container.world).token(await _json(request)), log_id)


@control
async def authorize(request: Request, container: Container, log_id: str) -> Response:
    return _ok(await _part(container.world).authorize(await _json(request)), log_id)


def _number(query: dict[str, str], name: str, high: int) -> int | None:
    value = query.get(name)
    if value is None or value == "":
        return None
    if not (value.isascii() and value.isdigit() and len(value) <= 12) or int(value) > high:
        raise ControlError(f"{name!r} must be a whole number from 0 to {high}")
    return int(value)


@control
async def list_requests(request: Request, container: Container, log_id: str) -> Response:
    journal = _part(container.journal)
    query = first_values(request)
    limit = _number(query, "limit", container.settings.journal_size)
    found = await journal.query(
        client_key=query.get("client_key") or None,
        endpoint=query.get("endpoint") or None,
        status=_number(query, "status", 599),
        since=_number(query, "since", 10**11),
        limit=100 if limit is None else limit,
    )
    return _ok({"requests": found}, log_id)


@control
async def clear_requests(request: Request, container: Container, log_id: str) -> Response:
    await _part(container.journal).clear()
    return _ok({"cleared": True}, log_id)


@control
async def list_webhooks(request: Request, container: Container, log_id: str) -> Response:
    return _ok({"webhooks": await _part(container.webhook_log).listing()}, log_id)


@control
async def trigger_webhook(request: Request, container: Container, log_id: str) -> Response:
    return _ok(await _part(container.webhook_log).trigger(await _json(request)), log_id)


def routes() -> list[BaseRoute]:
    return [
        Route("/_tokstack/faults", list_faults, methods=["GET"]),
        Route("/_tokstack/faults", add_fault, methods=["POST"]),
        Route("/_tokstack/faults", clear_faults, methods=["DELETE"]),
        Route("/_tokstack/faults/{fault_id}", remove_fault, methods=["DELETE"]),
        Route("/_tokstack/clock", show_clock, methods=["GET"]),
        Route("/_tokstack/clock", change_clock, methods=["POST"]),
        Route("/_tokstack/reset", reset, methods=["POST"]),
        Route("/_tokstack/seed", add_seed, methods=["POST"]),
        Route("/_tokstack/webhooks", list_webhooks, methods=["GET"]),
        Route("/_tokstack/webhooks/trigger", trigger_webhook, methods=["POST"]),
        Route("/_tokstack/requests", list_requests, methods=["GET"]),
        Route("/_tokstack/requests", clear_requests, methods=["DELETE"]),
        Route("/_tokstack/tokens", issue_token, methods=["POST"]),
        Route("/_tokstack/authorize", authorize, methods=["POST"]),
    ]
