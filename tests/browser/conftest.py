"""A real tokstack server on 127.0.0.1 and Debian's Chromium driven by Playwright."""

from __future__ import annotations

import asyncio
import os
import shutil
import socket
import threading
import time
from collections.abc import Awaitable, Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

import httpx
import pytest
import uvicorn

from tests.services import REQUIRED
from tokstack.config import Settings
from tokstack.services import accounts
from tokstack.services.context import Context
from tokstack.services.demo import ensure_demo
from tokstack.storage.sql import migrate
from tokstack.web.app import create_app
from tokstack.web.container import build

CHROMIUM = os.environ.get("TOKSTACK_TEST_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
REDIRECT = "https://app.example/auth/callback/"
SECRET_KEY = "browser-test-key" * 3
T = TypeVar("T")


def _need(condition: bool, why: str) -> None:
    if condition:
        return
    if REQUIRED:
        pytest.fail(f"{why} — required in CI (TOKSTACK_TEST_REQUIRE_SERVICES=1)")
    pytest.skip(why)


@dataclass
class Live:
    url: str
    client_key: str
    client_secret: str
    shots: Path
    data_dir: Path

    def shot(self, page: Any, name: str) -> None:
        page.screenshot(path=str(self.shots / f"{name}.png"), full_page=True)

    def call(self, work: Callable[[Context], Awaitable[T]]) -> T:
        """Runs a service call against the live server's database (from another thread,
        since Playwright's sync API keeps an event loop in this one)."""
        settings = Settings(
            data_dir=self.data_dir, secret_key=SECRET_KEY, public_url=self.url, _env_file=None
        )  # type: ignore[call-arg]

        async def main() -> T:
            container = build(settings)
            try:
                return await work(container.ctx)
            finally:
                await container.close()

        with ThreadPoolExecutor(1) as pool:
            return pool.submit(asyncio.run, main()).result()


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture
def live(tmp_path: Path) -> Iterator[Live]:
    yield from _live(tmp_path, emulator=False)


@pytest.fixture
def live_emulator(tmp_path: Path) -> Iterator[Live]:
    """The same, in emulator mode (serve --demo) with the demo data."""
    yield from _live(tmp_path, emulator=True)


def _live(tmp_path: Path, emulator: bool) -> Iterator[Live]:
    port = _free_port()
    url = f"http://127.0.0.1:{port}"
    settings = Settings(
        data_dir=tmp_path, secret_key=SECRET_KEY, public_url=url, demo=emulator, _env_file=None
    )  # type: ignore[call-arg]
    migrate.upgrade(settings.resolved_database_url)

    async def seed() -> accounts.NewApp:
        container = build(settings)
        try:
            if emulator:
                await ensure_demo(container.ctx)
            dev = await accounts.create_developer(container.ctx, "Browser Dev")
            app = await accounts.create_app(
                container.ctx,
                developer_id=dev.id,
                name="Cat Videos",
                platform="web",
                redirect_uri_list=[REDIRECT],
                scope_list=["user.info.basic", "user.info.profile", "user.info.stats"],
            )
            if not emulator:  # the demo data has alice already
                await accounts.create_user(
                    container.ctx,
                    username="alice",
                    display_name="Alice Example",
                    password="alice-password",
                )
            return app
        finally:
            await container.close()

    # Playwright's sync API keeps an event loop in this thread: seed from another one
    with ThreadPoolExecutor(1) as pool:
        app = pool.submit(asyncio.run, seed()).result()
    server = uvicorn.Server(
        uvicorn.Config(
            create_app(build(settings)),
            host="127.0.0.1",
            port=port,
            log_level="warning",
            lifespan="on",
        )
    )
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started and time.monotonic() < deadline:
        time.sleep(0.05)
    shots = Path(os.environ.get("TOKSTACK_SCREENSHOT_DIR", tmp_path))
    shots.mkdir(parents=True, exist_ok=True)
    try:
        yield Live(url, app.app.client_key, app.client_secret, shots, tmp_path)
    finally:
        server.should_exit = True
        thread.join(timeout=10)


@pytest.fixture
def browser() -> Iterator[Any]:
    _need(
        Path(CHROMIUM).exists() or bool(shutil.which(CHROMIUM)),
        f"Chromium not found at {CHROMIUM} (apt-get install chromium)",
    )
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        _need(False, "playwright is not installed (pip install playwright)")
        raise
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(
            executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS
        )
        try:
            yield launched
        finally:
            launched.close()


def exchange(live: Live, code: str) -> dict[str, Any]:
    response = httpx.post(
        f"{live.url}/v2/oauth/token/",
        data={
            "client_key": live.client_key,
            "client_secret": live.client_secret,
            "code": code,
            "grant_type": "authorization_code",
            "redirect_uri": REDIRECT,
        },
    )
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body
