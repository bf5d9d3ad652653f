"""The ASGI application: routes only; behaviour lives in the core."""

from __future__ import annotations

import asyncio
import contextlib
import gc
import sys
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from starlette.applications import Starlette
from starlette.routing import BaseRoute, Mount, Route
from starlette.staticfiles import StaticFiles

from tokstack.config import Settings
from tokstack.logs import configure_logging
from tokstack.services.uploads import UPLOAD_PATH
from tokstack.web import (
    account_routes,
    account_video_routes,
    api_routes,
    authorize_routes,
    emulator_routes,
    home_routes,
    inspector_routes,
    minis_routes,
    oauth_routes,
    observe,
    ops_routes,
    portal_routes,
    posting_routes,
    video_pages,
    video_routes,
)
from tokstack.web.container import Container, build, prepare_database, webhook_worker
from tokstack.web.fast import Tokstack
from tokstack.web.observe import Observe


def routes() -> list[BaseRoute]:
    return [
        Route("/", home_routes.home, methods=["GET"]),
        Route("/@{username}", home_routes.public_profile, methods=["GET"]),
        Route("/@{username}/video/{video_id}", video_pages.video_page, methods=["GET"]),
        Route("/player/v1/{video_id}", video_pages.player, methods=["GET"]),
        Route("/player/v1/{video_id}/captions.vtt", video_pages.captions, methods=["GET"]),
        Route("/v2/user/info/", api_routes.user_info, methods=["GET"]),
        Route("/v2/video/list/", video_routes.video_list, methods=["POST"]),
        Route("/v2/video/query/", video_routes.video_query, methods=["POST"]),
        Route(
            "/v2/post/publish/creator_info/query/", posting_routes.creator_info, methods=["POST"]
        ),
        Route("/v2/post/publish/video/init/", posting_routes.video_init, methods=["POST"]),
        Route("/v2/post/publish/inbox/video/init/", posting_routes.inbox_init, methods=["POST"]),
        Route("/v2/post/publish/content/init/", posting_routes.content_init, methods=["POST"]),
        Route("/v2/post/publish/status/fetch/", posting_routes.status_fetch, methods=["POST"]),
        Route("/v2/post/publish/cancel/", posting_routes.cancel, methods=["POST"]),
        Route(UPLOAD_PATH, posting_routes.upload, methods=["PUT"]),
        Route("/v2/oauth/token/", oauth_routes.token, methods=["POST"]),
        Route("/v2/oauth/revoke/", oauth_routes.revoke, methods=["POST"]),
        # TikTok's authorize page answers with and without the trailing slash
        Route("/v2/auth/authorize/", authorize_routes.authorize, methods=["GET"]),
        Route("/v2/auth/authorize", authorize_routes.authorize, methods=["GET"]),
        Route("/v2/auth/login/", authorize_routes.login_form, methods=["GET"]),
        Route("/v2/auth/login/", authorize_routes.login_submit, methods=["POST"]),
        Route("/v2/auth/consent/", authorize_routes.consent_form, methods=["GET"]),
        Route("/v2/auth/consent/", authorize_routes.consent_submit, methods=["POST"]),
        Route("/minis/sdk.js", minis_routes.sdk, methods=["GET"]),
        Route("/minis/login", minis_routes.silent_login, methods=["POST"]),
        Route("/minis/callback/", minis_routes.callback, methods=["GET"]),
        Route("/minis/demo/", minis_routes.demo, methods=["GET"]),
        Route("/portal/", portal_routes.home, methods=["GET"]),
        Route("/portal/signup", portal_routes.signup_form, methods=["GET"]),
        Route("/portal/signup", portal_routes.signup, methods=["POST"]),
        Route("/portal/login", portal_routes.login_form, methods=["GET"]),
        Route("/portal/login", portal_routes.login, methods=["POST"]),
        Route("/portal/logout", portal_routes.logout, methods=["POST"]),
        Route("/portal/apps/new", portal_routes.new_app_form, methods=["GET"]),
        Route("/portal/apps/new", portal_routes.create_app, methods=["POST"]),
        Route("/portal/apps/{key}", portal_routes.app_page, methods=["GET"]),
        Route("/portal/apps/{key}", portal_routes.update_app, methods=["POST"]),
        Route("/portal/apps/{key}/rotate", portal_routes.rotate, methods=["POST"]),
        Route("/portal/apps/{key}/icon", portal_routes.upload_icon, methods=["POST"]),
        Route("/app-icons/{key}", portal_routes.icon, methods=["GET"]),
        Route("/account/", account_routes.home, methods=["GET"]),
        Route("/account/login", account_routes.login_form, methods=["GET"]),
        Route("/account/login", account_routes.login, methods=["POST"]),
        Route("/account/logout", account_routes.logout, methods=["POST"]),
        Route("/account/profile", account_routes.save_profile, methods=["POST"]),
        Route("/account/password", account_routes.change_password, methods=["POST"]),
        Route("/account/avatar", account_routes.upload_avatar, methods=["POST"]),
        Route("/account/videos", account_video_routes.upload, methods=["POST"]),
        Route("/account/videos/{video_id}/delete", account_video_routes.delete, methods=["POST"]),
        Route(
            "/account/videos/{video_id}/privacy",
            account_video_routes.change_privacy,
            methods=["POST"],
        ),
        Route("/account/drafts/{video_id}/post", account_video_routes.post_draft, methods=["POST"]),
        Route(
            "/account/drafts/{video_id}/discard",
            account_video_routes.discard_draft,
            methods=["POST"],
        ),
        Route(
            "/account/apps/{authorization_id:int}/remove",
            account_routes.remove_app,
            methods=["POST"],
        ),
        Mount("/static", StaticFiles(packages=[("tokstack.web", "static")]), name="static"),
        Route("/tos-avt-0068-tx/{name}", ops_routes.avatar, methods=["GET"]),
        Route("/obj/tos-cover-0068/{name}", video_routes.cover, methods=["GET"]),
        Route("/obj/tos-video-0068/{name}", video_pages.media, methods=["GET"]),
        Route("/healthz", ops_routes.healthz, methods=["GET"]),
        Route("/readyz", ops_routes.readyz, methods=["GET"]),
        Route("/openapi.json", ops_routes.openapi, methods=["GET"]),
        Route("/metrics", observe.metrics, methods=["GET"]),
    ]


