"""The developer portal: sign up, log in, register and edit apps, rotate secrets."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

import anyio.to_thread
from starlette.requests import Request
from starlette.responses import Response

from tokstack.domain.models import App, Developer
from tokstack.domain.redirect_uris import PLATFORMS
from tokstack.domain.scopes import SCOPES
from tokstack.errors import NotFound, PageNotFound, ValidationError
from tokstack.services import portal
from tokstack.web import csrf
from tokstack.web.authorize_routes import browser
from tokstack.web.container import Container
from tokstack.web.forms import form_lists, upload
from tokstack.web.pages import error_page, page, redirect

PLATFORM_LABELS = {
    "web": "Web",
    "desktop": "Desktop",
    "ios": "iOS",
    "android": "Android",
    "mini": "TikTok Minis",
}
PLATFORM_CHOICES = [(p, PLATFORM_LABELS[p]) for p in PLATFORMS]


def _page(
    request: Request, container: Container, template: str, status: int = 200, **values: Any
) -> Response:
    token, browser = container.forms.issue(request)
    response = page(template, status, csrf=token, **values)
    return container.forms.remember(response, browser)


async def _developer(request: Request, container: Container) -> Developer | None:
    developer_id = container.developer_sessions.user_id(request)
    if developer_id is None:
        return None
    async with container.ctx.store.unit() as unit:
        return await unit.developers.get(developer_id)


SignedInHandler = Callable[[Request, Container, Developer], Awaitable[Response]]


def signed_in(handler: SignedInHandler) -> Callable[[Request], Awaitable[Response]]:
    """A portal page for a signed-in developer; anyone else goes to the login page."""

    async def page(request: Request, container: Container, log_id: str) -> Response:
        developer = await _developer(request, container)
        if developer is None:
            return redirect("/portal/login", 303)
        return await handler(request, container, developer)

    page.__name__ = handler.__name__  # names the route in metrics
    return browser(page)


def _form_values(form: portal.AppForm | None) -> dict[str, Any]:
    if form is None:
        return {"name": "", "platform": "web", "redirect_uris": (), "scopes": (), "webhook_url": "",
                "audited": False, "url_prefixes": ()}  # fmt: skip
    return {
        "name": form.name,
        "platform": form.platform,
        "redirect_uris": form.redirect_uris,
        "scopes": form.scopes,
        "webhook_url": form.webhook_url,
        "audited": form.audited,
        "url_prefixes": form.url_prefixes,
    }


def _app_values(app: App) -> dict[str, Any]:
    return {
        "name": app.name,
        "platform": app.platform,
        "redirect_uris": app.redirect_uris,
        "scopes": app.scopes,
        "webhook_url": app.webhook_url or "",
        "audited": app.audited,
        "url_prefixes": app.url_prefixes,
    }


def _form_page(
    request: Request,
    container: Container,
    *,
    app: App | None,
    values: dict[str, Any],
    problems: dict[str, str] | None = None,
    secret: str | None = None,
    status: int = 200,
) -> Response:
    problems = problems or {}
    uri_problems = {k: v for k, v in problems.items() if k in values["redirect_uris"]}
    return _page(
        request,
        container,
        "portal_app_form.html",
        status,
        heading=app.name if app else "Create an app",
        app=app,
        form=values,
        action=f"/portal/apps/{app.client_key}" if app else "/portal/apps/new",
        submit="Save changes" if app else "Create app",
        platforms=PLATFORM_CHOICES,
        scopes=list(SCOPES.values()),
        problems=problems,
        uri_problems=uri_problems,
        secret=secret,
    )


async def _submitted(request: Request) -> tuple[dict[str, str], portal.AppForm]:
    single, lists = await form_lists(request)
    form = portal.app_form(
        single.get("name", ""),
        single.get("platform", ""),
        single.get("redirect_uris", ""),
        lists.get("scopes", []),
        single.get("webhook_url", ""),
        single.get("audited") == "on",
        single.get("url_prefixes", ""),
    )
    return single, form


async def _own_app(container: Container, developer: Developer, key: str) -> App:
    try:
        return await portal.own_app(container.ctx, developer.id, key)
    except NotFound:
        raise PageNotFound("No such app.") from None


@signed_in
async def home(request: Request, container: Container, developer: Developer) -> Response:
    apps = await portal.list_apps(container.ctx, developer.id)
    return _page(request, container, "portal_apps.html", developer=developer, apps=apps)


def _auth_page(
    request: Request,
    container: Container,
    signup: bool,
    status: int = 200,
    message: str = "",
    values: dict[str, str] | None = None,
) -> Response:
    return _page(
        request,
        container,
        "portal_auth.html",
        status,
        signup=signup,
        heading="Create a developer account" if signup else "Log in",
        action="/portal/signup" if signup else "/portal/login",
        message=message,
        values=values or {"name": "", "email": ""},
    )


@browser
async def signup_form(request: Request, container: Container, log_id: str) -> Response:
    return _auth_page(request, container, signup=True)


@browser
async def signup(request: Request, container: Container, log_id: str) -> Response:
    form, _ = await form_lists(request)
    if not container.forms.valid(request, form.get("csrf")):
        return error_page(message=csrf.REFUSED, status=403)
    values = {"name": form.get("name", ""), "email": form.get("email", "")}
    try:
        developer = await portal.sign_up(
            container.ctx, values["name"], values["email"], form.get("password", "")
        )
    except ValidationError as exc:
        return _auth_page(request, container, True, 400, str(exc), values)
    response = redirect("/portal/", 303)
    container.developer_sessions.login(response, developer.id)
    return response


@browser
async def login_form(request: Request, container: Container, log_id: str) -> Response:
    return _auth_page(request, container, signup=False)


@browser
async def login(request: Request, container: Container, log_id: str) -> Response:
    form, _ = await form_lists(request)
    if not container.forms.valid(request, form.get("csrf")):
        return error_page(message=csrf.REFUSED, status=403)
    developer = await portal.log_in(container.ctx, form.get("email", ""), form.get("password", ""))
    if developer is None:
        return _auth_page(
            request,
            container,
            False,
            401,
            "Incorrect email or password.",
            {"name": "", "email": form.get("email", "")},
        )
    response = redirect("/portal/", 303)
    container.developer_sessions.login(response, developer.id)
    return response


@browser
async def logout(request: Request, container: Container, log_id: str) -> Response:
    form, _ = await form_lists(request)
    response = redirect("/portal/login", 303)
    if container.forms.valid(request, form.get("csrf")):
        container.developer_sessions.logout(response)
    return response


@signed_in
async def new_app_form(request: Request, container: Container, _: Developer) -> Response:
    return _form_page(request, container, app=None, values=_form_values(None))


@signed_in
async def create_app(request: Request, container: Container, developer: Developer) -> Response:
    single, form = await _submitted(request)
    if not container.forms.valid(request, single.get("csrf")):
        return error_page(message=csrf.REFUSED, status=403)
    problems = form.problems(container.ctx.emulator)
    if problems:
        return _form_page(
            request, container, app=None, values=_form_values(form), problems=problems, status=400
        )
    created = await portal.create(container.ctx, developer.id, form)
    return _form_page(
        request,
        container,
        app=created.app,
        values=_app_values(created.app),
        secret=created.client_secret,
    )


@signed_in
async def app_page(request: Request, container: Container, developer: Developer) -> Response:
    app = await _own_app(container, developer, request.path_params["key"])
    return _form_page(request, container, app=app, values=_app_values(app))


@signed_in
async def update_app(request: Request, container: Container, developer: Developer) -> Response:
    single, form = await _submitted(request)
    if not container.forms.valid(request, single.get("csrf")):
        return error_page(message=csrf.REFUSED, status=403)
    key = request.path_params["key"]
    app = await _own_app(container, developer, key)
    problems = form.problems(container.ctx.emulator)
    if problems:
        return _form_page(
            request, container, app=app, values=_form_values(form), problems=problems, status=400
        )
    await portal.update_app(container.ctx, developer.id, key, form)
    return redirect(f"/portal/apps/{key}", 303)


@signed_in
async def rotate(request: Request, container: Container, developer: Developer) -> Response:
    form, _ = await form_lists(request)
    if not container.forms.valid(request, form.get("csrf")):
        return error_page(message=csrf.REFUSED, status=403)
    key = request.path_params["key"]
    app = await _own_app(container, developer, key)
    secret = await portal.rotate_secret(container.ctx, developer.id, key)
    return _form_page(request, container, app=app, values=_app_values(app), secret=secret)


@signed_in
async def upload_icon(request: Request, container: Container, developer: Developer) -> Response:
    token, data = await upload(request, "icon")
    if not container.forms.valid(request, token):
        return error_page(message=csrf.REFUSED, status=403)
    key = request.path_params["key"]
    app = await _own_app(container, developer, key)
    try:
        await portal.set_icon(container.ctx, developer.id, key, data)
    except ValidationError as exc:
        return _form_page(
            request,
            container,
            app=app,
            values=_app_values(app),
            problems={"icon": str(exc)},
            status=400,
        )
    return redirect(f"/portal/apps/{key}", 303)


async def icon(request: Request) -> Response:
    container: Container = request.app.state.container
    key = request.path_params["key"]
    data = (
        await anyio.to_thread.run_sync(container.ctx.avatars.blobs.get, key)
        if key.startswith("icon-")
        else None
    )
    if data is None:
        return Response(b"Not Found", status_code=404, media_type="text/plain")
    return Response(
        data, media_type="image/png", headers={"Cache-Control": "public, max-age=86400, immutable"}
    )
