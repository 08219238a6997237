"""Alembic environment of the service's database (run by ``grader.store.db.migrate``)."""

from __future__ import annotations

from alembic import context
from sqlalchemy import text

from grader.store.db import make_engine
from grader.store.models import Base

config = context.config
target_metadata = Base.metadata
#: PostgreSQL advisory lock key held while migrating (any constant of our own).
MIGRATION_LOCK = 0x6772_6164_6572  # "grader"


def run_migrations_offline() -> None:
    """Emit SQL without a connection (``alembic upgrade --sql``)."""
    context.configure(url=config.get_main_option("sqlalchemy.url"),
                      target_metadata=target_metadata, literal_binds=True,
                      render_as_batch=True)
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online() -> None:
    """Migrate through a real connection (batch mode: SQLite cannot ALTER most things)."""
    engine = make_engine(config.get_main_option("sqlalchemy.url"))
    with engine.connect() as connection:
        context.configure(connection=connection, target_metadata=target_metadata,
                          render_as_batch=True)
        with context.begin_transaction():
            if connection.dialect.name == "postgresql":
                # processes starting together (an API and its workers) migrate one at a time;
                # the lock ends with the transaction (PostgreSQL's DDL is transactional)
                connection.execute(text("SELECT pg_advisory_xact_lock(:key)"),
                                   {"key": MIGRATION_LOCK})
            context.run_migrations()
    engine.dispose()


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()
