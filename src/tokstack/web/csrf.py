"""CSRF for the portal and account forms: a double-submit cookie (SameSite=Strict)."""

from __future__ import annotations

import hmac
import secrets

from starlette.requests import Request
from starlette.responses import Response

COOKIE = "tokstack_csrf"
REFUSED = "The form was not accepted. Please reload the page and try again."


def token_for(request: Request) -> str:
    return request.cookies.get(COOKIE) or secrets.token_urlsafe(24)


def remember(response: Response, token: str, secure: bool) -> Response:
    response.set_cookie(COOKIE, token, httponly=True, samesite="strict", secure=secure, path="/")
    return response


def valid(request: Request, sent: str | None) -> bool:
    expected = request.cookies.get(COOKIE)
    return bool(expected and sent) and hmac.compare_digest(
        (expected or "").encode(), (sent or "").encode()
    )
