"""Shared fixtures: a migrated SQLite database per test, the app over ASGI, a frozen clock."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest

from tokstack.clock import FrozenClock
from tokstack.config import Settings
from tokstack.services import accounts
from tokstack.services.context import Context
from tokstack.services.demo import ensure_demo
from tokstack.services.tokens import issue_for_user
from tokstack.storage.sql import migrate
from tokstack.web.app import create_app
from tokstack.web.container import Container, build

pytest_plugins = ["pytester"]  # the plugin's own tests run pytest on integrators' files

PUBLIC_URL = "http://tokstack.test"


@pytest.fixture
def clock() -> FrozenClock:
    return FrozenClock()


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return Settings(
        data_dir=tmp_path,
        secret_key="test-secret-key-0123456789abcdefghijklmnop",
        public_url=PUBLIC_URL,
        _env_file=None,  # type: ignore[call-arg]
    )


@pytest.fixture
async def container(settings: Settings, clock: FrozenClock) -> AsyncIterator[Container]:
    migrate.upgrade(settings.resolved_database_url)
    built = build(settings, clock)
    yield built
    await built.close()


@pytest.fixture
def ctx(container: Container) -> Context:
    return container.ctx


@pytest.fixture
async def client(container: Container) -> AsyncIterator[httpx.AsyncClient]:
    transport = httpx.ASGITransport(app=create_app(container))
    async with httpx.AsyncClient(transport=transport, base_url=PUBLIC_URL) as http:
        yield http


@dataclass
class World:
    """A developer with apps and users, built through the same services the CLI uses."""

    ctx: Context

    async def developer(self, name: str = "Dev") -> int:
        return (await accounts.create_developer(self.ctx, name)).id

    async def app(
        self, developer_id: int, scopes: str = "", platform: str = "web", **extra: Any
    ) -> accounts.NewApp:
        return await accounts.create_app(
            self.ctx,
            developer_id=developer_id,
            name=extra.pop("name", "App"),
            platform=platform,
            redirect_uri_list=extra.pop("redirect_uris", ["https://app.example/cb/"]),
            scope_list=[s for s in scopes.split(",") if s],
            **extra,
        )

    async def user(self, username: str = "alice", **extra: Any) -> int:
        created = await accounts.create_user(
            self.ctx,
            username=username,
            display_name=extra.pop("display_name", "Alice"),
            **extra,
        )
        return created.id

    async def token(self, client_key: str, username: str, scopes: str) -> dict[str, Any]:
        return await issue_for_user(
            self.ctx, client_key=client_key, username=username, requested=scopes.split(",")
        )


@pytest.fixture
def world(ctx: Context) -> World:
    return World(ctx)


@asynccontextmanager
async def emulator_server(
    data_dir: Path, **settings: Any
) -> AsyncIterator[tuple[Container, httpx.AsyncClient]]:
    """A server in emulator mode (``serve --demo``) on its own database, with ``settings``."""
    chosen = Settings(
        data_dir=data_dir,
        secret_key="emulator-secret-key-0123456789abcdefghij",
        public_url=PUBLIC_URL,
        demo=True,
        _env_file=None,  # type: ignore[call-arg]
        **settings,
    )
    migrate.upgrade(chosen.resolved_database_url)
    built = build(chosen)
    try:
        transport = httpx.ASGITransport(app=create_app(built))
        async with httpx.AsyncClient(transport=transport, base_url=PUBLIC_URL) as client:
            yield built, client
    finally:
        await built.close()


@pytest.fixture
async def emulator(tmp_path: Path) -> AsyncIterator[tuple[Container, httpx.AsyncClient]]:
    """A second server in emulator mode (``serve --demo``) on its own database."""
    async with emulator_server(tmp_path / "emulator") as both:
        yield both


@pytest.fixture
async def emu(emulator: tuple[Container, httpx.AsyncClient]) -> httpx.AsyncClient:
    """A client of the emulator, its demo data seeded."""
    container, client = emulator
    await ensure_demo(container.ctx)
    return client


@pytest.fixture
async def alice_tokens(
    emulator: tuple[Container, httpx.AsyncClient], emu: httpx.AsyncClient
) -> dict[str, Any]:
    """A fresh token pair of alice for the demo web app (user.info.basic)."""
    return await issue_for_user(
        emulator[0].ctx, client_key="awdemowebapp0001", username="alice",
        requested=["user.info.basic"],
    )  # fmt: skip
