"""Use cases of case templates: create, read, change, deactivate / activate, list.

A template says what a case made from it is for (``case_type``; campaigns use only
"service_campaign" ones) and which of its fields must be filled. Names are unique (409
naming ``name``). Templates span org units: every caller reads them, only admins write
(403). A change names the version it read (``If-Match``, checked on the locked row).
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from datetime import datetime
from typing import Any

from pydantic import BaseModel, ValidationError
from sqlalchemy import ColumnElement, insert, select, update
from sqlalchemy.exc import IntegrityError

from aftersales_kit import keyset
from aftersales_kit.identity import Caller
from aftersales_kit.problems import Conflict, Forbidden, NotFound, Unprocessable
from aftersales_kit.uow import UnitOfWork
from aftersales_kit.versioning import check_version
from campaigns import tables
from campaigns.cases.domain import CaseType
from campaigns.cases.schemas import TemplateFields, TemplateIn, TemplateOut, TemplatePatch

ADMIN_ROLE = "admin"
UNIQUE_NAME = "uq_case_template_name"
SORTS: Mapping[str, type] = {"name": str, "created_at": datetime}


def require_admin(caller: Caller, what: str = "case templates") -> None:
    if not caller.has_role(ADMIN_ROLE):
        raise Forbidden(f"only admins manage {what}")


def validate_merged(data: Mapping[str, Any]) -> TemplateFields:
    """A patched template validated whole; a bad field is a 422 naming it."""
    try:
        return TemplateFields.model_validate(dict(data))
    except ValidationError as error:
        first = error.errors()[0]
        field = ".".join(str(p) for p in first["loc"]) or "body"
        raise Unprocessable(f"{field}: {first['msg']}", field=field) from error


def _name_taken(error: IntegrityError, name: str) -> Conflict | None:
    if UNIQUE_NAME in str(error.orig):
        return Conflict(f"a case template named {name!r} exists", field="name")
    return None


async def create_template(
    uow: UnitOfWork, caller: Caller, body: TemplateIn, *, now: datetime
) -> TemplateOut:
    require_admin(caller)
    row: dict[str, Any] = {
        "id": uuid.uuid4(),
        "version": 1,
        **_stored(body),
        "active": True,
        "created_at": now,
        "updated_at": now,
    }
    try:
        await uow.session.execute(insert(tables.case_template).values(row))
        await uow.commit()
    except IntegrityError as error:
        raise _name_taken(error, body.name) or error from error
    return TemplateOut.model_validate(row)


def _stored(fields: BaseModel) -> dict[str, Any]:
    data = fields.model_dump(include={"name", "case_type", "required_fields"})
    data["case_type"] = CaseType(data["case_type"]).value
    return data


async def _row(uow: UnitOfWork, template_id: uuid.UUID, *, lock: bool) -> dict[str, Any]:
    query = select(tables.case_template).where(tables.case_template.c.id == template_id)
    if lock:
        query = query.with_for_update()
    found = (await uow.session.execute(query)).mappings().first()
    if found is None:
        raise NotFound(f"no case template with id {template_id}")
    return dict(found)


async def get_template(uow: UnitOfWork, template_id: uuid.UUID) -> TemplateOut:
    return TemplateOut.model_validate(await _row(uow, template_id, lock=False))


async def change_template(
    uow: UnitOfWork,
    caller: Caller,
    template_id: uuid.UUID,
    patch: TemplatePatch,
    expected: int | None,
    *,
    now: datetime,
) -> TemplateOut:
    """Change the fields sent; the merged template is validated whole. A patch that
    changes nothing is answered with the template as it is (no new version). A changed
    requirement applies to cases created or changed from now on."""
    require_admin(caller)
    row = await _row(uow, template_id, lock=True)
    check_version(row["version"], expected)
    current = {k: row[k] for k in ("name", "case_type", "required_fields")}
    merged = _stored(validate_merged(current | patch.model_dump(exclude_unset=True)))
    if merged == current:
        return TemplateOut.model_validate(row)
    changed = row | merged | {"version": row["version"] + 1, "updated_at": now}
    try:
        await uow.session.execute(
            update(tables.case_template)
            .where(tables.case_template.c.id == template_id)
            .values(**merged, version=changed["version"], updated_at=now)
        )
        await uow.commit()
    except IntegrityError as error:
        raise _name_taken(error, merged["name"]) or error from error
    return TemplateOut.model_validate(changed)


async def set_active(
    uow: UnitOfWork,
    caller: Caller,
    template_id: uuid.UUID,
    active: bool,
    expected: int | None,
    *,
    now: datetime,
) -> TemplateOut:
    """Deactivate (``active`` False: no new campaign or case may use it; what uses it
    keeps it) or activate again; already so: no new version."""
    require_admin(caller)
    row = await _row(uow, template_id, lock=True)
    check_version(row["version"], expected)
    if row["active"] is active:
        return TemplateOut.model_validate(row)
    changed = row | {"active": active, "version": row["version"] + 1, "updated_at": now}
    await uow.session.execute(
        update(tables.case_template)
        .where(tables.case_template.c.id == template_id)
        .values(active=active, version=changed["version"], updated_at=now)
    )
    await uow.commit()
    return TemplateOut.model_validate(changed)


async def list_templates(
    uow: UnitOfWork,
    *,
    case_type: CaseType | None,
    active: bool | None,
    sort: str,
    cursor: str | None,
    limit: int,
) -> tuple[list[TemplateOut], str | None]:
    c = tables.case_template.c
    filters: list[ColumnElement[bool]] = []
    if case_type is not None:
        filters.append(c.case_type == case_type.value)
    if active is not None:
        filters.append(c.active.is_(active))
    rows, next_cursor = await keyset.table_page(
        uow.session, tables.case_template, filters, sort, SORTS, cursor, limit
    )
    return [TemplateOut.model_validate(r) for r in rows], next_cursor
