"""``GET /v2/user/info/``: requested fields, each checked against the scope that grants it."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any
from urllib.parse import unquote

import orjson

from tokstack.domain.models import AccessContext
from tokstack.domain.scopes import BASIC, FIELD_SCOPES
from tokstack.errors import InvalidParams, ScopeNotAuthorized
from tokstack.services.avatars import SIZES, AvatarService

Getter = Callable[[AccessContext, int], Any]


_PARSED: dict[str, tuple[str, ...]] = {}


def parse_fields(raw: str | None) -> tuple[str, ...]:
    """Comma list (percent-encoded or not, any order, duplicates folded); unknown names dropped."""
    if raw is None:
        raise InvalidParams("The fields parameter is required.", detail="missing fields")
    parsed = _PARSED.get(raw)  # an integration sends the same list on every call
    if parsed is None:
        if not raw.strip():
            raise InvalidParams("The fields parameter is required.", detail="missing fields")
        text = unquote(raw) if "%" in raw else raw  # clients that double-encode the comma
        names = dict.fromkeys(part.strip() for part in text.split(","))
        parsed = tuple(sorted(name for name in names if name in FIELD_SCOPES))
        if len(_PARSED) >= 1024:  # bounded: anyone can send any list
            _PARSED.clear()
        _PARSED[raw] = parsed
    return parsed


class UserInfo:
    """Built once per process; ``render`` does only per-request work."""

    def __init__(self, avatars: AvatarService, public_url: str) -> None:
        def avatar(field: str) -> Getter:
            def get(a: AccessContext, expires: int) -> str:
                key = a.user.avatar_key
                return avatars.url(key, field, expires) if key else ""

            return get

        self._avatars = avatars
        # the JSON of a user for one token and field list, until its avatar URLs change
        self._rendered: dict[tuple[str, tuple[str, ...]], tuple[AccessContext, int, bytes]] = {}
        self._getters: dict[str, Getter] = {
            "open_id": lambda a, _: a.open_id,
            "union_id": lambda a, _: a.union_id,
            **{field: avatar(field) for field in SIZES},
            "display_name": lambda a, _: a.user.display_name,
            "bio_description": lambda a, _: a.user.bio_description,
            "profile_deep_link": lambda a, _: f"{public_url}/@{a.user.username}?lang=en",
            "profile_web_link": lambda a, _: f"{public_url}/@{a.user.username}",
            "is_verified": lambda a, _: a.user.is_verified,
            "username": lambda a, _: a.user.username,
            "follower_count": lambda a, _: a.user.follower_count,
            "following_count": lambda a, _: a.user.following_count,
            "likes_count": lambda a, _: a.user.likes_count,
            "video_count": lambda a, _: a.user.video_count,
        }

    def render(self, access: AccessContext, fields: tuple[str, ...], now: int) -> dict[str, Any]:
        granted = access.token.scopes
        if BASIC not in granted:
            raise ScopeNotAuthorized(detail="token lacks user.info.basic")
        missing = sorted({FIELD_SCOPES[f] for f in fields}.difference(granted))
        if missing:
            raise ScopeNotAuthorized(detail=f"fields need {','.join(missing)}")
        expires = self._avatars.expiry(now)
        return {field: self._getters[field](access, expires) for field in fields}

    def render_json(self, access: AccessContext, fields: tuple[str, ...], now: int) -> bytes:
        """``render`` as JSON, memoized: an integration asks the same of the same token."""
        expires = self._avatars.expiry(now)
        key = (access.token.digest, fields)  # one entry per token: a reload replaces it
        hit = self._rendered.get(key)
        if hit is not None and hit[0] is access and hit[1] == expires:
            return hit[2]  # access contexts are immutable: same object, same answer
        data = orjson.dumps(self.render(access, fields, now))
        if len(self._rendered) >= 4096 and key not in self._rendered:  # bounded
            self._rendered.clear()
        self._rendered[key] = (access, expires, data)
        return data
