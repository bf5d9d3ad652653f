"""A tokstack server in emulator mode in a child process, for a test session.

It runs on its own SQLite in a folder of its own, on a free loopback port, with a random
emulator token. Inherited ``TOKSTACK_*`` variables and the project's ``.env`` are kept
away from it: a test server that picked up ``TOKSTACK_DATABASE_URL`` would wipe that
database on its first reset.
"""

from __future__ import annotations

import os
import secrets
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Mapping
from pathlib import Path

START_TIMEOUT = 60.0
LAUNCH = "from tokstack.cli.entry import main; main()"


class ServerFailed(RuntimeError):
    """The emulator did not start; the message holds the end of its log."""


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class EmulatorProcess:
    """``tokstack serve --demo`` on 127.0.0.1; ``start()`` returns once ``/healthz`` answers."""

    def __init__(
        self,
        folder: Path,
        *,
        seed: Path | None = None,
        env: Mapping[str, str] | None = None,
    ) -> None:
        self.folder = folder
        self.seed = seed
        self.extra_env = dict(env or {})
        self.token = secrets.token_urlsafe(24)
        self.url = ""
        self.log_path = folder / "server.log"
        self._process: subprocess.Popen[bytes] | None = None

    def _environment(self, port: int) -> dict[str, str]:
        inherited = {k: v for k, v in os.environ.items() if not k.startswith("TOKSTACK_")}
        own = {
            "TOKSTACK_DATA_DIR": str(self.folder / "data"),
            "TOKSTACK_PUBLIC_URL": f"http://127.0.0.1:{port}",
            "TOKSTACK_EMULATOR_TOKEN": self.token,
            "TOKSTACK_WEBHOOK_POLL_INTERVAL": "0.2",  # webhooks arrive within a test's patience
            "TOKSTACK_LOG_LEVEL": "warning",
        }
        if self.seed is not None:
            own["TOKSTACK_SEED"] = str(self.seed.resolve())
        return inherited | own | self.extra_env

    def start(self) -> str:
        for _ in range(3):  # a port taken between choosing it and binding it: choose again
            port = free_port()
            if self._launch(port):
                return self.url
        raise ServerFailed(f"tokstack did not start; its log:\n{self._log_tail()}")

    def _launch(self, port: int) -> bool:
        self.folder.mkdir(parents=True, exist_ok=True)
        command = [sys.executable, "-c", LAUNCH, "serve", "--demo", "--host", "127.0.0.1"]
        with self.log_path.open("ab") as log:
            self._process = subprocess.Popen(  # noqa: S603 - our own interpreter and CLI
                [*command, "--port", str(port)],
                env=self._environment(port),
                cwd=self.folder,  # so the integrator's .env is not read
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        url = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + START_TIMEOUT
        while time.monotonic() < deadline:
            if self._process.poll() is not None:
                return False
            if _healthy(url):
                self.url = url
                return True
            time.sleep(0.05)
        self.stop()
        raise ServerFailed(
            f"tokstack did not answer within {START_TIMEOUT:.0f} s:\n{self._log_tail()}"
        )

    def _log_tail(self) -> str:
        try:
            return self.log_path.read_text(errors="replace")[-4000:]
        except OSError:
            return "(no log)"

    def stop(self) -> None:
        process, self._process = self._process, None
        if process is None or process.poll() is not None:
            return
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()


def _healthy(url: str) -> bool:
    try:
        with urllib.request.urlopen(f"{url}/healthz", timeout=1) as answer:  # noqa: S310
            return bool(answer.status == 200)
    except OSError:
        return False
