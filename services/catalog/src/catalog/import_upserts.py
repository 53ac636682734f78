"""Upserts of imported rows by natural key, a batch at a time.

Each batch locks the rows its keys find, reads every reference it names in one query per
table, and writes its new rows in one insert and its changed rows in one executemany
update, publishing the events the API would publish for the same changes — except that
the rows a batch creates are announced together, in one set event (``CustomersRegistered``,
``SerialItemsRegistered``: the snapshots each ``...Registered`` would carry), so that
neither the relay nor a consumer pays a message per row. A row whose values equal what is
stored is counted as unchanged and publishes nothing.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from typing import Any, TypeVar

from sqlalchemy import Table, bindparam, select, tuple_, update
from sqlalchemy.dialects.postgresql import insert

from aftersales_contracts import catalog as events
from aftersales_contracts.envelope import Message
from aftersales_kit.uow import UnitOfWork
from catalog import importing, tables
from catalog.handlers import customers as customer_cases
from catalog.importing import CustomerRow, RowError, SerialItemRow
from catalog.schemas import CustomerFields, CustomerOut, SerialItemFields

ITEM_KEY_CONSTRAINT = "uq_serial_item_product_serial"

S = TypeVar("S")


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


class Writes:
    """A batch's rows to insert and to update, by id; a key met twice is merged."""

    def __init__(self, counts: Counts) -> None:
        self.counts = counts
        self.new: dict[uuid.UUID, dict[str, Any]] = {}
        self.changed: dict[uuid.UUID, dict[str, Any]] = {}

    def apply(
        self, current: dict[str, Any] | None, values: dict[str, Any], identity: dict[str, Any]
    ) -> dict[str, Any] | None:
        """The record after the row (``identity`` completes a new one); None when unchanged."""
        if current is None:
            record = values | identity | {"id": uuid.uuid4(), "version": 1}
            self.new[record["id"]] = record
            self.counts.created += 1
            return record
        if all(current[k] == v for k, v in values.items()):
            self.counts.unchanged += 1
            return None
        record = current | values | {"version": current["version"] + 1}
        (self.new if record["id"] in self.new else self.changed)[record["id"]] = record
        self.counts.updated += 1
        return record

    async def write(
        self,
        uow: UnitOfWork,
        table: Table,
        columns: tuple[str, ...],
        *,
        key: tuple[str, ...],
        conflict: str | None = None,
    ) -> None:
        """Insert the new rows, then update the changed ones (their natural key stays)."""
        if self.new:
            # executemany, not one multi-row VALUES: the statement compiles once, cached.
            on_conflict = {"constraint": conflict} if conflict else {"index_elements": list(key)}
            result = await uow.session.execute(
                insert(table).on_conflict_do_nothing(**on_conflict).returning(table.c.id),
                [{c: r[c] for c in columns} for r in self.new.values()],
            )
            if len(result.all()) != len(self.new):
                raise ConcurrentInsert
        if self.changed:
            settable = [c for c in columns if c != "id" and c not in key]
            statement = (
                update(table)
                .where(table.c.id == bindparam("row_id"))
                .values({c: bindparam(c) for c in settable})
            )
            connection = await uow.session.connection()
            await connection.execute(
                statement,
                [{"row_id": r["id"]} | {c: r[c] for c in settable} for r in self.changed.values()],
            )


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
    contacts = await customer_cases.contacts_of(uow, [r["id"] for r in known.values()])
    org_units = await _by_key(
        uow, tables.org_unit, "code", {r.org_unit_code for _, r in rows if r.org_unit_code}
    )
    writes = Writes(counts)
    registered: list[events.CustomerRegistered] = []
    for line, row in rows:
        current = known.get(row.customer_number)
        try:
            references: dict[str, Any] = {}
            if "org_unit_code" in row.model_fields_set:
                code = row.org_unit_code
                references["org_unit_id"] = (
                    None
                    if not code
                    else _resolve(org_units, code, "org_unit_code", "org unit")["id"]
                )
            fields = importing.customer_fields(row, current, references)
        except RowError as error:
            counts.fail(line, error.field, str(error))
            continue
        record = writes.apply(current, customer_cases.stored(fields), {"active": True})
        if record is None:
            continue
        known[row.customer_number] = record
        out = CustomerOut.model_validate(record | {"contacts": contacts.get(record["id"], [])})
        if current is None:
            registered.append(customer_cases.customer_snapshot(events.CustomerRegistered, out))
        else:
            customer_cases.publish_customer_change(uow, current, out)
    for chunk in _sets(registered):
        uow.publish(events.CustomersRegistered(customers=chunk))
    columns = ("id", "customer_number", "version", "active", *CustomerFields.model_fields)
    await writes.write(uow, t, columns, key=("customer_number",))


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
    writes = Writes(counts)
    registered: list[events.SerialItemRegistered] = []
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
        identity = {"serial_number": row.serial_number, "product_id": product["id"]}
        record = writes.apply(current, values, identity)
        if record is None:
            continue
        known[key] = record
        if current is None:
            registered.append(_item_event(events.SerialItemRegistered, record, product))
            continue
        for event in _change_events(current, record, product):
            uow.publish(event)
    for first in range(0, len(registered), events.MAX_SET_SIZE):
        uow.publish(
            events.SerialItemsRegistered(items=registered[first : first + events.MAX_SET_SIZE])
        )
    columns = (
        "id",
        "serial_number",
        "product_id",
        "owner_customer_id",
        "org_unit",
        "version",
        *SerialItemFields.model_fields,
    )
    await writes.write(
        uow, t, columns, key=("product_id", "serial_number"), conflict=ITEM_KEY_CONSTRAINT
    )


def _sets(snapshots: list[S]) -> Iterator[list[S]]:
    """The snapshots in sets a set event may carry (a batch is smaller already)."""
    for first in range(0, len(snapshots), events.MAX_SET_SIZE):
        yield snapshots[first : first + events.MAX_SET_SIZE]


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
    # The stored record validated once, straight into the event (the API builds it through
    # SerialItemOut: the same fields, and the event ignores the record's other columns).
    return cls.model_validate(
        record
        | {
            "serial_item_id": record["id"],
            "product_number": product["product_number"],
            "product_name": product["name"],
        }
        | extra
    )


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
