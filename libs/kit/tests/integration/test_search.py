"""Text search: a user's text is matched literally inside a LIKE pattern, and a search's
statements are planned for their values, also past the sixth run of a prepared one."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator

import pytest
from sqlalchemy import Column, Index, MetaData, String, Table, select, text
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession

from aftersales_kit.db import create_engine
from aftersales_kit.search import like_escape, plan_for_values

metadata = MetaData()
word = Table(
    f"search_{uuid.uuid4().hex[:8]}",
    metadata,
    Column("value", String(50), primary_key=True),
    Index(None, "value", postgresql_ops={"value": "varchar_pattern_ops"}),
)
WORDS = ["50%", "50 percent", "a_b", "axb", "back\\slash", "backslash"]


@pytest.fixture
async def engine(kit_database_url: str) -> AsyncIterator[AsyncEngine]:
    engine = create_engine(kit_database_url)
    async with engine.begin() as connection:
        await connection.run_sync(metadata.create_all)
        await connection.execute(word.insert(), [{"value": w} for w in WORDS])
    yield engine
    async with engine.begin() as connection:
        await connection.run_sync(metadata.drop_all)
    await engine.dispose()


@pytest.mark.parametrize(
    ("typed", "found"),
    [("50%", ["50%"]), ("a_b", ["a_b"]), ("back\\", ["back\\slash"]), ("ax", ["axb"])],
)
async def test_what_a_user_types_is_matched_literally(
    engine: AsyncEngine, typed: str, found: list[str]
) -> None:
    async with AsyncSession(engine) as session:
        query = select(word.c.value).where(word.c.value.like(like_escape(typed) + "%", escape="\\"))
        assert sorted((await session.scalars(query)).all()) == found


async def test_a_search_is_planned_for_its_values_for_the_rest_of_its_transaction(
    engine: AsyncEngine,
) -> None:
    async with AsyncSession(engine) as session:
        assert await session.scalar(text("SHOW plan_cache_mode")) == "auto"
        await plan_for_values(session)
        assert await session.scalar(text("SHOW plan_cache_mode")) == "force_custom_plan"
        # Past the sixth run of the prepared statement: the prefix index still serves it.
        query = select(word.c.value).where(word.c.value.like(like_escape("ax") + "%", escape="\\"))
        for _ in range(8):
            assert (await session.scalars(query)).all() == ["axb"]
        await session.rollback()
        assert await session.scalar(text("SHOW plan_cache_mode")) == "auto"
