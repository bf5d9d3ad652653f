"""``TokstackContainer``: tokstack's image in a test, in the style of testcontainers-python's
modules (``pip install 'tokstack[testcontainers]'``).

    with TokstackContainer().with_seed("seed.yaml") as tokstack:
        tiktok = tokstack.get_client({"client_key": "...", "client_secret": "..."})

Where no reaper image can be pulled, set ``TESTCONTAINERS_RYUK_DISABLED=true``.
"""

from __future__ import annotations

import secrets
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

import yaml

try:
    from testcontainers.core.container import DockerContainer
    from testcontainers.core.wait_strategies import HttpWaitStrategy
except ImportError as missing:  # an optional extra: say how to get it
    raise ImportError(
        "tokstack.testing.containers needs testcontainers: pip install 'tokstack[testcontainers]'"
    ) from missing

if TYPE_CHECKING:
    from tokstack.client import TikTok

SEED_DIR = "/seed"


class TokstackContainer(DockerContainer):
    """tokstack in emulator mode (``tokstack serve --host 0.0.0.0 --demo``), ready once
    ``/healthz`` answers. The control API takes ``emulator_token`` as a bearer token."""

    def __init__(
        self,
        image: str = "tokstack:latest",
        port: int = 8000,
        emulator_token: str | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(image, **kwargs)
        self.port = port
        self.emulator_token = emulator_token or secrets.token_urlsafe(24)
        self.with_exposed_ports(port)
        self.with_env("TOKSTACK_EMULATOR_TOKEN", self.emulator_token)
        self.with_env("TOKSTACK_PORT", str(port))
        self.waiting_for(
            HttpWaitStrategy(port, "/healthz").for_status_code(200).with_startup_timeout(60)
        )

    def with_seed(self, path: str | Path) -> TokstackContainer:
        """A seed document (YAML or JSON) applied at start and on every reset. It is copied
        into the container (a mount would meet the host's permissions), with the avatar
        files it names relative to its folder."""
        seed = Path(path).resolve()
        self.with_copy_into_container(seed.read_bytes(), f"{SEED_DIR}/{seed.name}", 0o644)
        document = yaml.safe_load(seed.read_text())
        users = document.get("users", []) if isinstance(document, dict) else []
        for user in users if isinstance(users, list) else []:
            avatar = user.get("avatar") if isinstance(user, dict) else None
            if isinstance(avatar, str) and not avatar.startswith("data:"):
                relative = Path(avatar)
                if not relative.is_absolute() and ".." not in relative.parts:
                    content = (seed.parent / relative).read_bytes()
                    self.with_copy_into_container(content, f"{SEED_DIR}/{relative}", 0o644)
        self.with_env("TOKSTACK_SEED", f"{SEED_DIR}/{seed.name}")
        return self

    def get_url(self) -> str:
        """The base URL of the running container, as this machine reaches it."""
        host = self.get_container_host_ip()
        return f"http://{host}:{self.get_exposed_port(self.port)}"

    def control_headers(self) -> dict[str, str]:
        """The header the control API (``/_tokstack/``) wants."""
        return {"Authorization": f"Bearer {self.emulator_token}"}

    def get_client(self, app: Any, **options: Any) -> TikTok:
        """A ``tokstack.client.TikTok`` for ``app`` (anything with ``client_key`` and
        ``client_secret``, as attributes or keys), pointed at the container."""
        from tokstack.client import TikTok

        if isinstance(app, Mapping):
            key, secret = app["client_key"], app["client_secret"]
        else:
            key, secret = app.client_key, app.client_secret
        return TikTok(key, secret, base_url=self.get_url(), **options)
