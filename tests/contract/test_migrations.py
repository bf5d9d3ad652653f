"""The same Alembic migrations build the schema of tables.py on SQLite and PostgreSQL."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import create_engine, inspect

from tests.services import scratch_postgres
from tokstack.storage.sql import migrate
from tokstack.storage.sql.engine import driver_url
from tokstack.storage.sql.tables import metadata


@pytest.fixture(params=["sqlite", "postgres"])
def url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'm.db'}"
    else:
        with scratch_postgres() as pg_url:
            yield pg_url


def test_upgrade_matches_models_and_downgrade_is_clean(url: str) -> None:
    migrate.upgrade(url)
    assert not migrate.pending(url)
    engine = create_engine(driver_url(url, asynchronous=False))
    with engine.connect() as connection:
        diff = compare_metadata(MigrationContext.configure(connection), metadata)
    assert diff == []
    migrate.downgrade(url, "base")
    assert migrate.pending(url)
    assert set(inspect(engine).get_table_names()) <= {"alembic_version"}
    migrate.upgrade(url)
    assert {t.name for t in metadata.sorted_tables} <= set(inspect(engine).get_table_names())
    engine.dispose()
