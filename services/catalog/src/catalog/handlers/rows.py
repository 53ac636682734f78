"""What the use cases share: reading and locking a row, validating a merged patch, and
checking a reference, each failing with the problem a client should see."""

from __future__ import annotations

import uuid
from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError
from sqlalchemy import Table, select

from aftersales_kit.problems import NotFound, Unprocessable
from aftersales_kit.uow import UnitOfWork
from catalog import tables

ModelT = TypeVar("ModelT", bound=BaseModel)


def validate_merged(model: type[ModelT], data: dict[str, Any]) -> ModelT:
    """Validate a merged (patched) record; a bad field is a 422 that names it."""
    try:
        return model.model_validate(data)
    except ValidationError as error:
        first = error.errors()[0]
        field = ".".join(str(p) for p in first["loc"]) or "body"
        raise Unprocessable(f"{field}: {first['msg']}", field=field) from error


async def locked(uow: UnitOfWork, table: Table, row_id: uuid.UUID, what: str) -> dict[str, Any]:
    """The row, locked for the change to come; 404 when there is none."""
    row = (
        (await uow.session.execute(select(table).where(table.c.id == row_id).with_for_update()))
        .mappings()
        .first()
    )
    if row is None:
        raise NotFound(f"no {what} with id {row_id}")
    return dict(row)


async def get_row(uow: UnitOfWork, table_name: str, row_id: uuid.UUID) -> dict[str, Any]:
    table = tables.metadata.tables[table_name]
    row = (await uow.session.execute(select(table).where(table.c.id == row_id))).mappings().first()
    if row is None:
        raise NotFound(f"no {table_name.replace('_', ' ')} with id {row_id}")
    return dict(row)


async def referenced(
    uow: UnitOfWork, table: Table, row_id: uuid.UUID | None, what: str, field: str
) -> dict[str, Any] | None:
    """The referenced row, or a 422 naming the field when it does not exist."""
    if row_id is None:
        return None
    row = (await uow.session.execute(select(table).where(table.c.id == row_id))).mappings().first()
    if row is None:
        raise Unprocessable(f"no {what} with id {row_id}", field=field)
    return dict(row)
