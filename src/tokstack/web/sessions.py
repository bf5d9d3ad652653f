"""The user's login session: a signed, HttpOnly, SameSite=Lax cookie holding the user id."""

from __future__ import annotations

from itsdangerous import BadSignature, URLSafeTimedSerializer
from starlette.requests import Request
from starlette.responses import Response

COOKIE = "tokstack_session"
MAX_AGE = 14 * 86_400


class Sessions:
    """One signed-cookie session kind: users (``tokstack_session``) or developers."""

    def __init__(self, key: bytes, secure: bool, cookie: str = COOKIE) -> None:
        self._serializer = URLSafeTimedSerializer(key, salt=f"{cookie}-v1")
        self.secure = secure
        self.cookie = cookie

    def user_id(self, request: Request) -> int | None:
        raw = request.cookies.get(self.cookie)
        if not raw:
            return None
        try:
            value = self._serializer.loads(raw, max_age=MAX_AGE)
        except BadSignature:
            return None
        return int(value["u"]) if isinstance(value, dict) and "u" in value else None

    def login(self, response: Response, user_id: int) -> None:
        response.set_cookie(
            self.cookie,
            self._serializer.dumps({"u": user_id}),
            max_age=MAX_AGE,
            httponly=True,
            samesite="lax",
            secure=self.secure,
            path="/",
        )

    def logout(self, response: Response) -> None:
        response.delete_cookie(
            self.cookie, path="/", httponly=True, samesite="lax", secure=self.secure
        )
