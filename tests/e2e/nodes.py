"""Real processes for scale-out tests: tokstack nodes, and private Redis and PostgreSQL
servers on spare ports (so stopping them never disturbs the shared ones)."""

from __future__ import annotations

import glob
import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from pathlib import Path

import httpx
import pytest
import redis

from tests.services import REDIS_URL, scratch_postgres, unavailable
from tokstack.storage.sql import migrate


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def wait_until(check: object, timeout: float = 30.0, what: str = "service") -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            if check():  # type: ignore[operator]
                return
        except Exception:  # not up yet
            pass
        time.sleep(0.1)
    raise TimeoutError(f"{what} did not come up within {timeout}s")


@contextmanager
def tokstack_node(env: dict[str, str], port: int, workers: int = 1) -> Iterator[str]:
    script = Path(sys.executable).with_name("tokstack")
    url = f"http://127.0.0.1:{port}"
    log = tempfile.TemporaryFile()  # noqa: SIM115  (closed below, after the process)
    process = subprocess.Popen(
        [str(script), "serve", "--port", str(port), "--workers", str(workers)],
        env={**os.environ, "TOKSTACK_PUBLIC_URL": url, **env},
        stdout=subprocess.DEVNULL,
        # a file, not a pipe nobody reads: past 64 KB of logs the server would block writing
        stderr=log,
        start_new_session=True,
    )
    try:
        wait_until(
            lambda: httpx.get(f"{url}/healthz", timeout=1).status_code == 200,
            what=f"tokstack on {port}",
        )
        yield url
    finally:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()
        log.close()


class OwnRedis:
    def __init__(self) -> None:
        self.port = free_port()
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.process: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        binary = shutil.which("redis-server")
        if binary is None:
            unavailable("redis", "redis-server is not installed")
        self.process = subprocess.Popen(
            [
                str(binary),
                "--port",
                str(self.port),
                "--bind",
                "127.0.0.1",
                "--save",
                "",
                "--appendonly",
                "no",
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        wait_until(
            lambda: socket.create_connection(("127.0.0.1", self.port), 0.2).close() is None,
            what="redis-server",
        )

    def stop(self) -> None:
        if self.process is not None:
            self.process.kill()
            self.process.wait()
            self.process = None


@contextmanager
def own_redis() -> Iterator[OwnRedis]:
    server = OwnRedis()
    server.start()
    try:
        yield server
    finally:
        server.stop()


def _pg_bin(name: str) -> str:
    found = sorted(glob.glob(f"/usr/lib/postgresql/*/bin/{name}"))
    if not found:
        unavailable("postgres", f"PostgreSQL server binaries ({name}) are not installed")
    return found[-1]


class OwnPostgres:
    """A throwaway cluster run as the ``postgres`` user (initdb refuses root)."""

    def __init__(self) -> None:
        self.port = free_port()
        self.url = f"postgresql://postgres@127.0.0.1:{self.port}/postgres"
        self.root = Path(tempfile.mkdtemp(prefix="tokstack-pg-"))
        self.data = self.root / "data"

    def _as_postgres(self, *args: str) -> None:
        subprocess.run(
            ["runuser", "-u", "postgres", "--", *args],
            check=True,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            timeout=120,
        )

    def init(self) -> None:
        os.chmod(self.root, 0o755)
        shutil.chown(self.root, "postgres", "postgres")  # socket and log live here too
        self.data.mkdir()
        shutil.chown(self.data, "postgres", "postgres")
        self._as_postgres(_pg_bin("initdb"), "-D", str(self.data), "-A", "trust", "-U", "postgres")

    def start(self) -> None:
        options = f"-p {self.port} -k {self.root} -c listen_addresses=127.0.0.1 -c fsync=off"
        self._as_postgres(
            _pg_bin("pg_ctl"),
            "-D",
            str(self.data),
            "-o",
            options,
            "-w",
            "-t",
            "60",
            "-l",
            str(self.root / "log"),
            "start",
        )

    def stop(self) -> None:
        self._as_postgres(_pg_bin("pg_ctl"), "-D", str(self.data), "-m", "immediate", "-w", "stop")


@contextmanager
def own_postgres() -> Iterator[OwnPostgres]:
    if os.geteuid() != 0 or shutil.which("runuser") is None:
        pytest.skip("a private PostgreSQL needs root (to run initdb as the postgres user)")
    server = OwnPostgres()
    try:
        server.init()
        server.start()
    except subprocess.CalledProcessError as exc:
        unavailable("postgres", f"could not start a private cluster: {exc}")
    try:
        yield server
    finally:
        with suppress(subprocess.CalledProcessError):
            server.stop()
        shutil.rmtree(server.root, ignore_errors=True)


def emulator_cli(url: str, *args: str) -> subprocess.CompletedProcess[str]:
    tokstack = Path(sys.executable).with_name("tokstack")
    return subprocess.run(
        [str(tokstack), "emulator", "--url", url, *args],
        capture_output=True, text=True, timeout=60, check=False,
    )  # fmt: skip


@contextmanager
def shared_backends() -> Iterator[dict[str, str]]:
    """The environment of nodes sharing a new PostgreSQL database (migrated) and Redis."""
    try:
        redis.Redis.from_url(REDIS_URL, socket_timeout=2).ping()
    except redis.RedisError as exc:
        unavailable("redis", str(exc))
    with scratch_postgres() as database_url:
        migrate.upgrade(database_url)
        yield {
            "TOKSTACK_DATABASE_URL": database_url,
            "TOKSTACK_REDIS_URL": REDIS_URL,
            "TOKSTACK_REDIS_PREFIX": f"tokstack-test-{secrets.token_hex(4)}:",
            "TOKSTACK_SECRET_KEY": secrets.token_urlsafe(40),
            "TOKSTACK_LOG_LEVEL": "warning",
            "TOKSTACK_WEBHOOKS": "false",
        }
