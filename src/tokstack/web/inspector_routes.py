"""The emulator's inspector page, ``/_tokstack/`` (emulator mode only).

A page over the control API's services: users, apps, grants, the journal with filters,
faults (add and clear), the clock (advance) and webhooks. Its forms are bound to the browser
like every other form; with ``TOKSTACK_EMULATOR_TOKEN`` set the browser is asked for it
(HTTP Basic, any user name, the token as the password).
"""

from __future__ import annotations

import time
from typing import Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from tokstack.errors import ValidationError
from tokstack.services.inspector import Inspector, JournalFilter
from tokstack.web import csrf
from tokstack.web.authorize_routes import browser
from tokstack.web.container import Container
from tokstack.web.emulator_routes import allowed
from tokstack.web.forms import first_values
from tokstack.web.pages import error_page, page, redirect

PURPOSE = "inspector"
HOME = "/_tokstack/"


def _inspector(container: Container) -> Inspector:
    assert container.inspector is not None  # the routes exist in emulator mode only
    return container.inspector


def _refused(request: Request, container: Container) -> Response | None:
    if allowed(request, container):
        return None
    refused = error_page(message="This page needs the emulator token.", status=401)
    refused.headers["WWW-Authenticate"] = 'Basic realm="tokstack emulator", charset="UTF-8"'
    return refused


def _stamp(unix: int | None) -> str:
    return time.strftime("%Y-%m-%d %H:%M:%S UTC", time.gmtime(unix)) if unix else ""


def _filter(query: dict[str, str]) -> JournalFilter:
    status = query.get("status", "").strip()
    return JournalFilter(
        client_key=query.get("client_key", "").strip() or None,
        endpoint=query.get("endpoint", "").strip() or None,
        status=int(status) if status.isascii() and status.isdigit() and len(status) <= 3 else None,
    )


async def _page(
    request: Request, container: Container, error: str = "", status: int = 200
) -> Response:
    query = first_values(request)
    chosen = _filter(query)
    world = await _inspector(container).snapshot(chosen)
    token, browser_secret = container.forms.issue(request, PURPOSE)
    response = page(
        "inspector.html",
        status,
        csrf=token,
        error=error,
        done=query.get("done", ""),
        chosen=chosen,
        stamp=_stamp,
        **world,
    )
    return container.forms.remember(response, browser_secret)


@browser
async def show(request: Request, container: Container, log_id: str) -> Response:
    return _refused(request, container) or await _page(request, container)


async def _form(request: Request, container: Container) -> tuple[dict[str, str], Response | None]:
    refused = _refused(request, container)
    if refused is not None:
        return {}, refused
    form = {k: str(v) for k, v in (await request.form()).items()}
    if not container.forms.valid(request, form.get("csrf"), PURPOSE):
        return form, error_page(message=csrf.REFUSED, status=403)
    return form, None


async def _act(request: Request, container: Container, action: Any, done: str) -> Response:
    form, refused = await _form(request, container)
    if refused is not None:
        return refused
    try:
        await action(form)
    except ValidationError as exc:
        return await _page(request, container, error=str(exc), status=400)
    return redirect(f"{HOME}?done={done}", 303)


@browser
async def add_fault(request: Request, container: Container, log_id: str) -> Response:
    return await _act(request, container, _inspector(container).add_fault, "fault-added")


@browser
async def clear_faults(request: Request, container: Container, log_id: str) -> Response:
    async def clear(_: dict[str, str]) -> None:
        await _inspector(container).faults.clear()

    return await _act(request, container, clear, "faults-cleared")


@browser
async def advance_clock(request: Request, container: Container, log_id: str) -> Response:
    async def advance(form: dict[str, str]) -> None:
        await _inspector(container).advance(form.get("seconds", ""))

    return await _act(request, container, advance, "clock-moved")


def routes() -> list[BaseRoute]:
    return [
        Route(HOME, show, methods=["GET"]),
        Route("/_tokstack/inspector/faults", add_fault, methods=["POST"]),
        Route("/_tokstack/inspector/faults/clear", clear_faults, methods=["POST"]),
        Route("/_tokstack/inspector/clock", advance_clock, methods=["POST"]),
    ]
