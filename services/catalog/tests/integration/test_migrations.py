"""Catalog's migrations over a database that already holds data, and back down."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

from sqlalchemy import text
from sqlalchemy.ext.asyncio import create_async_engine

from aftersales_kit.migrations import downgrade, upgrade

from ..conftest import MIGRATIONS


def _sql(url: str, statements: list[str], params: dict[str, Any]) -> list[Any]:
    """Run statements in one transaction; the rows of the last one."""

    async def run() -> list[Any]:
        engine = create_async_engine(url)
        try:
            async with engine.begin() as connection:
                result = None
                for statement in statements:
                    result = await connection.execute(text(statement), params)
                return list(result.mappings()) if result is not None and result.returns_rows else []
        finally:
            await engine.dispose()

    return asyncio.run(run())


def test_0003_links_old_free_text_org_units_and_keeps_the_rest(
    service_database: Callable[[str, Path | None], str],
) -> None:
    url = service_database("catalog_migrations", None)
    upgrade(url, MIGRATIONS, "0002")
    ids = {k: uuid.uuid4() for k in ("customer", "product", "unit", "linked", "kept")}
    _sql(
        url,
        [
            "INSERT INTO customer (id, customer_number, name, emails, mobiles, allowed_methods,"
            " preferred_method, language, version) VALUES (:customer, 'C1', 'Ada',"
            " '{ada@example.com}', '{}', '{email}', NULL, 'sv', 1)",
            "INSERT INTO product (id, product_number, name, version)"
            " VALUES (:product, 'P1', 'Pump', 1)",
            "INSERT INTO org_unit (id, code, name, time_zone, version)"
            " VALUES (:unit, 'NORTH', 'North', 'Europe/Stockholm', 1)",
            "INSERT INTO serial_item (id, serial_number, name, product_id, owner_customer_id,"
            " org_unit, startup_date, version) VALUES"
            " (:linked, 'S1', 'Pump', :product, :customer, 'NORTH', '2026-01-01', 1),"
            " (:kept, 'S2', 'Pump', :product, :customer, 'Old depot', NULL, 1)",
        ],
        ids,
    )
    upgrade(url, MIGRATIONS)  # to the head, every later revision included
    rows = _sql(
        url,
        [
            "SELECT id, org_unit, org_unit_id, status, attributes, translations, startup_date"
            " FROM serial_item ORDER BY serial_number"
        ],
        {},
    )
    linked, kept = rows
    assert (linked["org_unit_id"], linked["org_unit"]) == (ids["unit"], "NORTH")
    assert (kept["org_unit_id"], kept["org_unit"]) == (None, "Old depot")
    assert {r["status"] for r in rows} == {"active"}
    assert (linked["attributes"], linked["translations"]) == ({}, {})
    assert str(linked["startup_date"]) == "2026-01-01"
    [customer] = _sql(url, ["SELECT kind, active, time_zone, org_unit_id FROM customer"], {})
    assert (customer["kind"], customer["active"], customer["time_zone"]) == ("company", True, None)
    # 0006: an existing customer has no home org unit (unrestricted users see it).
    assert customer["org_unit_id"] is None


def test_every_revision_goes_down_and_up_again(
    service_database: Callable[[str, Path | None], str],
) -> None:
    url = service_database("catalog_round_trip", None)
    upgrade(url, MIGRATIONS)
    downgrade(url, MIGRATIONS)
    tables = _sql(url, ["SELECT tablename FROM pg_tables WHERE schemaname = 'public'"], {})
    assert [t["tablename"] for t in tables] == ["alembic_version"]
    upgrade(url, MIGRATIONS)


def test_0008_leaves_existing_links_without_pre_codes(
    service_database: Callable[[str, Path | None], str],
) -> None:
    """A type projected before 0008 keeps its products with no pre-codes (null: marks
    every item of the product, as before) until its next version refills them."""
    url = service_database("catalog_pre_codes", None)
    upgrade(url, MIGRATIONS, "0007")
    ids = {"type": uuid.uuid4(), "product": uuid.uuid4()}
    _sql(
        url,
        [
            "INSERT INTO service_type (id, name, enabled, version)"
            " VALUES (:type, 'Yearly check', true, 3)",
            "INSERT INTO service_type_product (service_type_id, product_id)"
            " VALUES (:type, :product)",
        ],
        ids,
    )
    upgrade(url, MIGRATIONS)
    rows = _sql(url, ["SELECT product_id, pre_codes FROM service_type_product"], {})
    assert [(r["product_id"], r["pre_codes"]) for r in rows] == [(ids["product"], None)]
