"""What the ``tokstack`` fixture hands a test: the emulator's control API as Python calls."""

from __future__ import annotations

import base64
import mimetypes
import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx

from tokstack.client import AsyncTikTok, TikTok, TokenSet
from tokstack.client.errors import OAuthError, oauth_error

DEVELOPER = "pytest"
DEFAULT_REDIRECT = "https://app.example.com/auth/tiktok/callback/"
DEFAULT_SCOPES = ("user.info.basic", "user.info.profile", "user.info.stats")


class ControlError(RuntimeError):
    """The control API refused a call: ``status`` and its ``message``."""

    def __init__(self, status: int, message: str) -> None:
        self.status, self.message = status, message
        super().__init__(f"{status}: {message}")


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


class Control:
    """The control API's HTTP calls (with the emulator token)."""

    def __init__(self, url: str, token: str) -> None:
        self.http = httpx.Client(
            base_url=url, headers={"Authorization": f"Bearer {token}"}, timeout=60
        )

    def call(self, method: str, path: str, body: Any = None, **params: Any) -> Any:
        query = {k: v for k, v in params.items() if v is not None}
        answer = self.http.request(method, f"/_tokstack/{path}", json=body, params=query)
        if answer.status_code >= 400:
            try:
                message = answer.json()["error"]["message"]
            except (ValueError, KeyError, TypeError):
                message = answer.text[:500]
            raise ControlError(answer.status_code, message)
        return answer.json()


class Faults:
    """``POST``/``GET``/``DELETE /_tokstack/faults``: ``add(**rule)`` takes its fields."""

    def __init__(self, control: Control) -> None:
        self._control = control

    def add(self, **rule: Any) -> dict[str, Any]:
        """e.g. ``add(endpoint="user.info", error="rate_limit_exceeded", times=1)``; the rule
        with its ``id``."""
        return dict(self._control.call("POST", "faults", rule))

    def list(self) -> list[dict[str, Any]]:
        return list(self._control.call("GET", "faults")["faults"])

    def remove(self, rule_id: str) -> None:
        self._control.call("DELETE", f"faults/{rule_id}")

    def clear(self) -> int:
        return int(self._control.call("DELETE", "faults")["removed"])


class Clock:
    """The emulated clock that codes, tokens, rate limits and webhooks read."""

    def __init__(self, control: Control) -> None:
        self._control = control

    def _change(self, **change: Any) -> dict[str, Any]:
        return dict(self._control.call("POST", "clock", change))

    @property
    def now(self) -> int:
        """The server's time, in UNIX seconds."""
        return int(self._control.call("GET", "clock")["now"])

    def advance(self, seconds: float) -> int:
        return int(self._change(advance=int(seconds))["now"])

    def set(self, unix: float) -> int:
        return int(self._change(set=int(unix))["now"])

    def freeze(self) -> None:
        self._change(freeze=True)

    def unfreeze(self) -> None:
        self._change(freeze=False)

    def reset(self) -> None:
        self._change(reset=True)


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

    def __post_init__(self) -> None:
        self.faults = Faults(self._control)
        self.clock = Clock(self._control)

    def _next(self) -> int:
        self._count += 1
        return self._count

    def reset(self) -> dict[str, Any]:
        """Back to the start: done before every test that uses the fixture."""
        self._count = 0
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
    ) -> App:
        """A new app, approved for ``scopes`` (default: the three user.info scopes)."""
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
