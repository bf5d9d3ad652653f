"""``GET /`` (the home page) and ``GET /@username`` (the public profile that
``profile_web_link`` and ``profile_deep_link`` point at)."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response

from tokstack.errors import PageNotFound
from tokstack.services import profile, video_pages
from tokstack.services.avatars import SIZES
from tokstack.services.demo import DEMO_APPS, DEMO_DEVELOPER, DEMO_USERS
from tokstack.web.authorize_routes import browser
from tokstack.web.container import Container
from tokstack.web.pages import page


@browser
async def home(request: Request, container: Container, log_id: str) -> Response:
    emulator = container.settings.demo
    return page(
        "home.html",
        emulator=emulator,
        apps=DEMO_APPS if emulator else (),
        users=DEMO_USERS if emulator else (),
        developer=DEMO_DEVELOPER if emulator else None,
        base=container.settings.public_url,
    )


@browser
async def public_profile(request: Request, container: Container, log_id: str) -> Response:
    username = request.path_params["username"]
    user = await profile.public(container.ctx, username)
    if user is None:
        raise PageNotFound(f"There is no account named @{username}.")
    avatars = container.ctx.avatars
    avatar = (
        avatars.url(user.avatar_key, "avatar_url", avatars.expiry(container.ctx.clock.now()))
        if user.avatar_key
        else None
    )
    assert container.videos is not None
    videos = await video_pages.public_videos(container.ctx, container.videos, user)
    return page(
        "profile.html", user=user, avatar=avatar, avatar_size=SIZES["avatar_url"], videos=videos
    )
