"""Use cases of technicians, vehicles and order kinds: create, read, change, deactivate and
activate them, and list them, for the org units the caller may see.

The three share one shape (``Resource``): a whole record validated by its ``*Fields``
schema, a version raised by each change (``If-Match`` checked on the locked row), a
uniqueness rule answered 409 naming the field, and an event when others need one
(``TechnicianChanged``, ``VehicleChanged``). Who sees what (``fieldwork.visibility``): a
restricted caller sees the records of its org units (404 for the rest) and may place a
record only there (403 naming ``org_unit_id``); an order kind without an org unit is
offered everywhere, so everybody sees it but only an unrestricted admin changes it; a
technician-only caller sees only their own technician record. Writes need ``admin`` (the
gateway grants them to admins alone; refused here too, 403, should a route ever be
opened wider).
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Generic, TypeVar

from pydantic import BaseModel, ValidationError
from sqlalchemy import ColumnElement, Table, false, func, insert, or_, select, true, update
from sqlalchemy.exc import IntegrityError

from aftersales_contracts.envelope import Message
from aftersales_contracts.fieldwork import TechnicianChanged, VehicleChanged
from aftersales_kit import keyset
from aftersales_kit.identity import Caller
from aftersales_kit.problems import Conflict, Forbidden, NotFound, Unprocessable
from aftersales_kit.search import like_escape, plan_for_values
from aftersales_kit.uow import UnitOfWork
from aftersales_kit.versioning import check_version
from fieldwork import tables
from fieldwork.resources.schemas import (
    OrderKindFields,
    OrderKindOut,
    TechnicianFields,
    TechnicianOut,
    VehicleFields,
    VehicleOut,
)
from fieldwork.visibility import Scope

Out = TypeVar("Out", bound=BaseModel)
ModelT = TypeVar("ModelT", bound=BaseModel)

ADMIN_ROLE = "admin"


@dataclass(frozen=True)
class Resource(Generic[Out]):
    """What differs between technicians, vehicles and order kinds."""

    table: Table
    what: str  # "technician", in messages
    fields: type[BaseModel]  # the whole record a client writes
    out: type[Out]
    # The event a new version publishes, if others need one.
    event: Callable[[Mapping[str, Any]], Message] | None
    # Unique constraint name -> the field a 409 names.
    unique: Mapping[str, str]
    # Keyset sorts: column -> type of its values.
    sorts: Mapping[str, type]
    # True: a record without an org unit is offered in every org unit (order kinds).
    everywhere: bool = False


def _technician_changed(row: Mapping[str, Any]) -> Message:
    return TechnicianChanged(
        technician_id=row["id"],
        version=row["version"],
        name=row["name"],
        username=row["username"],
        org_unit_id=row["org_unit_id"],
        active=row["active"],
    )


def _vehicle_changed(row: Mapping[str, Any]) -> Message:
    return VehicleChanged(
        vehicle_id=row["id"],
        version=row["version"],
        registration=row["registration"],
        name=row["name"],
        org_unit_id=row["org_unit_id"],
        active=row["active"],
    )


TECHNICIANS = Resource(
    table=tables.technician,
    what="technician",
    fields=TechnicianFields,
    out=TechnicianOut,
    event=_technician_changed,
    unique={"uq_technician_username": "username"},
    sorts={"name": str, "created_at": datetime},
)
VEHICLES = Resource(
    table=tables.vehicle,
    what="vehicle",
    fields=VehicleFields,
    out=VehicleOut,
    event=_vehicle_changed,
    unique={"uq_vehicle_registration": "registration"},
    sorts={"registration": str, "name": str, "created_at": datetime},
)
ORDER_KINDS = Resource(
    table=tables.order_kind,
    what="order kind",
    fields=OrderKindFields,
    out=OrderKindOut,
    event=None,  # an order carries its kind's code in its own snapshot
    unique={"uq_order_kind_code": "code"},
    sorts={"code": str, "name": str, "created_at": datetime},
    everywhere=True,
)


# --- rules every resource shares ------------------------------------------------------


def require_admin(caller: Caller) -> None:
    if not caller.has_role(ADMIN_ROLE):
        raise Forbidden("only admins set up technicians, vehicles and order kinds")


def validate_merged(model: type[ModelT], data: Mapping[str, Any]) -> ModelT:
    """A patched record validated whole; a bad field is a 422 naming it."""
    try:
        return model.model_validate(dict(data))
    except ValidationError as error:
        first = error.errors()[0]
        field = ".".join(str(p) for p in first["loc"]) or "body"
        raise Unprocessable(f"{field}: {first['msg']}", field=field) from error


def _may_see(resource: Resource[Any], scope: Scope, row: Mapping[str, Any]) -> bool:
    if resource.everywhere and row["org_unit_id"] is None:
        return True
    if not scope.sees_org_unit(row["org_unit_id"]):
        return False
    if resource is TECHNICIANS and scope.own_orders_only:
        # A technician-only caller: their own record, nobody else's.
        return scope.technician_id is not None and row["id"] == scope.technician_id
    return True


def _seen_clause(resource: Resource[Any], scope: Scope) -> ColumnElement[bool]:
    """The SQL twin of ``_may_see``, so that lists filter before they page."""
    c = resource.table.c
    clause = scope.org_unit_clause(c.org_unit_id)
    if resource.everywhere:
        clause = or_(c.org_unit_id.is_(None), clause)
    if resource is TECHNICIANS and scope.own_orders_only:
        clause = clause & (
            c.id == scope.technician_id if scope.technician_id is not None else false()
        )
    return clause


def _not_found(resource: Resource[Any], row_id: uuid.UUID) -> NotFound:
    return NotFound(f"no {resource.what} with id {row_id}")


async def _placeable(
    resource: Resource[Any], uow: UnitOfWork, scope: Scope, org_unit_id: uuid.UUID | None
) -> None:
    """The org unit is one field work knows (422) and the caller would still see the
    record there (403): a restricted caller places records only in its own units."""
    if org_unit_id is not None:
        known = await uow.session.scalar(
            select(tables.org_unit.c.id).where(tables.org_unit.c.id == org_unit_id)
        )
        if known is None:
            raise Unprocessable(f"no org unit with id {org_unit_id}", field="org_unit_id")
    if not scope.sees_org_unit(org_unit_id):
        where = "in no org unit" if org_unit_id is None else "in another org unit"
        raise Forbidden(
            f"you may not place a {resource.what} {where}: only in your own org units"
            " (or their descendants)",
            field="org_unit_id",
        )


async def _locked(
    resource: Resource[Any],
    uow: UnitOfWork,
    row_id: uuid.UUID,
    expected: int | None,
    scope: Scope,
) -> dict[str, Any]:
    table = resource.table
    found = (
        (await uow.session.execute(select(table).where(table.c.id == row_id).with_for_update()))
        .mappings()
        .first()
    )
    row = None if found is None else dict(found)
    # Unseen before stale: a 412 must not tell that a hidden record exists.
    if row is None or not _may_see(resource, scope, row):
        raise _not_found(resource, row_id)
    # An everywhere kind is seen by all but changed only by those who may place it there.
    if not scope.sees_org_unit(row["org_unit_id"]):
        raise Forbidden(
            f"this {resource.what} is offered in every org unit: only an unrestricted admin"
            " changes it",
            field="org_unit_id",
        )
    check_version(row["version"], expected)
    return row


def _stored(fields: BaseModel) -> dict[str, Any]:
    # Python mode keeps UUIDs for the UUID columns; nested models become plain dicts.
    return fields.model_dump(mode="python")


def _conflict(
    resource: Resource[Any], error: IntegrityError, values: Mapping[str, Any]
) -> Conflict:
    for constraint, field in resource.unique.items():
        if constraint in str(error.orig):
            return _taken(resource, field, values[field])
    raise error


def _taken(resource: Resource[Any], field: str, value: Any) -> Conflict:
    return Conflict(
        f"a {resource.what} with {field} {value!r} exists already",
        field=field,
        reason=f"{field}_taken",
    )


async def _check_kind_code(
    uow: UnitOfWork, code: str, org_unit_id: uuid.UUID | None, kind_id: uuid.UUID | None
) -> None:
    """An order kind's code names one kind wherever it is offered: a unit's own kind may
    not repeat a code offered everywhere, nor an everywhere kind a unit's code. The table's
    constraint covers one org unit; this the rest, under a lock on the code so two admins
    cannot slip past each other."""
    k = tables.order_kind.c
    await uow.session.execute(
        select(func.pg_advisory_xact_lock(func.hashtext("fieldwork.order_kind:" + code)))
    )
    clash = or_(k.org_unit_id.is_(None), k.org_unit_id == org_unit_id) if org_unit_id else true()
    query = select(k.id).where(k.code == code, clash)
    if kind_id is not None:
        query = query.where(k.id != kind_id)
    if await uow.session.scalar(query.limit(1)) is not None:
        raise _taken(ORDER_KINDS, "code", code)


async def _write(
    resource: Resource[Any], uow: UnitOfWork, row: dict[str, Any], *, new: bool
) -> None:
    table = resource.table
    if resource is ORDER_KINDS:
        await _check_kind_code(uow, row["code"], row["org_unit_id"], None if new else row["id"])
    try:
        if new:
            await uow.session.execute(insert(table).values(row))
        else:
            await uow.session.execute(update(table).where(table.c.id == row["id"]).values(row))
    except IntegrityError as error:
        raise _conflict(resource, error, row) from error
    if resource.event is not None:
        uow.publish(resource.event(row))


# --- the use cases ---------------------------------------------------------------------


async def create(
    resource: Resource[Out],
    body: BaseModel,
    uow: UnitOfWork,
    scope: Scope,
    caller: Caller,
    *,
    now: datetime,
) -> Out:
    require_admin(caller)
    fields = _stored(body)
    await _placeable(resource, uow, scope, fields["org_unit_id"])
    row = fields | {"id": uuid.uuid4(), "version": 1, "created_at": now, "updated_at": now}
    await _write(resource, uow, row, new=True)
    await uow.commit()
    return resource.out.model_validate(row)


async def get(resource: Resource[Out], uow: UnitOfWork, row_id: uuid.UUID, scope: Scope) -> Out:
    table = resource.table
    found = (
        (await uow.session.execute(select(table).where(table.c.id == row_id))).mappings().first()
    )
    row = None if found is None else dict(found)
    if row is None or not _may_see(resource, scope, row):
        raise _not_found(resource, row_id)
    return resource.out.model_validate(row)


async def get_own_technician(uow: UnitOfWork, caller: Caller) -> TechnicianOut:
    """The technician record the caller signs in as; 404 when they have none."""
    t = tables.technician
    username = (caller.username or "").strip().lower()
    row = (
        (await uow.session.execute(select(t).where(t.c.username == username))).mappings().first()
        if username
        else None
    )
    if row is None:
        raise NotFound("you are not a technician: no technician signs in as you")
    return TechnicianOut.model_validate(dict(row))


async def change(
    resource: Resource[Out],
    row_id: uuid.UUID,
    patch: BaseModel,
    expected: int | None,
    uow: UnitOfWork,
    scope: Scope,
    caller: Caller,
    *,
    now: datetime,
) -> Out:
    """Apply the fields the patch names; the merged record is validated whole. A patch
    that changes nothing is answered with the record as it is (no new version)."""
    require_admin(caller)
    row = await _locked(resource, uow, row_id, expected, scope)
    current = {name: row[name] for name in resource.fields.model_fields}
    merged = validate_merged(resource.fields, current | patch.model_dump(exclude_unset=True))
    fields = _stored(merged)
    if fields == current:
        return resource.out.model_validate(row)
    if fields["org_unit_id"] != row["org_unit_id"]:
        await _placeable(resource, uow, scope, fields["org_unit_id"])
    changed = row | fields | {"version": row["version"] + 1, "updated_at": now}
    await _write(resource, uow, changed, new=False)
    await uow.commit()
    return resource.out.model_validate(changed)


async def set_active(
    resource: Resource[Out],
    row_id: uuid.UUID,
    active: bool,
    expected: int | None,
    uow: UnitOfWork,
    scope: Scope,
    caller: Caller,
    *,
    now: datetime,
) -> Out:
    """Deactivate (``active`` False) or activate again; already so: no new version."""
    require_admin(caller)
    row = await _locked(resource, uow, row_id, expected, scope)
    if row["active"] is active:
        return resource.out.model_validate(row)
    changed = row | {"active": active, "version": row["version"] + 1, "updated_at": now}
    await _write(resource, uow, changed, new=False)
    await uow.commit()
    return resource.out.model_validate(changed)


async def list_page(
    resource: Resource[Out],
    uow: UnitOfWork,
    scope: Scope,
    *,
    org_unit_id: uuid.UUID | None,
    active: bool | None,
    text: str | None,
    sort: str,
    cursor: str | None,
    limit: int,
) -> tuple[list[Out], str | None]:
    """A keyset page of what the caller sees. ``org_unit_id``: the records of that unit
    (for order kinds, the kinds offered there: its own and the everywhere kinds);
    ``text``: in the name (and a technician's username), case-insensitively."""
    c = resource.table.c
    filters: list[ColumnElement[bool]] = [_seen_clause(resource, scope)]
    if org_unit_id is not None:
        unit = c.org_unit_id == org_unit_id
        filters.append(or_(unit, c.org_unit_id.is_(None)) if resource.everywhere else unit)
    if active is not None:
        filters.append(c.active == active)
    if text:
        await plan_for_values(uow.session)
        pattern = "%" + like_escape(text) + "%"
        searched = [c.name.ilike(pattern, escape="\\")]
        if resource is TECHNICIANS:
            searched.append(c.username.ilike(pattern, escape="\\"))
        filters.append(or_(*searched))
    rows, next_cursor = await keyset.table_page(
        uow.session, resource.table, filters, sort, resource.sorts, cursor, limit
    )
    return [resource.out.model_validate(r) for r in rows], next_cursor
