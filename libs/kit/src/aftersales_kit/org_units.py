"""The org units a caller may see: the ones the gateway names for it, and their descendants.

Every service that limits what a caller sees keeps an ``org_unit`` table (its own, or a
projection of catalog's ``catalog.org_unit.changed``) with ``id``, ``code`` and
``parent_id``; this reads the caller's part of that tree. What an item without an org
unit means is each service's own rule.
"""

from __future__ import annotations

import contextlib
import uuid
from collections.abc import Awaitable, Callable
from contextlib import AbstractAsyncContextManager
from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, Request
from sqlalchemy import Column, Integer, MetaData, String, Table, text
from sqlalchemy.dialects.postgresql import UUID

from aftersales_contracts.catalog import OrgUnitChanged
from aftersales_contracts.envelope import Envelope
from aftersales_kit.http import runtime_of
from aftersales_kit.identity import Caller, CallerDep
from aftersales_kit.projections import upsert_if_newer
from aftersales_kit.uow import UnitOfWork


def org_unit_table(metadata: MetaData) -> Table:
    """The projection of catalog's org unit tree a service keeps (``catalog.org_unit.changed``,
    newest version wins): codes and the tree for visibility, time zones for local dates."""
    return Table(
        "org_unit",
        metadata,
        Column("id", UUID(as_uuid=True), primary_key=True),
        Column("version", Integer, nullable=False),
        Column("code", String(50), nullable=False, index=True),
        Column("name", String(200), nullable=False),
        Column("time_zone", String(64), nullable=False),
        Column("parent_id", UUID(as_uuid=True), nullable=True, index=True),
    )


OrgUnitHandler = Callable[[UnitOfWork, Envelope[OrgUnitChanged]], Awaitable[None]]


def org_unit_projector(table: Table) -> OrgUnitHandler:
    """The consumer's handler that keeps ``table`` (made by ``org_unit_table``): each
    snapshot stored unless an equal or newer version is there."""

    async def project(uow: UnitOfWork, envelope: Envelope[OrgUnitChanged]) -> None:
        unit = envelope.payload
        values = {
            "id": unit.org_unit_id,
            "version": unit.version,
            "code": unit.code,
            "name": unit.name,
            "time_zone": unit.time_zone,
            "parent_id": unit.parent_id,
        }
        await upsert_if_newer(uow.session, table, values)

    return project


_UNITS_AND_DESCENDANTS = text(
    "WITH RECURSIVE visible(id, code) AS ("
    " SELECT id, code FROM org_unit WHERE code = ANY(:codes)"
    " UNION SELECT o.id, o.code FROM org_unit o JOIN visible v ON o.parent_id = v.id)"
    " SELECT id, code FROM visible"
)


@dataclass(frozen=True)
class OrgUnitRef:
    id: uuid.UUID
    code: str


async def visible_org_units(uow: UnitOfWork, caller: Caller) -> list[OrgUnitRef] | None:
    """The org units ``caller`` may see, descendants included; None when it is not
    restricted, empty when it may see none. A code the table does not hold matches
    nothing."""
    return await _visible(caller, lambda: contextlib.nullcontext(uow))


async def _visible(
    caller: Caller, unit_of_work: Callable[[], AbstractAsyncContextManager[UnitOfWork]]
) -> list[OrgUnitRef] | None:
    """``visible_org_units``, with a unit of work only when the answer needs the table:
    most callers (services, unrestricted users) are not restricted."""
    if caller.org_units is None:
        return None
    if not caller.org_units:
        return []
    async with unit_of_work() as uow:
        rows = await uow.session.execute(
            _UNITS_AND_DESCENDANTS, {"codes": sorted(caller.org_units)}
        )
        return [OrgUnitRef(row.id, row.code) for row in rows]


# None: not restricted. A set: the ids of the org units the caller may see.
VisibleIds = frozenset[uuid.UUID] | None


def _ids(units: list[OrgUnitRef] | None) -> VisibleIds:
    return None if units is None else frozenset(u.id for u in units)


async def visible_org_unit_ids(uow: UnitOfWork, caller: Caller) -> VisibleIds:
    """The ids of the org units ``caller`` may see, descendants included; None when the
    caller is not restricted."""
    return _ids(await visible_org_units(uow, caller))


async def _visible_ids(caller: CallerDep, request: Request) -> VisibleIds:
    # A unit of work of its own, opened only for a restricted caller: depending on the
    # route's (``UnitOfWorkDep``) made one for every request, 4-5 % of the send route's
    # CPU (bench/README.md, tenth session).
    return _ids(await _visible(caller, runtime_of(request).uow))


# A route's parameter: the caller's visible org unit ids, read once per request.
VisibleIdsDep = Annotated[VisibleIds, Depends(_visible_ids)]