def _no_head(found: list[BaseRoute]) -> list[BaseRoute]:
    """Starlette answers HEAD wherever GET is served; TikTok's gateway answers it 404 (as
    any method a path does not serve), so HEAD is not served (and not rate-counted)."""
    for route in found:
        if isinstance(route, Route) and route.methods is not None:
            route.methods.discard("HEAD")
    return found


def create_app(container: Container | None = None) -> Observe:
    """With a container (tests, embedding) it is used as is; otherwise built from settings."""

    @asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        owned = container is None
        if owned:
            settings = Settings()
            configure_logging(settings.log_level)
            if settings.migrate_on_start:
                prepare_database(settings)
            app.state.container = build(settings)
        current: Container = app.state.container
        if owned:
            await current.start()
            # Everything built so far (modules, SQLAlchemy metadata, templates) lives as long
            # as the process; unfrozen, every full collection walked it, pausing a worker for
            # 60-77 ms every couple of seconds under load (the p99 of every endpoint).
            gc.collect()
            gc.freeze()
            # SQLite's COMMIT (an fsync) and the wait for the other workers' write lock run on
            # threads; by default such a thread waits up to 5 ms for the GIL once its call
            # returns, and every worker's writes wait for it (lock handoff took about 3 ms).
            sys.setswitchinterval(0.0002)
        worker = None
        if owned and current.settings.webhooks:
            worker = webhook_worker(current)
            worker.start()
        publisher = current.publisher if owned and current.settings.publisher else None
        if publisher is not None:
            publisher.start()
        metrics = asyncio.get_running_loop().create_task(observe.flush_metrics())
        try:
            yield
        finally:
            metrics.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await metrics
            if worker is not None:
                await worker.stop()
            if publisher is not None:
                await publisher.stop()
            if owned:
                await current.close()

    settings = container.settings if container else Settings()
    log_requests = settings.access_log
    # the control API exists in emulator mode only: elsewhere /_tokstack/ is the gateway 404
    extra = emulator_routes.routes() + inspector_routes.routes() if settings.demo else []
    app = Starlette(
        routes=_no_head(routes() + extra),
        lifespan=lifespan,
        exception_handlers={404: ops_routes.not_found, 405: ops_routes.not_found},
    )
    app.router.redirect_slashes = False
    if container is not None:
        app.state.container = container
    return Observe(Tokstack(app), access_log_enabled=log_requests)
