"""The storage backends under test: where each one's data lives and how tokstack is told."""

from __future__ import annotations

import contextlib
import os
import secrets
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import psycopg
from psycopg import sql
from sqlalchemy.engine import make_url

from bench.procs import shielded
from tokstack.config import Settings

# sqlite-emulator: SQLite in emulator mode (serve --demo), the request journal recording every
# request: its user-info rate is compared with plain SQLite's in the same run
BACKENDS = ("sqlite", "postgres", "sqlite-emulator")
EMULATOR_SCENARIOS = ("user_info_warm", "user_info_spread")
NO_LIMIT = str(10**9)


@dataclass(frozen=True)
class Backend:
    name: str
    data_dir: Path
    database_url: str
    secret_key: str
    redis_url: str | None = None

    @property
    def emulator(self) -> bool:
        return self.name == "sqlite-emulator"

    @property
    def label(self) -> str:
        if self.name == "sqlite":
            return "SQLite"
        if self.emulator:
            return "SQLite, emulator + journal"
        return "PostgreSQL + Redis" if self.redis_url else "PostgreSQL"

    def env(self, port: int) -> dict[str, str]:
        """The server's environment: the caller's, less any TOKSTACK_* of its own."""
        env = {k: v for k, v in os.environ.items() if not k.startswith("TOKSTACK_")}
        env.update(
            TOKSTACK_DATA_DIR=str(self.data_dir),
            TOKSTACK_DATABASE_URL=self.database_url,
            TOKSTACK_SECRET_KEY=self.secret_key,
            TOKSTACK_PUBLIC_URL=f"http://127.0.0.1:{port}",
            TOKSTACK_LOG_LEVEL="warning",
            # Limits stay on (their cost is measured) but never trip: 600/min would refuse
            # nearly every request of a load test.
            TOKSTACK_RATE_LIMIT_PER_MINUTE=NO_LIMIT,
            TOKSTACK_TOKEN_RATE_LIMIT_PER_MINUTE=NO_LIMIT,
        )
        if self.redis_url:
            env["TOKSTACK_REDIS_URL"] = self.redis_url
        if self.emulator:
            env["TOKSTACK_DEMO"] = "1"
        return env

    def settings(self) -> Settings:
        return Settings(
            data_dir=self.data_dir,
            database_url=self.database_url,
            secret_key=self.secret_key,
            redis_url=self.redis_url,
            _env_file=None,  # type: ignore[call-arg]
        )


def tokstack_bin() -> str:
    return str(Path(sys.executable).with_name("tokstack"))


@contextlib.contextmanager
def prepared(
    name: str, workdir: Path, secret_key: str, *, postgres_admin: str, redis_url: str
) -> Iterator[Backend]:
    """A fresh, migrated, empty database for ``name``; a PostgreSQL one is dropped afterwards."""
    data_dir = workdir / name
    data_dir.mkdir(parents=True, exist_ok=True)
    if name.startswith("sqlite"):
        backend = Backend(name, data_dir, f"sqlite:///{data_dir / 'tokstack.db'}", secret_key)
        _upgrade(backend)
        yield backend
        return
    database = f"tokstack_bench_{os.getpid()}_{secrets.token_hex(4)}"
    with psycopg.connect(postgres_admin, autocommit=True) as admin:
        admin.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(database)))
    try:
        url = _with_database(postgres_admin, database)
        backend = Backend(name, data_dir, url, secret_key, redis_url or None)
        _upgrade(backend)
        yield backend
    finally:
        with shielded(), psycopg.connect(postgres_admin, autocommit=True) as admin:
            admin.execute(
                sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(database))
            )


def _with_database(url: str, database: str) -> str:
    return make_url(url).set(database=database).render_as_string(hide_password=False)


def _upgrade(backend: Backend) -> None:
    """``tokstack db upgrade``, as an operator would run it."""
    done = subprocess.run(  # noqa: S603 - argv built by the harness
        [tokstack_bin(), "db", "upgrade"],
        env=backend.env(0),
        cwd=backend.data_dir,
        capture_output=True,
        text=True,
        check=False,
    )
    if done.returncode != 0:
        raise RuntimeError(f"tokstack db upgrade failed ({backend.name}): {done.stderr.strip()}")
