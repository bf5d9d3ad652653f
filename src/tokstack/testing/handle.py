"""What the ``tokstack`` fixture hands a test: the emulator's control API as Python calls."""

from __future__ import annotations

import base64
import mimetypes
import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from tokstack.client import AsyncTikTok, TikTok, TokenSet
from tokstack.client.errors import OAuthError, oauth_error
from tokstack.testing.control import Clock, Control, ControlError, Faults

DEVELOPER = "pytest"
DEFAULT_REDIRECT = "https://app.example.com/auth/tiktok/callback/"
DEFAULT_SCOPES = ("user.info.basic", "user.info.profile", "user.info.stats")


@dataclass(frozen=True)
class App:
    """An app registered for this test; pass it to ``client()`` or to your own code."""

    client_key: str
    client_secret: str
    name: str
    platform: str
    redirect_uris: tuple[str, ...]
    scopes: tuple[str, ...]
    webhook_url: str | None = None


@dataclass(frozen=True)
class User:
    """A TikTok user for this test (``password`` logs in on the login page)."""

    username: str
    display_name: str
    password: str

    def open_id(self, app: App) -> str:
        """The ``open_id`` the app sees: stable in emulator mode, derived from the names."""
        return str(
            uuid.uuid5(uuid.NAMESPACE_URL, f"tokstack:open_id:{app.client_key}:{self.username}")
        )


def _list(value: str | Sequence[str]) -> list[str]:
    return (
        [s.strip() for s in value.split(",") if s.strip()]
        if isinstance(value, str)
        else list(value)
    )


def _data_url(avatar: str | bytes | Path) -> str:
    if isinstance(avatar, str) and avatar.startswith("data:"):
        return avatar
    raw = avatar if isinstance(avatar, bytes) else Path(avatar).read_bytes()
    kind = "image/png" if isinstance(avatar, bytes) else mimetypes.guess_type(str(avatar))[0]
    return f"data:{kind or 'image/png'};base64,{base64.b64encode(raw).decode()}"


