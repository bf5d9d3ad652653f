"""The emulator-mode servers of the served tests (SQLite 2 workers; PostgreSQL + Redis 2 nodes)."""

from __future__ import annotations

import secrets
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.e2e.nodes import free_port, tokstack_node
from tests.services import REDIS_URL, scratch_postgres
from tokstack.storage.sql import migrate


@pytest.fixture
def extra_env() -> dict[str, str]:
    """More settings for ``servers`` (a module overrides this fixture)."""
    return {}


@pytest.fixture(params=["sqlite-2-workers", "postgres-redis-2-nodes"])
def servers(
    request: pytest.FixtureRequest, tmp_path: Path, extra_env: dict[str, str]
) -> Iterator[dict[str, Any]]:
    """Emulator-mode servers: one with 2 workers on SQLite, or two nodes on PostgreSQL and
    Redis; ``urls`` holds two base URLs (the same one twice for the workers)."""
    env = extra_env | {
        "TOKSTACK_DEMO": "1",
        "TOKSTACK_WEBHOOKS": "false",
        "TOKSTACK_DATA_DIR": str(tmp_path / "a"),
        "TOKSTACK_SECRET_KEY": "faults-served-secret-key-0123456789abc",
    }
    if request.param.startswith("sqlite"):
        env["TOKSTACK_DATABASE_URL"] = ""
        with tokstack_node(env, free_port(), workers=2) as url:
            yield {"urls": [url, url], "env": env}
        return
    with scratch_postgres() as database:
        migrate.upgrade(database)
        env |= {
            "TOKSTACK_DATABASE_URL": database,
            "TOKSTACK_REDIS_URL": REDIS_URL,
            "TOKSTACK_REDIS_PREFIX": f"served-{secrets.token_hex(4)}:",
        }
        with tokstack_node(env, free_port()) as first:
            other = {**env, "TOKSTACK_DATA_DIR": str(tmp_path / "b")}
            with tokstack_node(other, free_port()) as second:
                yield {"urls": [first, second], "env": env}
