"""Finding PostgreSQL and Redis for the tests that need them (skip locally, fail in CI)."""

from __future__ import annotations

import os
import secrets
from collections.abc import Iterator
from contextlib import contextmanager

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

POSTGRES_URL = os.environ.get(
    "TOKSTACK_TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/test"
)
REDIS_URL = os.environ.get("TOKSTACK_TEST_REDIS_URL", "redis://127.0.0.1:6379/0")
REQUIRED = os.environ.get("TOKSTACK_TEST_REQUIRE_SERVICES") == "1"


def unavailable(what: str, why: str) -> None:
    message = f"{what} not reachable ({why}); set TOKSTACK_TEST_{what.upper()}_URL to run these"
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
