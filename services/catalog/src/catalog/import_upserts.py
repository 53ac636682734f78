"""Upserts of imported rows by natural key, a batch at a time.

Each batch locks the rows its keys find, reads every reference it names in one query per
table, and writes its new rows in one insert and its changed rows in one executemany
update, publishing the events the API would publish for the same changes. A row whose
values equal what is stored is counted as unchanged and publishes nothing.
"""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy import bindparam, select, tuple_, update
from sqlalchemy.dialects.postgresql import insert

from aftersales_contracts import catalog as events
from aftersales_contracts.envelope import Message
from aftersales_kit.uow import UnitOfWork
from catalog import handlers, importing, tables
from catalog.importing import CustomerRow, RowError, SerialItemRow
from catalog.schemas import CustomerFields, CustomerOut, SerialItemFields, SerialItemOut


class ConcurrentInsert(Exception):
    """Another writer inserted one of the batch's new keys first: run the batch again."""


class Counts:
    def __init__(self) -> None:
        self.created = 0
        self.updated = 0
        self.unchanged = 0
        self.failed = 0
        self.errors: list[tuple[int, str | None, str]] = []

    def fail(self, line: int, field: str | None, message: str) -> None:
        self.failed += 1
        self.errors.append((line, field, message))


async def _executemany_update(uow: UnitOfWork, table: Any, rows: list[dict[str, Any]]) -> None:
    if not rows:
        return
    columns = [c for c in rows[0] if c != "id"]
    statement = (
        update(table)
        .where(table.c.id == bindparam("row_id"))
        .values({c: bindparam(c) for c in columns})
    )
    connection = await uow.session.connection()
    await connection.execute(
        statement, [{"row_id": r["id"]} | {c: r[c] for c in columns} for r in rows]
    )


async def _insert_all(uow: UnitOfWork, table: Any, rows: list[dict[str, Any]], key: str) -> None:
    if not rows:
        return
    conflict = (
        {"constraint": "uq_serial_item_product_serial"}
        if key == "product_serial"
        else {"index_elements": [key]}
    )
    # executemany, not one multi-row VALUES: the statement compiles once and is cached.
    result = await uow.session.execute(
        insert(table).on_conflict_do_nothing(**conflict).returning(table.c.id), rows
    )
    if len(result.all()) != len(rows):
        raise ConcurrentInsert


async def upsert_customers(
    uow: UnitOfWork, rows: list[tuple[int, CustomerRow]], counts: Counts
) -> None:
    t = tables.customer
    numbers = {row.customer_number for _, row in rows}
    known: dict[str, dict[str, Any]] = {
        r["customer_number"]: dict(r)
        for r in (
            await uow.session.execute(
                select(t).where(t.c.customer_number.in_(numbers)).with_for_update()
            )
        ).mappings()
    }
    contacts = await handlers.contacts_of(uow, [r["id"] for r in known.values()])
    new: dict[uuid.UUID, dict[str, Any]] = {}
    changed: dict[uuid.UUID, dict[str, Any]] = {}
    for line, row in rows:
        current = known.get(row.customer_number)
        try:
            fields = importing.customer_fields(row, current)
        except RowError as error:
            counts.fail(line, error.field, str(error))
            continue
        values = fields.model_dump(mode="json")
        if current is None:
            record = values | {"id": uuid.uuid4(), "version": 1, "active": True}
            new[record["id"]] = record
            event: type[events.CustomerRegistered] = events.CustomerRegistered
            counts.created += 1
        elif all(current[k] == v for k, v in values.items()):
            counts.unchanged += 1
            continue
        else:
            record = current | values | {"version": current["version"] + 1}
            (new if record["id"] in new else changed)[record["id"]] = record
            event = events.CustomerChanged
            counts.updated += 1
        known[row.customer_number] = record
        out = CustomerOut.model_validate(record | {"contacts": contacts.get(record["id"], [])})
        uow.publish(handlers.customer_snapshot(event, out))
    columns = ("id", "customer_number", "version", "active", *CustomerFields.model_fields)
    await _insert_all(uow, t, [{c: r[c] for c in columns} for r in new.values()], "customer_number")
    await _executemany_update(
        uow, t, [{c: r[c] for c in columns if c != "customer_number"} for r in changed.values()]
    )


