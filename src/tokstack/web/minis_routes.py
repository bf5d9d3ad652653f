"""TikTok Minis in the browser: the SDK file, silent login, the popup callback, a demo Mini."""

from __future__ import annotations

from importlib.resources import files
from urllib.parse import urlsplit

import orjson
from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from tokstack.domain import scopes
from tokstack.errors import ApiError, ServerError, TemporarilyUnavailable
from tokstack.oauth import authorize as flow
from tokstack.web.authorize_routes import browser, issue_code, session_user
from tokstack.web.container import Container
from tokstack.web.edge import Family
from tokstack.web.forms import first_values, refuse_nul
from tokstack.web.pages import PAGE_HEADERS, page

SDK = files("tokstack.web").joinpath("static/minis-sdk.js").read_bytes()


async def sdk(_: Request) -> Response:
    return Response(
        SDK, media_type="application/javascript", headers={"Cache-Control": "public, max-age=300"}
    )


def _same_origin(request: Request, public_url: str) -> bool:
    origin = request.headers.get("origin")
    if origin is None:
        return True
    ours = urlsplit(public_url)
    return origin == f"{ours.scheme}://{ours.netloc}"


def _login_error(error: ApiError, log_id: str) -> Response:
    # The shape the SDK hands to ``fail``, with the Minis server codes [MERR].
    code = 50001000 if error.status >= 500 else 40001000  # internal / invalid params
    body = {"error_code": code, "error_msg": error.description, "log_id": log_id}
    return JSONResponse({"error": body}, error.status)


guarded = Family(_login_error, ServerError, TemporarilyUnavailable)


@guarded
async def silent_login(request: Request, container: Container, _log_id: str) -> Response:
    """A code for ``user.info.open_id`` if the user is logged in; no page is shown."""
    if not _same_origin(request, container.settings.public_url):
        return JSONResponse({"error": {"error_code": 10004, "error_msg": "cross-origin"}}, 403)
    try:
        client_key = str(orjson.loads(await request.body()).get("client_key", ""))
    except (orjson.JSONDecodeError, AttributeError):
        client_key = ""
    refuse_nul(client_key)
    params = {
        "client_key": client_key,
        "scope": scopes.OPEN_ID,
        "redirect_uri": container.settings.public_url + flow.MINIS_CALLBACK,
        "response_type": "code",
    }
    try:
        pending = await flow.validate(container.ctx, params)
    except ApiError:
        return JSONResponse(
            {"error": {"error_code": 10002, "error_msg": "invalid client_key"}}, 400
        )
    user = await session_user(request, container)
    if user is None or pending.platform != "mini":
        return JSONResponse({"error": {"error_code": 10001, "error_msg": "login required"}}, 401)
    issued = await issue_code(container, pending, user, pending.scopes)
    return JSONResponse({"code": issued.code, "scopes": ",".join(issued.scopes)})


async def callback(_: Request) -> Response:
    return page("minis_callback.html")


@browser
async def demo(request: Request, _container: Container, _log_id: str) -> Response:
    response = page("minis_demo.html", client_key=first_values(request).get("client_key", ""))
    response.headers["Cache-Control"] = PAGE_HEADERS["Cache-Control"]
    return response
