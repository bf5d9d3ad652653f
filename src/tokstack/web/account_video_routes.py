"""The account page's videos: upload one, delete one, post or discard a draft (an upload an
app sent to the user's inbox)."""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path

import anyio.to_thread
from starlette.datastructures import UploadFile
from starlette.requests import Request
from starlette.responses import Response

from tokstack.errors import NotFound, PageNotFound, ValidationError
from tokstack.services import video_catalog
from tokstack.web import csrf
from tokstack.web.account_routes import account_page, user_and_form
from tokstack.web.authorize_routes import browser, session_user
from tokstack.web.container import Container
from tokstack.web.forms import video_upload
from tokstack.web.pages import error_page, redirect


def _staged(container: Container, sent: UploadFile) -> Path:
    staging = container.settings.data_dir / "staging"
    staging.mkdir(parents=True, exist_ok=True)
    with tempfile.NamedTemporaryFile(dir=staging, prefix="account-", delete=False) as target:
        sent.file.seek(0)
        shutil.copyfileobj(sent.file, target, 1024 * 1024)
    return Path(target.name)


@browser
async def upload(request: Request, container: Container, log_id: str) -> Response:
    user = await session_user(request, container)
    if user is None:
        return redirect("/account/login", 303)
    fields, sent = await video_upload(request, "video")
    if not container.forms.valid(request, fields.get("csrf")):
        return error_page(message=csrf.REFUSED, status=403)
    if sent is None:
        return await account_page(request, container, user, "Choose a video file.", 400)
    path = await anyio.to_thread.run_sync(_staged, container, sent)
    try:
        await video_catalog.create(
            container.ctx, user.username, path, title=fields.get("title", "").strip(),
            description=fields.get("description", ""),
            privacy_level=fields.get("privacy_level", "PUBLIC_TO_EVERYONE"), origin="account",
            staging=path.parent,
        )  # fmt: skip
    except ValidationError as exc:
        return await account_page(request, container, user, f"Video not added: {exc}", 400)
    finally:
        path.unlink(missing_ok=True)
    return redirect("/account/?done=video", 303)


async def _act(request: Request, container: Container, action: str) -> Response:
    user, form, refused = await user_and_form(request, container)
    if refused is not None or user is None:
        return refused or redirect("/account/login", 303)
    video_id = str(request.path_params["video_id"])
    try:
        if action == "posted":
            await video_catalog.post_draft(
                container.ctx, user, video_id, form.get("privacy_level", "")
            )
        elif action == "privacy":
            await video_catalog.change_privacy(
                container.ctx, user, video_id, form.get("privacy_level", "")
            )
        else:
            await video_catalog.delete(container.ctx, video_id, owner=user)
    except NotFound:
        raise PageNotFound("No such video.") from None
    except ValidationError as exc:
        return await account_page(request, container, user, str(exc), 400)
    return redirect(f"/account/?done={action}", 303)


@browser
async def delete(request: Request, container: Container, log_id: str) -> Response:
    return await _act(request, container, "deleted")


@browser
async def change_privacy(request: Request, container: Container, log_id: str) -> Response:
    return await _act(request, container, "privacy")


@browser
async def post_draft(request: Request, container: Container, log_id: str) -> Response:
    return await _act(request, container, "posted")


@browser
async def discard_draft(request: Request, container: Container, log_id: str) -> Response:
    return await _act(request, container, "discarded")
