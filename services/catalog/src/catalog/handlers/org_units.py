"""The org unit tree: create, change (re-parent) and list its units."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import func, select, text, update
from sqlalchemy.dialects.postgresql import insert

from aftersales_contracts import catalog as events
from aftersales_kit import keyset
from aftersales_kit.problems import Conflict, Unprocessable
from aftersales_kit.uow import UnitOfWork
from aftersales_kit.versioning import check_version
from catalog import domain, tables
from catalog.handlers.rows import get_row, locked
from catalog.schemas import OrgUnitFields, OrgUnitIn, OrgUnitOut

SORTS: dict[str, type] = {"code": str, "name": str, "created_at": datetime}

# Changes to the org-unit tree are serialized, so that two concurrent re-parentings
# cannot each pass the cycle check and together make a cycle.
ORG_TREE_LOCK = 0x0C47A106


def _event(out: OrgUnitOut) -> events.OrgUnitChanged:
    return events.OrgUnitChanged(
        org_unit_id=out.id,
        version=out.version,
        code=out.code,
        name=out.name,
        time_zone=out.time_zone,
        parent_id=out.parent_id,
    )


async def _check_parent(
    uow: UnitOfWork, org_unit_id: uuid.UUID, parent_id: uuid.UUID | None
) -> None:
    if parent_id is None:
        return
    await uow.session.execute(select(func.pg_advisory_xact_lock(ORG_TREE_LOCK)))
    chain = list(
        (
            await uow.session.scalars(
                text(
                    "WITH RECURSIVE chain(id, parent_id) AS ("
                    " SELECT id, parent_id FROM org_unit WHERE id = :parent"
                    " UNION ALL SELECT o.id, o.parent_id FROM org_unit o"
                    " JOIN chain c ON o.id = c.parent_id)"
                    " SELECT id FROM chain"
                ),
                {"parent": parent_id},
            )
        ).all()
    )
    if not chain:
        raise Unprocessable(f"no org unit with id {parent_id}", field="parent_id")
    if domain.would_cycle(org_unit_id, chain):
        raise Unprocessable(
            "the parent is this org unit or one of its descendants", field="parent_id"
        )


async def create_org_unit(cmd: OrgUnitIn, uow: UnitOfWork) -> OrgUnitOut:
    out = OrgUnitOut(id=uuid.uuid4(), version=1, **cmd.model_dump())
    await _check_parent(uow, out.id, out.parent_id)
    inserted = await uow.session.scalar(
        insert(tables.org_unit)
        .values(out.model_dump())
        .on_conflict_do_nothing(index_elements=["code"])
        .returning(tables.org_unit.c.id)
    )
    if inserted is None:
        raise Conflict(f"an org unit with code {cmd.code!r} exists already", field="code")
    uow.publish(_event(out))
    await uow.commit()
    return out


async def get_org_unit(uow: UnitOfWork, org_unit_id: uuid.UUID) -> OrgUnitOut:
    return OrgUnitOut.model_validate(await get_row(uow, "org_unit", org_unit_id))


async def update_org_unit(
    org_unit_id: uuid.UUID, cmd: OrgUnitFields, expected: int | None, uow: UnitOfWork
) -> OrgUnitOut:
    row = await locked(uow, tables.org_unit, org_unit_id, "org unit")
    check_version(row["version"], expected)
    await _check_parent(uow, org_unit_id, cmd.parent_id)
    values = cmd.model_dump() | {"version": row["version"] + 1}
    await uow.session.execute(
        update(tables.org_unit).where(tables.org_unit.c.id == org_unit_id).values(values)
    )
    out = OrgUnitOut.model_validate(row | values)
    uow.publish(_event(out))
    await uow.commit()
    return out


async def list_org_units(
    uow: UnitOfWork, *, parent_id: uuid.UUID | None, sort: str, cursor: str | None, limit: int
) -> tuple[list[OrgUnitOut], str | None]:
    t = tables.org_unit
    filters = [t.c.parent_id == parent_id] if parent_id is not None else []
    rows, next_cursor = await keyset.table_page(uow.session, t, filters, sort, SORTS, cursor, limit)
    return [OrgUnitOut.model_validate(r) for r in rows], next_cursor
