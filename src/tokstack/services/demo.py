"""Demo data for ``make demo`` / ``tokstack serve --demo``: created once, kept across restarts."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from tokstack.errors import NotFound
from tokstack.services import accounts
from tokstack.services.context import Context
from tokstack.services.passwords import remembered_hash
from tokstack.services.tokens import issue_for_user

# Published on purpose: the demo is for laptops and CI, never for production data.
DEMO_APPS: tuple[dict[str, Any], ...] = (
    {
        "client_key": "awdemowebapp0001",
        "client_secret": "demoSecretWebApp0000000000000001",
        "name": "Demo Web App",
        "platform": "web",
        "redirect_uri_list": ["https://app.example.com/auth/tiktok/callback/"],
        "scope_list": ["user.info.basic", "user.info.profile", "user.info.stats", "video.list"],
    },
    {
        "client_key": "awdemodesktop002",
        "client_secret": "demoSecretDesktop000000000000002",
        "name": "Demo Desktop App",
        "platform": "desktop",
        "redirect_uri_list": ["http://127.0.0.1:*/callback/", "http://localhost:*/callback/"],
        "scope_list": ["user.info.basic", "user.info.profile", "user.info.stats"],
    },
    {
        "client_key": "awdemominiapp003",
        "client_secret": "demoSecretMiniApp000000000000003",
        "name": "Demo Mini",
        "platform": "mini",
        "redirect_uri_list": [],
        "scope_list": ["user.info.basic", "user.info.open_id"],
    },
)
DEMO_DEVELOPER: dict[str, str] = {
    "name": "Demo Developer",
    "email": "demo@tokstack.test",
    "password": "demo-password",
}
DEMO_USERS: tuple[dict[str, Any], ...] = (
    {
        "username": "alice",
        "display_name": "Alice Example",
        "password": "alice-password",
        "bio": "Dancing through the demo data.",
        "verified": True,
        "stats": {
            "follower_count": 1520,
            "following_count": 87,
            "likes_count": 30411,
            "video_count": 42,
        },
    },
    {
        "username": "bob",
        "display_name": "Bob Builder",
        "password": "bob-password",
        "bio": "Can we fix it? Yes we can.",
        "verified": False,
        "stats": {
            "follower_count": 12,
            "following_count": 310,
            "likes_count": 96,
            "video_count": 3,
        },
    },
)


@dataclass(frozen=True)
class DemoSeed:
    apps: tuple[dict[str, Any], ...]
    users: tuple[dict[str, Any], ...]
    created: bool


async def ensure_demo(ctx: Context) -> DemoSeed:
    """Creates whatever part of the demo data is missing (older demo folders included)."""
    created = False
    developer_id: int | None = None
    async with ctx.store.unit() as unit:
        existing = {
            spec["client_key"]: await unit.apps.by_client_key(spec["client_key"])
            for spec in DEMO_APPS
        }
        users = {
            spec["username"]: await unit.users.by_username(spec["username"]) for spec in DEMO_USERS
        }
    for app in existing.values():
        if app is not None:
            developer_id = app.developer_id
    if developer_id is None:
        developer_id = (
            await accounts.create_developer(
                ctx,
                name=str(DEMO_DEVELOPER["name"]),
                email=str(DEMO_DEVELOPER["email"]),
                password_hash=await remembered_hash(str(DEMO_DEVELOPER["password"])),
            )
        ).id
    for spec in DEMO_APPS:
        if existing[spec["client_key"]] is None:
            await accounts.create_app(ctx, developer_id=developer_id, **spec)
            created = True
    for spec in DEMO_USERS:
        if users[spec["username"]] is None:
            user = await accounts.create_user(
                ctx,
                username=spec["username"],
                display_name=spec["display_name"],
                password_hash=await remembered_hash(spec["password"]),
                bio=spec["bio"],
                verified=spec["verified"],
            )
            async with ctx.store.unit() as unit:
                await unit.users.update(user.id, **spec["stats"])
            created = True
    return DemoSeed(DEMO_APPS, DEMO_USERS, created=created)


async def demo_token(ctx: Context) -> dict[str, Any]:
    try:
        return await issue_for_user(
            ctx,
            client_key=str(DEMO_APPS[0]["client_key"]),
            username=str(DEMO_USERS[0]["username"]),
            requested=["user.info.basic", "user.info.profile", "user.info.stats"],
        )
    except NotFound as exc:  # pragma: no cover - ensure_demo runs first
        raise RuntimeError("demo data missing") from exc
