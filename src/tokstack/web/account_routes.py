"""The user's account page: authorized apps ("Manage app permissions"), profile, avatar."""

from __future__ import annotations

import time
from typing import Any

from starlette.requests import Request
from starlette.responses import Response

from tokstack.domain.models import User
from tokstack.domain.videos import PRIVACY_LEVELS
from tokstack.errors import ApiError, NotFound, PageNotFound, ValidationError
from tokstack.services import authorizations, profile, video_pages
from tokstack.services.avatars import SIZES
from tokstack.services.login import check_credentials
from tokstack.web import csrf
from tokstack.web.authorize_routes import browser, session_user
from tokstack.web.container import Container
from tokstack.web.forms import form_lists, upload
from tokstack.web.pages import error_page, page, redirect

MESSAGES = {
    "removed": "The app was removed and can no longer access your account.",
    "profile": "Your profile was saved.",
    "avatar": "Your avatar was updated.",
    "password": "Your password was changed.",
    "video": "Your video was added.",
    "deleted": "The video was deleted.",
    "posted": "The draft was posted.",
    "privacy": "Who can watch the video was changed.",
    "discarded": "The draft was discarded.",
}


def _page(
    request: Request, container: Container, template: str, status: int = 200, **values: Any
) -> Response:
    token, browser = container.forms.issue(request)
    response = page(template, status, csrf=token, **values)
    return container.forms.remember(response, browser)


async def _authorized_apps(container: Container, user: User) -> list[dict[str, Any]]:
    async with container.ctx.store.unit() as unit:
        granted = await unit.authorizations.for_user(user.id)
        items = []
        for authorization in granted:
            app = await unit.apps.get(authorization.app_id)
            stamp = time.gmtime(authorization.granted_at or 0)
            items.append(
                {
                    "id": authorization.id,
                    "app_name": app.name if app else "(deleted app)",
                    "scopes": authorization.scopes,
                    "granted_iso": time.strftime("%Y-%m-%dT%H:%M:%SZ", stamp),
                    "granted_text": time.strftime("%d %b %Y, %H:%M UTC", stamp),
                }
            )
    return items


async def account_page(
    request: Request, container: Container, user: User, error: str = "", status: int = 200
) -> Response:
    avatars = container.ctx.avatars
    expires = avatars.expiry(container.ctx.clock.now())
    urls = (
        [
            (size, avatars.url(user.avatar_key, field, expires))
            for field, size in sorted(SIZES.items(), key=lambda item: item[1])
        ]
        if user.avatar_key
        else []
    )
    assert container.videos is not None
    videos, drafts = await video_pages.own_videos(container.ctx, container.videos, user)
    return _page(
        request,
        container,
        "account.html",
        status,
        user=user,
        videos=videos,
        drafts=drafts,
        privacy_levels=PRIVACY_LEVELS,
        apps=await _authorized_apps(container, user),
        avatars=urls,
        error=error,
        message=MESSAGES.get(request.query_params.get("done", ""), ""),
    )


@browser
async def home(request: Request, container: Container, log_id: str) -> Response:
    user = await session_user(request, container)
    if user is None:
        return redirect("/account/login", 303)
    return await account_page(request, container, user)


@browser
async def login_form(request: Request, container: Container, log_id: str) -> Response:
    return _page(request, container, "account_login.html", username="", message="")


@browser
async def login(request: Request, container: Container, log_id: str) -> Response:
    form, _ = await form_lists(request)
    if not container.forms.valid(request, form.get("csrf")):
        return error_page(message=csrf.REFUSED, status=403)
    username = form.get("username", "").strip()
    client = request.client.host if request.client else "unknown"
    try:
        user = await check_credentials(container.ctx, username, form.get("password", ""), client)
    except ApiError as error:
        return _page(
            request,
            container,
            "account_login.html",
            error.status,
            username=username,
            message=error.description,
        )
    if user is None:
        return _page(
            request,
            container,
            "account_login.html",
            401,
            username=username,
            message="Incorrect username or password.",
        )
    response = redirect("/account/", 303)
    container.sessions.login(response, user.id)
    return response


async def user_and_form(
    request: Request, container: Container
) -> tuple[User | None, dict[str, str], Response | None]:
    user = await session_user(request, container)
    if user is None:
        return None, {}, redirect("/account/login", 303)
    form, _ = await form_lists(request)
    if not container.forms.valid(request, form.get("csrf")):
        return None, {}, error_page(message=csrf.REFUSED, status=403)
    return user, form, None


@browser
async def logout(request: Request, container: Container, log_id: str) -> Response:
    _user, _, refused = await user_and_form(request, container)
    response = redirect("/account/login", 303)
    if refused is None:
        container.sessions.logout(response)
    return response


@browser
async def remove_app(request: Request, container: Container, log_id: str) -> Response:
    user, _, refused = await user_and_form(request, container)
    if refused is not None or user is None:
        return refused or redirect("/account/login", 303)
    try:
        await authorizations.remove_by_user(
            container.ctx, user, int(request.path_params["authorization_id"])
        )
    except NotFound:
        raise PageNotFound("No such authorized app.") from None
    return redirect("/account/?done=removed", 303)


@browser
async def save_profile(request: Request, container: Container, log_id: str) -> Response:
    user, form, refused = await user_and_form(request, container)
    if refused is not None or user is None:
        return refused or redirect("/account/login", 303)
    try:
        await profile.update_profile(
            container.ctx, user, form.get("display_name", ""), form.get("bio", "")
        )
    except ValidationError as exc:
        return await account_page(request, container, user, str(exc), 400)
    return redirect("/account/?done=profile", 303)


@browser
async def change_password(request: Request, container: Container, log_id: str) -> Response:
    user, form, refused = await user_and_form(request, container)
    if refused is not None or user is None:
        return refused or redirect("/account/login", 303)
    try:
        await profile.change_password(
            container.ctx, user, form.get("current", ""), form.get("new", "")
        )
    except ValidationError as exc:
        return await account_page(request, container, user, str(exc), 400)
    return redirect("/account/?done=password", 303)


@browser
async def upload_avatar(request: Request, container: Container, log_id: str) -> Response:
    user = await session_user(request, container)
    if user is None:
        return redirect("/account/login", 303)
    token, data = await upload(request, "avatar")
    if not container.forms.valid(request, token):
        return error_page(message=csrf.REFUSED, status=403)
    try:
        await profile.set_avatar(container.ctx, user, data)
    except ValidationError as exc:
        return await account_page(request, container, user, f"Avatar not changed: {exc}", 400)
    return redirect("/account/?done=avatar", 303)
