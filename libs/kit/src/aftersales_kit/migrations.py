"""Alembic helpers shared by every service's migration history."""

from __future__ import annotations

import asyncio
from pathlib import Path

import sqlalchemy as sa
from alembic import command, context
from alembic.config import Config
from alembic.operations import Operations
from sqlalchemy import MetaData, pool
from sqlalchemy.engine import Connection
from sqlalchemy.ext.asyncio import create_async_engine

from aftersales_kit.messaging_tables import UNPUBLISHED_INDEX, inbox_message, outbox_message


def run_env(target_metadata: list[MetaData], default_url: str) -> None:
    """The body of a service's ``env.py``: online migrations over asyncpg."""
    url = context.config.get_main_option("sqlalchemy.url") or default_url

    if context.is_offline_mode():
        context.configure(url=url, target_metadata=target_metadata, literal_binds=True)
        with context.begin_transaction():
            context.run_migrations()
        return

    def _run(connection: Connection) -> None:
        context.configure(connection=connection, target_metadata=target_metadata)
        with context.begin_transaction():
            context.run_migrations()

    async def _main() -> None:
        engine = create_async_engine(url, poolclass=pool.NullPool)
        async with engine.connect() as connection:
            await connection.run_sync(_run)
        await engine.dispose()

    asyncio.run(_main())


def upgrade(database_url: str, script_location: Path, revision: str = "head") -> None:
    """Apply a service's migrations; called by ``make run`` and by the test plugin."""
    command.upgrade(_config(database_url, script_location), revision)


def downgrade(database_url: str, script_location: Path, revision: str = "base") -> None:
    """Undo a service's migrations down to ``revision``; the tests check every way back."""
    command.downgrade(_config(database_url, script_location), revision)


def _config(database_url: str, script_location: Path) -> Config:
    config = Config()
    config.set_main_option("script_location", str(script_location))
    config.set_main_option("sqlalchemy.url", database_url)
    return config


def create_messaging_tables(op: Operations) -> None:
    """Used by each service's first migration, so the tables are defined once."""
    bind = op.get_bind()
    outbox_message.create(bind)
    inbox_message.create(bind)


def create_unpublished_index(op: Operations) -> None:
    """The outbox's partial index on unpublished rows, for databases made before it: a
    database made since has it from ``create_messaging_tables``."""
    op.create_index(
        UNPUBLISHED_INDEX.name or "",
        "outbox_message",
        ["id"],
        postgresql_where=sa.text("published_at IS NULL"),
        if_not_exists=True,
    )


def drop_unpublished_index(op: Operations) -> None:
    op.drop_index(UNPUBLISHED_INDEX.name or "", table_name="outbox_message", if_exists=True)


def drop_messaging_tables(op: Operations) -> None:
    bind = op.get_bind()
    inbox_message.drop(bind)
    outbox_message.drop(bind)
