"""Seed documents: YAML or JSON, checked against ``seed.schema.json``.

Every error names the path of the bad value (``apps[1].platform: ...``), so a user can find
it in a long file. What the schema cannot say (a scope that does not exist, an app naming a
developer that is nowhere) is checked by ``tokstack.services.seeding`` with the same paths.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from functools import cache
from importlib import resources
from typing import Any

from tokstack.errors import ValidationError

MAX_ERRORS = 5  # a long list of errors hides the first one; five is enough to fix a batch


class SeedError(ValidationError):
    """A seed document that cannot be used; the message names where and why."""


@dataclass(frozen=True)
class SeedDeveloper:
    path: str
    name: str
    email: str | None = None
    password: str | None = None


@dataclass(frozen=True)
class SeedApp:
    path: str
    developer: str
    name: str
    platform: str
    client_key: str | None = None
    client_secret: str | None = None
    redirect_uris: tuple[str, ...] = ()
    scopes: tuple[str, ...] = ()
    webhook_url: str | None = None
    audited: bool = False
    url_prefixes: tuple[str, ...] = ()


@dataclass(frozen=True)
class SeedUser:
    path: str
    username: str
    display_name: str
    password: str | None = None
    avatar: str | None = None
    bio: str = ""
    verified: bool = False
    stats: dict[str, int] = field(default_factory=dict)


@dataclass(frozen=True)
class SeedGrant:
    path: str
    app: str
    user: str
    scopes: tuple[str, ...]
    access_token: str | None = None
    refresh_token: str | None = None
    open_id: str | None = None
    union_id: str | None = None


@dataclass(frozen=True)
class SeedVideo:
    path: str
    user: str
    index: int  # its place among the user's videos in the document (ids and default times)
    id: str | None = None
    title: str = ""
    description: str = ""
    privacy_level: str = "PUBLIC_TO_EVERYONE"
    create_time: int | None = None
    duration: int = 15
    width: int = 1080
    height: int = 1920
    counts: dict[str, int] = field(default_factory=dict)
    is_aigc: bool = False
    file: str | None = None  # a media file beside the seed document (its size and duration win)


@dataclass(frozen=True)
class Seed:
    demo: bool = True
    developers: tuple[SeedDeveloper, ...] = ()
    apps: tuple[SeedApp, ...] = ()
    users: tuple[SeedUser, ...] = ()
    grants: tuple[SeedGrant, ...] = ()
    videos: tuple[SeedVideo, ...] = ()


# the seed's user keys -> the profile's counters
STATS = {
    "followers": "follower_count",
    "following": "following_count",
    "likes": "likes_count",
    "videos": "video_count",
}


@cache
def schema() -> dict[str, Any]:
    text = resources.files("tokstack.domain").joinpath("seed.schema.json").read_text("utf-8")
    loaded: dict[str, Any] = json.loads(text)
    return loaded


def parse(text: str | bytes, source: str = "seed") -> Seed:
    """A YAML or JSON document (YAML is a superset of JSON) -> a checked ``Seed``."""
    import yaml  # seeds are read at start and on request, never on a hot path

    try:
        document = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        where = getattr(exc, "problem_mark", None)
        line = f" (line {where.line + 1}, column {where.column + 1})" if where else ""
        problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
        raise SeedError(f"{source}: not YAML or JSON{line}: {problem}") from None
    return load(document, source)


def load(document: Any, source: str = "seed") -> Seed:
    """An already decoded document -> a checked ``Seed``."""
    if document is None:
        document = {}
    problems = list(_schema_problems(document))
    if problems:
        raise SeedError(f"{source}: " + "; ".join(problems))
    seed = Seed(
        demo=bool(document.get("demo", True)),
        developers=tuple(
            SeedDeveloper(f"developers[{i}]", d["name"].strip(), d.get("email"), d.get("password"))
            for i, d in enumerate(document.get("developers", []))
        ),
        apps=tuple(_app(i, a) for i, a in enumerate(document.get("apps", []))),
        users=tuple(_user(i, u) for i, u in enumerate(document.get("users", []))),
        grants=tuple(_grant(i, g) for i, g in enumerate(document.get("grants", []))),
        videos=_videos(document.get("videos", [])),
    )
    duplicates = list(_duplicates(seed))
    if duplicates:
        raise SeedError(f"{source}: " + "; ".join(duplicates[:MAX_ERRORS]))
    return seed


def _schema_problems(document: Any) -> Iterable[str]:
    from jsonschema import Draft202012Validator

    validator = Draft202012Validator(schema())
    errors = sorted(validator.iter_errors(document), key=lambda e: list(map(str, e.path)))
    for error in errors[:MAX_ERRORS]:
        yield f"{path_of(error.absolute_path)}: {_message(error)}"


def _message(error: Any) -> str:
    if error.validator == "additionalProperties":
        allowed = sorted(error.schema.get("properties", {}))
        return f"{error.message}; the keys allowed here are {', '.join(allowed)}"
    if error.validator == "pattern":
        expected = error.schema.get("description") or error.validator_value
        return f"{error.instance!r} does not have the expected form ({expected})"
    return str(error.message)


def path_of(parts: Iterable[Any]) -> str:
    """``["apps", 1, "platform"]`` -> ``apps[1].platform`` (``$`` for the document)."""
    text = ""
    for part in parts:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else str(part))
    return text or "$"


def _app(i: int, a: dict[str, Any]) -> SeedApp:
    return SeedApp(
        path=f"apps[{i}]",
        developer=a["developer"].strip(),
        name=a["name"].strip(),
        platform=a["platform"],
        client_key=a.get("client_key"),
        client_secret=a.get("client_secret"),
        redirect_uris=tuple(a.get("redirect_uris", [])),
        scopes=tuple(a.get("scopes", [])),
        webhook_url=a.get("webhook_url"),
        audited=bool(a.get("audited", False)),
        url_prefixes=tuple(a.get("url_prefixes", [])),
    )


def _user(i: int, u: dict[str, Any]) -> SeedUser:
    return SeedUser(
        path=f"users[{i}]",
        username=u["username"],
        display_name=(u.get("display_name") or u["username"]).strip(),
        password=u.get("password"),
        avatar=u.get("avatar"),
        bio=u.get("bio", ""),
        verified=bool(u.get("verified", False)),
        stats={column: u[key] for key, column in STATS.items() if key in u},
    )


def _grant(i: int, g: dict[str, Any]) -> SeedGrant:
    return SeedGrant(
        path=f"grants[{i}]",
        app=g["app"],
        user=g["user"],
        scopes=tuple(g["scopes"]),
        access_token=g.get("access_token"),
        refresh_token=g.get("refresh_token"),
        open_id=g.get("open_id"),
        union_id=g.get("union_id"),
    )


# the seed's video keys -> the Video Object's counters
COUNTS = {"likes": "like_count", "comments": "comment_count", "shares": "share_count",
          "views": "view_count"}  # fmt: skip


def _videos(entries: list[dict[str, Any]]) -> tuple[SeedVideo, ...]:
    made: list[SeedVideo] = []
    places: dict[str, int] = {}
    for i, v in enumerate(entries):
        index = places[v["user"]] = places.get(v["user"], -1) + 1
        made.append(
            SeedVideo(
                path=f"videos[{i}]",
                user=v["user"],
                index=index,
                id=v.get("id"),
                title=v.get("title", ""),
                description=v.get("description", ""),
                privacy_level=v.get("privacy_level", "PUBLIC_TO_EVERYONE"),
                create_time=v.get("create_time"),
                duration=v.get("duration", 15),
                width=v.get("width", 1080),
                height=v.get("height", 1920),
                counts={column: v[key] for key, column in COUNTS.items() if key in v},
                is_aigc=bool(v.get("is_aigc", False)),
                file=v.get("file"),
            )
        )
    return tuple(made)


def _duplicates(seed: Seed) -> Iterable[str]:
    """Two entries of a list that would be the same record."""
    checks: Sequence[tuple[str, Iterable[tuple[str, str | None]]]] = (
        ("developer name", ((d.path, d.name) for d in seed.developers)),
        ("developer email", ((d.path, d.email and d.email.lower()) for d in seed.developers)),
        ("client_key", ((a.path, a.client_key) for a in seed.apps)),
        ("username", ((u.path, u.username.lower()) for u in seed.users)),
        ("grant", ((g.path, f"{g.app} {g.user}") for g in seed.grants)),
        ("token", ((g.path, g.access_token) for g in seed.grants)),
        ("token", ((g.path, g.refresh_token) for g in seed.grants)),
        ("open_id", ((g.path, g.open_id) for g in seed.grants)),
        ("video id", ((v.path, v.id) for v in seed.videos)),
    )
    for what, entries in checks:
        seen: dict[str, str] = {}
        for path, value in entries:
            if value is None:
                continue
            if value in seen:
                yield f"{path}: the same {what} as {seen[value]}"
            seen.setdefault(value, path)
