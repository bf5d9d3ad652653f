"""Alembic, driven from code so ``tokstack db upgrade`` needs no alembic.ini."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import create_engine, event

from tokstack.storage.sql.engine import driver_url, ensure_sqlite_dir, sqlite_pragmas

MIGRATIONS = Path(__file__).parent / "migrations"


def alembic_config(url: str) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    target = driver_url(url, asynchronous=False)
    ensure_sqlite_dir(target)
    config.attributes["url"] = target
    return config


def upgrade(url: str, revision: str = "head") -> None:
    command.upgrade(alembic_config(url), revision)


def downgrade(url: str, revision: str) -> None:
    command.downgrade(alembic_config(url), revision)


def pending(url: str) -> bool:
    """True when the database is behind the newest migration."""
    config = alembic_config(url)
    head = ScriptDirectory.from_config(config).get_current_head()
    engine = create_engine(config.attributes["url"])
    if engine.url.get_backend_name() == "sqlite":
        event.listen(engine, "connect", sqlite_pragmas)
    try:
        with engine.connect() as connection:
            current = MigrationContext.configure(connection).get_current_revision()
    finally:
        engine.dispose()
    return current != head
