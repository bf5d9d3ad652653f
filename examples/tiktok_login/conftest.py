"""The example app, served on a loopback port for each test (so tokstack can deliver its
webhooks to it), registered as a tokstack app with that port's callback and webhook URLs."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass

import httpx
import pytest
import uvicorn
from example_app import Accounts, Config, create_app

from tokstack.testing.handle import App, Tokstack


@dataclass
class Running:
    url: str
    app: App  # as registered with tokstack
    accounts: Accounts
    browser: httpx.Client  # keeps the app's session cookie, follows no redirect by itself


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture
def example(tokstack: Tokstack) -> Iterator[Running]:
    port = _free_port()
    url = f"http://127.0.0.1:{port}"
    registered = tokstack.app(
        name="Example",
        redirect_uris=[f"{url}/callback"],
        scopes=["user.info.basic", "user.info.profile", "video.list"],
        webhook_url=f"{url}/webhooks/tiktok",
    )
    config = Config(
        registered.client_key, registered.client_secret, f"{url}/callback", tokstack.url
    )
    app = create_app(config)
    server = uvicorn.Server(uvicorn.Config(app, port=port, log_level="warning", lifespan="off"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started and time.monotonic() < deadline:
        time.sleep(0.01)
    assert server.started, "the example app did not start"
    with httpx.Client(base_url=url, timeout=30) as browser:
        yield Running(url, registered, app.state.accounts, browser)
    server.should_exit = True
    thread.join(timeout=10)