async def upsert_serial_items(
    uow: UnitOfWork, rows: list[tuple[int, SerialItemRow]], counts: Counts
) -> None:
    products = await _by_key(
        uow, tables.product, "product_number", {r.product_number for _, r in rows}
    )
    customer_numbers = {
        n
        for _, r in rows
        for n in (r.owner_customer_number, r.initial_order_customer_number)
        if n is not None
    }
    customers = await _by_key(uow, tables.customer, "customer_number", customer_numbers)
    org_units = await _by_key(
        uow, tables.org_unit, "code", {r.org_unit_code for _, r in rows if r.org_unit_code}
    )
    t = tables.serial_item
    keys = {
        (products[r.product_number]["id"], r.serial_number)
        for _, r in rows
        if r.product_number in products
    }
    known: dict[tuple[uuid.UUID, str], dict[str, Any]] = {}
    if keys:
        known = {
            (r["product_id"], r["serial_number"]): dict(r)
            for r in (
                await uow.session.execute(
                    select(t)
                    .where(tuple_(t.c.product_id, t.c.serial_number).in_(keys))
                    .with_for_update()
                )
            ).mappings()
        }
    new: dict[uuid.UUID, dict[str, Any]] = {}
    changed: dict[uuid.UUID, dict[str, Any]] = {}
    for line, row in rows:
        try:
            product = _resolve(products, row.product_number, "product_number", "product")
            key = (product["id"], row.serial_number)
            current = known.get(key)
            references, owner_id, code = _item_references(row, current, customers, org_units)
            fields = importing.serial_item_fields(row, current, references, product["name"])
        except RowError as error:
            counts.fail(line, error.field, str(error))
            continue
        values = fields.model_dump() | {"owner_customer_id": owner_id, "org_unit": code}
        if current is None:
            record = values | {
                "id": uuid.uuid4(),
                "version": 1,
                "serial_number": row.serial_number,
                "product_id": product["id"],
            }
            new[record["id"]] = record
            emitted: list[Message] = [_item_event(events.SerialItemRegistered, record, product)]
            counts.created += 1
        elif all(current[k] == v for k, v in values.items()):
            counts.unchanged += 1
            continue
        else:
            record = current | values | {"version": current["version"] + 1}
            (new if record["id"] in new else changed)[record["id"]] = record
            emitted = _change_events(current, record, product)
            counts.updated += 1
        known[key] = record
        for event in emitted:
            uow.publish(event)
    columns = (
        "id",
        "serial_number",
        "product_id",
        "owner_customer_id",
        "org_unit",
        "version",
        *SerialItemFields.model_fields,
    )
    await _insert_all(uow, t, [{c: r[c] for c in columns} for r in new.values()], "product_serial")
    await _executemany_update(
        uow,
        t,
        [
            {c: r[c] for c in columns if c not in ("serial_number", "product_id")}
            for r in changed.values()
        ],
    )


async def _by_key(
    uow: UnitOfWork, table: Any, key: str, values: set[str]
) -> dict[str, dict[str, Any]]:
    if not values:
        return {}
    rows = await uow.session.execute(select(table).where(table.c[key].in_(values)))
    return {r[key]: dict(r) for r in rows.mappings()}


def _resolve(found: dict[str, dict[str, Any]], key: str, field_: str, what: str) -> dict[str, Any]:
    row = found.get(key)
    if row is None:
        raise RowError(f"{field_}: no {what} {key!r}", field_)
    return row


def _item_references(
    row: SerialItemRow,
    current: dict[str, Any] | None,
    customers: dict[str, dict[str, Any]],
    org_units: dict[str, dict[str, Any]],
) -> tuple[dict[str, Any], uuid.UUID, str | None]:
    """The row's references as ids: (fields to lay over, the owner, the org unit's code)."""
    given = row.model_fields_set
    references: dict[str, Any] = {}
    if row.owner_customer_number is not None:
        owner_id = _resolve(
            customers, row.owner_customer_number, "owner_customer_number", "customer"
        )["id"]
    elif current is not None:
        owner_id = current["owner_customer_id"]
    else:
        raise RowError(
            "owner_customer_number: a new serial item needs an owner", "owner_customer_number"
        )
    if "initial_order_customer_number" in given:
        number = row.initial_order_customer_number
        references["initial_order_customer_id"] = (
            None
            if not number
            else _resolve(customers, number, "initial_order_customer_number", "customer")["id"]
        )
    code = None if current is None else current["org_unit"]
    if "org_unit_code" in given:
        unit = (
            None
            if not row.org_unit_code
            else _resolve(org_units, row.org_unit_code, "org_unit_code", "org unit")
        )
        references["org_unit_id"] = None if unit is None else unit["id"]
        code = None if unit is None else unit["code"]
    return references, owner_id, code


def _item_event(
    cls: type[events.SerialItemRegistered],
    record: dict[str, Any],
    product: dict[str, Any],
    **extra: Any,
) -> events.SerialItemRegistered:
    out = SerialItemOut.model_validate(record)
    return handlers.serial_item_event(cls, out, product["product_number"], product["name"], **extra)


def _change_events(
    current: dict[str, Any], record: dict[str, Any], product: dict[str, Any]
) -> list[Message]:
    """What the API publishes for the same change: an owner change (which carries the whole
    item) or a change, and a deactivation when the status became inactive."""
    emitted: list[Message] = []
    if current["owner_customer_id"] != record["owner_customer_id"]:
        emitted.append(
            _item_event(
                events.SerialItemOwnerChanged,
                record,
                product,
                previous_owner_customer_id=current["owner_customer_id"],
            )
        )
    else:
        emitted.append(_item_event(events.SerialItemChanged, record, product))
    inactive = events.SerialItemStatus.INACTIVE
    if record["status"] == inactive and current["status"] != inactive:
        emitted.append(
            events.SerialItemDeactivated(
                serial_item_id=record["id"],
                version=record["version"],
                serial_number=record["serial_number"],
                product_id=record["product_id"],
            )
        )
    return emitted
