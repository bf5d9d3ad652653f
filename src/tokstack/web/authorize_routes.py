"""Login Kit in the browser: authorize, the login page and the consent page."""

from __future__ import annotations

import logging

from starlette.requests import Request
from starlette.responses import Response

from tokstack.domain import scopes as scope_list
from tokstack.domain.faults import Facts
from tokstack.domain.models import User
from tokstack.errors import (
    ApiError,
    ServerError,
    TemporarilyUnavailable,
    UntrustedAuthorizeParam,
)
from tokstack.oauth import authorize as flow
from tokstack.oauth import codes
from tokstack.services.login import check_credentials
from tokstack.web import fault_effects
from tokstack.web.container import Container
from tokstack.web.csrf import REFUSED
from tokstack.web.edge import Family
from tokstack.web.forms import first_values, form_lists
from tokstack.web.pages import error_page, page, redirect

log = logging.getLogger("tokstack.authorize")
EXPIRED = "This request has expired. Go back to the app and try again."


def render_error(error: ApiError, _log_id: str) -> Response:
    if error.redirect_uri is not None:
        return redirect(flow.error_redirect(error))
    if isinstance(error, UntrustedAuthorizeParam):
        return error_page(param=error.param)
    return error_page(message=error.description, status=error.status)


browser = Family(render_error, ServerError, TemporarilyUnavailable)


def _purpose(pending: flow.AuthorizeRequest) -> str:
    return f"authorize|{pending.id}|{pending.csrf}"


def _step_page(
    request: Request,
    container: Container,
    pending: flow.AuthorizeRequest,
    template: str,
    status: int = 200,
    **values: object,
) -> Response:
    """The login or consent page, its form bound to this browser and this request."""
    token, browser_secret = container.forms.issue(request, _purpose(pending))
    response = page(
        template,
        status,
        interaction=pending.id,
        csrf=token,
        app_name=pending.app_name,
        icon_key=pending.icon_key,
        quick_users=container.world.quick_users if container.world else (),
        **values,
    )
    return container.forms.remember(response, browser_secret)


async def session_user(request: Request, container: Container) -> User | None:
    user_id = container.sessions.user_id(request)
    if user_id is None:
        return None
    async with container.ctx.store.read() as unit:
        user = await unit.users.get(user_id)
    return user if user is not None and user.status == "active" else None


async def _seeded_user(container: Container, username: str) -> User | None:
    async with container.ctx.store.read() as unit:
        user = await unit.users.by_username(username)
    return user if user is not None and user.status == "active" else None


async def issue_code(
    container: Container, request: flow.AuthorizeRequest, user: User, granted: tuple[str, ...]
) -> codes.IssuedCode:
    return await codes.issue(container.ctx, request, user, granted)


async def _already_granted(
    container: Container, request: flow.AuthorizeRequest, user: User
) -> bool:
    async with container.ctx.store.read() as unit:
        authorization = await unit.authorizations.find(user.id, request.app_id)
    if authorization is None or authorization.revoked_at is not None:
        return False
    return set(request.scopes) <= set(authorization.scopes)


async def _next_step(
    container: Container, request: flow.AuthorizeRequest, user: User | None
) -> Response:
    if user is None:
        await flow.hold(container.ctx, request)
        return redirect(f"/v2/auth/login/?i={request.id}", 303)
    if request.silent or (request.auto_auth and await _already_granted(container, request, user)):
        return redirect((await issue_code(container, request, user, request.scopes)).redirect_url)
    await flow.hold(container.ctx, request)
    return redirect(f"/v2/auth/consent/?i={request.id}", 303)


@browser
async def authorize(request: Request, container: Container, log_id: str) -> Response:
    auth_request = await flow.validate(container.ctx, first_values(request))
    if container.faults is not None:
        facts = Facts("authorize", client_key=auth_request.client_key)
        target = (auth_request.redirect_uri, auth_request.state)
        await fault_effects.apply(container, request.scope, facts, redirect=target)
    if container.auto_consent:
        log.warning(
            "auto-consent as %s for %s",
            container.auto_consent,
            auth_request.client_key,
        )
        async with container.ctx.store.unit() as unit:
            user = await unit.users.by_username(container.auto_consent)
        if user is None:
            return error_page(message=f"auto-consent user {container.auto_consent} not found")
        issued = await issue_code(container, auth_request, user, auth_request.scopes)
        return redirect(issued.redirect_url)
    return await _next_step(container, auth_request, await session_user(request, container))


@browser
async def login_form(request: Request, container: Container, log_id: str) -> Response:
    pending = await flow.resume(container.ctx, first_values(request).get("i", ""))
    if pending is None:
        return error_page(message=EXPIRED)
    return _step_page(request, container, pending, "login.html", username="", message="")


@browser
async def login_submit(request: Request, container: Container, log_id: str) -> Response:
    form, _ = await form_lists(request)
    pending = await flow.resume(container.ctx, form.get("i", ""))
    if pending is None:
        return error_page(message=EXPIRED)
    if not container.forms.valid(request, form.get("csrf"), _purpose(pending)):
        return error_page(message=REFUSED, status=403)
    username = form.get("username", "").strip()
    client = request.client.host if request.client else "unknown"
    try:
        if form.get("quick") and container.world and username in container.world.quick_names:
            user = await _seeded_user(container, username)  # emulator mode's one-click login
        else:
            user = await check_credentials(
                container.ctx, username, form.get("password", ""), client
            )
    except ApiError as error:  # throttled: say so on the same page
        return _step_page(
            request,
            container,
            pending,
            "login.html",
            error.status,
            username=username,
            message=error.description,
        )
    if user is None:
        return _step_page(
            request,
            container,
            pending,
            "login.html",
            401,
            username=username,
            message="Incorrect username or password.",
        )
    response = await _next_step(container, pending, user)
    container.sessions.login(response, user.id)
    return response


@browser
async def consent_form(request: Request, container: Container, log_id: str) -> Response:
    pending = await flow.resume(container.ctx, first_values(request).get("i", ""))
    if pending is None:
        return error_page(message=EXPIRED)
    user = await session_user(request, container)
    if user is None:
        return redirect(f"/v2/auth/login/?i={pending.id}", 303)
    items = [
        {
            "name": name,
            "title": scope_list.SCOPES[name].title,
            "description": scope_list.SCOPES[name].description,
            "required": name == scope_list.BASIC,
        }
        for name in pending.scopes
    ]
    return _step_page(
        request,
        container,
        pending,
        "consent.html",
        scopes=items,
        username=user.username,
        display_name=user.display_name,
    )


@browser
async def consent_submit(request: Request, container: Container, log_id: str) -> Response:
    form, lists = await form_lists(request)
    pending = await flow.resume(container.ctx, form.get("i", ""))
    if pending is None:
        return error_page(message=EXPIRED)
    if not container.forms.valid(request, form.get("csrf"), _purpose(pending)):
        return error_page(message=REFUSED, status=403)
    user = await session_user(request, container)
    if user is None:
        return redirect(f"/v2/auth/login/?i={pending.id}", 303)
    if await flow.finish(container.ctx, pending.id) is None:
        return error_page(message=EXPIRED)  # a second submit of the same consent
    granted = flow.granted_scopes(pending, set(lists.get("scope", [])))
    if form.get("action") != "allow" or not granted:
        return redirect(flow.denied(pending))
    return redirect((await issue_code(container, pending, user, granted)).redirect_url)
