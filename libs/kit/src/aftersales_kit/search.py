"""Text search in list filters: a user's text inside a LIKE pattern, and the plans such
statements need.

asyncpg prepares every statement, and PostgreSQL plans a prepared statement generically
from its sixth run: under ``column LIKE $1`` a generic plan cannot use a prefix index
(``varchar_pattern_ops``), so a search that took milliseconds reads the whole table
(scheduling's customer-name filter: 2 ms, then 350-410 ms over 200,000 customers;
bench/README.md). A request that filters by a pattern asks for plans made for its values.
"""

from __future__ import annotations

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

CUSTOM_PLANS = "SET LOCAL plan_cache_mode = force_custom_plan"


def like_escape(value: str) -> str:
    """``value`` as a literal inside a LIKE pattern (escape character ``\\``)."""
    return value.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


async def plan_for_values(session: AsyncSession) -> None:
    """The rest of the session's transaction plans each statement for its parameters'
    values (``CUSTOM_PLANS``): call it before a statement with a LIKE pattern."""
    await session.execute(text(CUSTOM_PLANS))
