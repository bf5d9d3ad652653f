"""Form tokens bound to the browser that loaded the form.

Each browser gets a random secret in an HttpOnly cookie; a form's token is an HMAC of that
secret and the form's purpose (an authorize interaction, or one of the portal and account
sessions). A form replayed from another browser (other cookie) or for another interaction
is refused, even when that browser is logged in too. Hand-written rather than a CSRF library:
Starlette has none, and the login and consent forms must also bind the pending request.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import re
import secrets

from starlette.requests import Request
from starlette.responses import Response

COOKIE = "tokstack_browser"
MAX_AGE = 14 * 86_400
REFUSED = "The form was not accepted. Please reload the page and try again."
_SHAPE = re.compile(r"^[A-Za-z0-9_-]{43}$")


class FormGuard:
    def __init__(self, key: bytes, secure: bool) -> None:
        self._key = hashlib.sha256(b"tokstack-form-tokens|" + key).digest()
        self.secure = secure

    def _token(self, browser: str, purpose: str) -> str:
        mac = hmac.new(self._key, f"{purpose}|{browser}".encode(), hashlib.sha256).digest()
        return base64.urlsafe_b64encode(mac).rstrip(b"=").decode()

    @staticmethod
    def _browser(request: Request) -> str | None:
        value = request.cookies.get(COOKIE)
        return value if value and _SHAPE.match(value) else None

    def issue(self, request: Request, purpose: str = "") -> tuple[str, str | None]:
        """The form token for this browser, and a new browser secret to ``remember`` (or
        None when the browser already has one)."""
        known = self._browser(request)
        browser = known or secrets.token_urlsafe(32)
        return self._token(browser, purpose), None if known else browser

    def remember(self, response: Response, browser: str | None) -> Response:
        if browser is None:
            return response
        response.set_cookie(
            COOKIE,
            browser,
            max_age=MAX_AGE,
            httponly=True,
            samesite="lax",
            secure=self.secure,
            path="/",
        )
        return response

    def valid(self, request: Request, sent: str | None, purpose: str = "") -> bool:
        browser = self._browser(request)
        if browser is None or not sent:
            return False
        return hmac.compare_digest(self._token(browser, purpose).encode(), sent.encode())
