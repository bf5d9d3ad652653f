"""Shared by the contract suites: one scratch PostgreSQL database per module, migrated."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.services import scratch_postgres
from tokstack.storage.sql import migrate


@pytest.fixture(scope="module")
def postgres_url() -> Iterator[str]:
    with scratch_postgres() as url:
        migrate.upgrade(url)
        yield url