@dataclass
class Tokstack:
    """The emulator of one test: create apps and users, get tokens and codes, inject faults,
    move the clock, read the request journal and the webhooks."""

    url: str
    emulator_token: str
    _control: Control = field(repr=False)
    faults: Faults = field(init=False, repr=False)
    clock: Clock = field(init=False, repr=False)
    _count: int = field(default=0, repr=False)
    _video_time: int = field(default=0, repr=False)

    def __post_init__(self) -> None:
        self.faults = Faults(self._control)
        self.clock = Clock(self._control)

    def _next(self) -> int:
        self._count += 1
        return self._count

    def reset(self) -> dict[str, Any]:
        """Back to the start: done before every test that uses the fixture."""
        self._count = self._video_time = 0
        return dict(self._control.call("POST", "reset"))

    def seed(self, document: dict[str, Any]) -> dict[str, Any]:
        """``POST /_tokstack/seed`` with a seed document (the README's keys)."""
        return dict(self._control.call("POST", "seed", document))

    def app(
        self,
        name: str | None = None,
        platform: str = "web",
        redirect_uris: Sequence[str] | None = None,
        scopes: str | Sequence[str] | None = None,
        webhook_url: str | None = None,
        audited: bool = False,
        url_prefixes: Sequence[str] = (),
    ) -> App:
        """A new app, approved for ``scopes`` (default: the three user.info scopes);
        ``audited`` lets it post publicly, ``url_prefixes`` are verified for PULL_FROM_URL."""
        name = name or f"App {self._next()}"
        uris = list(redirect_uris) if redirect_uris is not None else [DEFAULT_REDIRECT]
        secret = f"pytest{uuid.uuid4().hex}"
        spec: dict[str, Any] = {
            "developer": DEVELOPER,
            "name": name,
            "platform": platform,
            "client_secret": secret,
            "redirect_uris": uris,
            "scopes": _list(scopes if scopes is not None else DEFAULT_SCOPES),
        }
        if webhook_url is not None:
            spec["webhook_url"] = webhook_url
        if audited:
            spec["audited"] = True
        if url_prefixes:
            spec["url_prefixes"] = list(url_prefixes)
        done = self.seed({"developers": [{"name": DEVELOPER}], "apps": [spec]})["apps"][0]
        if not done["created"]:
            raise ControlError(409, f"an app named {name!r} exists already in this test")
        return App(
            client_key=done["client_key"],
            client_secret=secret,
            name=name,
            platform=done["platform"],
            redirect_uris=tuple(done["redirect_uris"]),
            scopes=tuple(done["scopes"]),
            webhook_url=webhook_url,
        )

    def user(
        self, username: str | None = None, display_name: str | None = None, **profile: Any
    ) -> User:
        """A new user; ``profile`` takes the seed document's user keys (``bio``, ``verified``,
        ``followers``, ``following``, ``likes``, ``videos``, ``password``, ``avatar`` as a
        file path, bytes or ``data:`` URL)."""
        username = username or f"user{self._next()}"
        spec: dict[str, Any] = {
            "username": username,
            "display_name": display_name or username.title(),
            "password": profile.pop("password", f"{username}-password"),
        }
        if "avatar" in profile:
            spec["avatar"] = _data_url(profile.pop("avatar"))
        spec |= profile
        done = self.seed({"users": [spec]})["users"][0]
        if not done["created"]:
            raise ControlError(409, f"a user named {username!r} exists already in this test")
        return User(username, spec["display_name"], spec["password"])

    def video(self, user: User | str, **fields: Any) -> str:
        """A video of ``user``; ``fields`` takes the seed document's video keys (``title``,
        ``description``, ``privacy_level``, ``create_time``, ``duration``, ``width``,
        ``height``, ``likes``, ``comments``, ``shares``, ``views``, ``is_aigc``, ``id``).
        Without ``create_time`` each video is a second newer than the one before. Its id."""
        spec: dict[str, Any] = {"user": _name(user), **fields}
        spec.setdefault("id", str(7 * 10**18 + self._next()))
        if "create_time" not in spec:
            self._video_time = max(self.clock.now, self._video_time + 1)
            spec["create_time"] = self._video_time
        done = self.seed({"videos": [spec]})["videos"][0]
        if not done["created"]:
            raise ControlError(409, f"a video {spec['id']} exists already in this test")
        return str(done["id"])

    def token(self, app: App, user: User | str, scopes: str | Sequence[str]) -> TokenSet:
        """Tokens as the token endpoint would give them after ``user`` consented."""
        body = {"client_key": app.client_key, "username": _name(user), "scopes": _list(scopes)}
        return TokenSet.from_body(self._control.call("POST", "tokens", body))

    def authorize(
        self,
        app: App,
        user: User | str,
        scopes: str | Sequence[str],
        redirect_uri: str | None = None,
        state: str | None = None,
        code_challenge: str | None = None,
    ) -> str:
        """The code of the redirect back to the app, consent given as ``user`` (no browser).
        A redirect with an error (``invalid_scope``, ...) raises its ``OAuthError``."""
        body: dict[str, Any] = {
            "client_key": app.client_key,
            "username": _name(user),
            "scopes": _list(scopes),
            "redirect_uri": redirect_uri or app.redirect_uris[0],
            "state": state,
        }
        if code_challenge is not None:
            body |= {"code_challenge": code_challenge, "code_challenge_method": "S256"}
        answer = self._control.call("POST", "authorize", body)
        if "code" not in answer:
            raise oauth_error(answer["error"], answer["error_description"], status=302)
        return str(answer["code"])

    def trigger(self, app: App, user: User | str, reason: int = 1) -> dict[str, Any]:
        """Ends the user's authorization of the app as TikTok would (``reason`` 0-5 of
        ``authorization.removed``) and queues that webhook to the app's webhook URL."""
        body = {"client_key": app.client_key, "username": _name(user), "reason": reason}
        return dict(self._control.call("POST", "webhooks/trigger", body))

    def requests(
        self,
        client_key: str | None = None,
        endpoint: str | None = None,
        status: int | None = None,
        since: int | None = None,
        limit: int | None = None,
    ) -> list[dict[str, Any]]:
        """The request journal, newest first (secrets redacted)."""
        found = self._control.call(
            "GET", "requests", client_key=client_key, endpoint=endpoint, status=status,
            since=since, limit=limit,
        )  # fmt: skip
        return list(found["requests"])

    def webhooks(self) -> list[dict[str, Any]]:
        """Every webhook event queued, newest first, with its delivery attempts."""
        return list(self._control.call("GET", "webhooks")["webhooks"])

    def client(self, app: App, **options: Any) -> TikTok:
        """A ``tokstack.client.TikTok`` for the app, pointed at this server."""
        return TikTok(app.client_key, app.client_secret, base_url=self.url, **options)

    def async_client(self, app: App, **options: Any) -> AsyncTikTok:
        return AsyncTikTok(app.client_key, app.client_secret, base_url=self.url, **options)

    def close(self) -> None:
        self._control.http.close()


def _name(user: User | str) -> str:
    return user if isinstance(user, str) else user.username


__all__ = ["App", "Clock", "ControlError", "Faults", "OAuthError", "Tokstack", "User"]
