"""Alembic environment: the URL comes from ``tokstack.storage.sql.migrate``."""

from __future__ import annotations

from alembic import context
from sqlalchemy import create_engine, event

from tokstack.storage.sql.engine import sqlite_pragmas
from tokstack.storage.sql.tables import metadata

config = context.config
url = config.attributes.get("url") or config.get_main_option("sqlalchemy.url")
assert url, "migrate.alembic_config() sets the URL"
engine = create_engine(url)
if engine.url.get_backend_name() == "sqlite":
    event.listen(engine, "connect", sqlite_pragmas)

with engine.connect() as connection:
    context.configure(
        connection=connection,
        target_metadata=metadata,
        render_as_batch=engine.url.get_backend_name() == "sqlite",
    )
    with context.begin_transaction():
        context.run_migrations()
engine.dispose()
