"""Servicetypes' use cases: each runs in a unit of work and records its event in the outbox."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import date, datetime
from typing import Any

from sqlalchemy import delete, func, select, update
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.exc import IntegrityError

from aftersales_contracts.servicetypes import (
    Price,
    ServiceLinkDefinition,
    ServiceTypeChanged,
    StepDefinition,
)
from aftersales_kit.problems import Conflict, NotFound, Problem, Unprocessable
from aftersales_kit.uow import UnitOfWork
from aftersales_kit.versioning import check_version
from servicetypes import domain, tables
from servicetypes.schemas import (
    PreviewOccurrence,
    PreviewOut,
    PreviewStep,
    ServiceTypeDeleted,
    ServiceTypeIn,
    ServiceTypeOut,
    SmsLengthOut,
)

SYSTEM_NAME_UNIQUE = "uq_service_type_system_name"


async def create_service_type(cmd: ServiceTypeIn, uow: UnitOfWork) -> ServiceTypeOut:
    steps, links = _define(cmd)
    out = _out(uuid.uuid4(), 1, cmd, steps, links)
    inserted = await uow.session.scalar(
        insert(tables.service_type)
        .values(_type_row(out))
        .on_conflict_do_nothing(index_elements=["system_name"])
        .returning(tables.service_type.c.id)
    )
    if inserted is None:
        raise _name_taken(cmd.system_name)
    await _write_parts(uow, out)
    uow.publish(_changed(out))
    await uow.commit()
    return out


async def update_service_type(
    service_type_id: uuid.UUID,
    cmd: ServiceTypeIn,
    uow: UnitOfWork,
    *,
    expected_version: int,
) -> ServiceTypeOut:
    """Replace the whole definition; ``expected_version`` must be the current one."""
    # The row lock serializes concurrent updates: the second waits, then sees the new version.
    current = await uow.session.scalar(
        select(tables.service_type.c.version)
        .where(tables.service_type.c.id == service_type_id)
        .with_for_update()
    )
    if current is None:
        raise NotFound(f"no service type with id {service_type_id}")
    check_version(current, expected_version)
    existing = set(
        await uow.session.scalars(
            select(tables.service_type_step.c.id).where(
                tables.service_type_step.c.service_type_id == service_type_id
            )
        )
    )
    steps, links = _define(cmd, existing_step_ids=existing)
    out = _out(service_type_id, current + 1, cmd, steps, links)
    row = _type_row(out)
    del row["id"]
    try:
        await uow.session.execute(
            update(tables.service_type)
            .where(tables.service_type.c.id == service_type_id)
            .values({**row, "updated_at": func.now()})
        )
    except IntegrityError as error:
        if SYSTEM_NAME_UNIQUE in str(error.orig):
            raise _name_taken(cmd.system_name) from error
        raise
    for table in (tables.service_type_step, tables.service_link):
        await uow.session.execute(delete(table).where(table.c.service_type_id == service_type_id))
    await _write_parts(uow, out)
    uow.publish(_changed(out))
    await uow.commit()
    return out


async def get_service_type(uow: UnitOfWork, service_type_id: uuid.UUID) -> ServiceTypeOut:
    found = await _load(uow, [tables.service_type.c.id == service_type_id])
    if not found:
        raise NotFound(f"no service type with id {service_type_id}")
    return found[0]


async def list_service_types(uow: UnitOfWork) -> list[ServiceTypeOut]:
    return await _load(uow, [])


class ConfirmationRequired(Problem):
    """A deletion that was not confirmed."""

    status = 409
    title = "Confirmation required"


async def delete_service_type(
    service_type_id: uuid.UUID,
    uow: UnitOfWork,
    *,
    confirm: bool,
    expected_version: int | None = None,
) -> ServiceTypeDeleted:
    """Delete a type and publish its tombstone; only with ``confirm``.

    Servicetypes does not know which workflows exist (scheduling owns them), so every
    deletion is confirmed: any serial item may run the type. The tombstone
    (``ServiceTypeChanged`` with ``deleted``, disabled, without links) makes scheduling
    cancel the type's pending callouts and catalog drop its marks.
    """
    current = await uow.session.scalar(
        select(tables.service_type.c.version)
        .where(tables.service_type.c.id == service_type_id)
        .with_for_update()
    )
    if current is None:
        raise NotFound(f"no service type with id {service_type_id}")
    check_version(current, expected_version)
    if not confirm:
        raise ConfirmationRequired(
            "deleting a service type needs confirm=true. " + domain.DELETION_EFFECT,
            field="query.confirm",
            effect=domain.DELETION_EFFECT,
        )
    (out,) = await _load(uow, [tables.service_type.c.id == service_type_id])
    last = domain.tombstone(_changed(out))
    await uow.session.execute(
        delete(tables.service_type).where(tables.service_type.c.id == service_type_id)
    )
    uow.publish(last)
    await uow.commit()
    return ServiceTypeDeleted(
        id=service_type_id,
        system_name=out.system_name,
        version=last.version,
        detail=domain.DELETION_EFFECT,
    )


async def preview_saved(
    uow: UnitOfWork,
    service_type_id: uuid.UUID,
    *,
    startup_date: date | None,
    startup_at: datetime | None,
    time_zone: str | None,
    until: date | None,
) -> PreviewOut:
    saved = await get_service_type(uow, service_type_id)
    return _preview(
        saved.id, saved.version, saved.steps, startup_date, startup_at, time_zone, until, "query."
    )


def preview_draft(
    cmd: ServiceTypeIn,
    *,
    startup_date: date | None,
    startup_at: datetime | None,
    time_zone: str | None,
    until: date | None,
) -> PreviewOut:
    """A draft is checked like a create (its fields named under ``service_type.``)."""
    try:
        steps = domain.define_service_type(
            cmd.system_name,
            [step.draft() for step in cmd.steps],
            [link.definition() for link in cmd.links],
            display_name_translations=cmd.display_name_translations,
        )
    except domain.InvalidServiceType as error:
        raise _unprocessable(error, "service_type.") from error
    return _preview(None, None, steps, startup_date, startup_at, time_zone, until, "")


def _preview(
    service_type_id: uuid.UUID | None,
    version: int | None,
    steps: Sequence[StepDefinition],
    startup_date: date | None,
    startup_at: datetime | None,
    time_zone: str | None,
    until: date | None,
    field_prefix: str,
) -> PreviewOut:
    """``field_prefix`` names where the window came from: ``query.`` or the body."""
    try:
        startup, last = domain.preview_window(startup_date, startup_at, time_zone, until)
    except domain.InvalidServiceType as error:
        raise _unprocessable(error, field_prefix) from error
    found, truncated = domain.preview(steps, startup, last)
    by_id = {step.step_id: step for step in steps}
    return PreviewOut(
        service_type_id=service_type_id,
        version=version,
        startup_date=startup,
        until=last,
        occurrences=[
            PreviewOccurrence(
                on=o.on,
                step_id=o.step_id,
                position=by_id[o.step_id].position,
                description=by_id[o.step_id].description,
                index=o.index,
            )
            for o in found
        ],
        steps=[
            PreviewStep(
                step_id=step.step_id,
                position=step.position,
                description=step.description,
                dates=[o.on for o in found if o.step_id == step.step_id],
            )
            for step in steps
        ],
        truncated=truncated,
        sms=_sms(steps),
    )


def _define(
    cmd: ServiceTypeIn, existing_step_ids: set[uuid.UUID] | None = None
) -> tuple[list[StepDefinition], list[ServiceLinkDefinition]]:
    links = [link.definition() for link in cmd.links]
    try:
        steps = domain.define_service_type(
            cmd.system_name,
            [step.draft() for step in cmd.steps],
            links,
            display_name_translations=cmd.display_name_translations,
            existing_step_ids=existing_step_ids or set(),
        )
    except domain.InvalidServiceType as error:
        raise _unprocessable(error) from error
    return steps, links


def _unprocessable(error: domain.InvalidServiceType, prefix: str = "") -> Unprocessable:
    errors = [{"field": prefix + v.field, "message": v.message} for v in error.violations]
    detail = "; ".join(f"{e['field']}: {e['message']}" for e in errors)
    return Unprocessable(detail, field=errors[0]["field"], errors=errors)


def _name_taken(system_name: str) -> Conflict:
    return Conflict(
        f"a service type with system name {system_name!r} exists already", field="system_name"
    )


def _out(
    service_type_id: uuid.UUID,
    version: int,
    cmd: ServiceTypeIn,
    steps: list[StepDefinition],
    links: list[ServiceLinkDefinition],
) -> ServiceTypeOut:
    return ServiceTypeOut(
        id=service_type_id,
        version=version,
        system_name=cmd.system_name,
        display_name=cmd.display_name,
        display_name_translations=cmd.display_name_translations,
        enabled=cmd.enabled,
        approval_method=cmd.approval_method,
        print_tag=cmd.print_tag,
        steps=steps,
        links=links,
        sms=_sms(steps),
    )


def _sms(steps: Sequence[StepDefinition]) -> list[SmsLengthOut]:
    return [
        SmsLengthOut(
            field=report.field,
            encoding=report.length.encoding,
            characters=report.length.units,
            segments=report.length.segments,
            remaining=report.length.remaining,
            placeholders=report.placeholders,
        )
        for report in domain.sms_reports(steps)
    ]


def _type_row(out: ServiceTypeOut) -> dict[str, Any]:
    return {
        "id": out.id,
        "system_name": out.system_name,
        "display_name": out.display_name,
        "display_name_translations": out.display_name_translations,
        "enabled": out.enabled,
        "approval_method": out.approval_method.value,
        "print_tag": out.print_tag,
        "version": out.version,
    }


async def _write_parts(uow: UnitOfWork, out: ServiceTypeOut) -> None:
    if out.steps:
        await uow.session.execute(
            tables.service_type_step.insert(),
            [
                {
                    "id": step.step_id,
                    "service_type_id": out.id,
                    "position": step.position,
                    "description": step.description,
                    "schedule": step.schedule.model_dump(mode="json"),
                    "initial": step.initial.model_dump(mode="json"),
                    "on_completion": step.on_completion.model_dump(mode="json"),
                    "price_amount": step.price.amount if step.price else None,
                    "price_currency": step.price.currency if step.price else None,
                }
                for step in out.steps
            ],
        )
    if out.links:
        await uow.session.execute(
            tables.service_link.insert(),
            [
                {
                    "id": uuid.uuid4(),
                    "service_type_id": out.id,
                    "position": position,
                    "main_product_id": link.main_product_id,
                    "apply_to_main_product": link.apply_to_main_product,
                    "related_product_ids": link.related_product_ids,
                    "pre_code": link.pre_code,
                }
                for position, link in enumerate(out.links)
            ],
        )


def _changed(out: ServiceTypeOut) -> ServiceTypeChanged:
    return ServiceTypeChanged(
        service_type_id=out.id,
        version=out.version,
        system_name=out.system_name,
        display_name=out.display_name,
        display_name_translations=out.display_name_translations,
        enabled=out.enabled,
        approval_method=out.approval_method,
        print_tag=out.print_tag,
        steps=out.steps,
        links=out.links,
    )


async def _load(uow: UnitOfWork, where: Sequence[Any]) -> list[ServiceTypeOut]:
    st, step, link = tables.service_type, tables.service_type_step, tables.service_link
    types = (
        (
            await uow.session.execute(
                select(st).where(*where).order_by(func.lower(st.c.display_name), st.c.id)
            )
        )
        .mappings()
        .all()
    )
    if not types:
        return []
    ids = [row["id"] for row in types]
    steps: dict[uuid.UUID, list[StepDefinition]] = {i: [] for i in ids}
    for row in (
        await uow.session.execute(
            select(step).where(step.c.service_type_id.in_(ids)).order_by(step.c.position)
        )
    ).mappings():
        steps[row["service_type_id"]].append(
            StepDefinition.model_validate(
                {
                    "step_id": row["id"],
                    "position": row["position"],
                    "description": row["description"],
                    "schedule": row["schedule"],
                    "initial": row["initial"],
                    "on_completion": row["on_completion"],
                    "price": domain.normalize_price(
                        Price(amount=row["price_amount"], currency=row["price_currency"])
                    )
                    if row["price_currency"] is not None
                    else None,
                }
            )
        )
    links: dict[uuid.UUID, list[ServiceLinkDefinition]] = {i: [] for i in ids}
    for row in (
        await uow.session.execute(
            select(link).where(link.c.service_type_id.in_(ids)).order_by(link.c.position)
        )
    ).mappings():
        links[row["service_type_id"]].append(
            ServiceLinkDefinition(
                main_product_id=row["main_product_id"],
                apply_to_main_product=row["apply_to_main_product"],
                related_product_ids=list(row["related_product_ids"]),
                pre_code=row["pre_code"],
            )
        )
    return [
        ServiceTypeOut(
            id=row["id"],
            version=row["version"],
            system_name=row["system_name"],
            display_name=row["display_name"],
            display_name_translations=row["display_name_translations"],
            enabled=row["enabled"],
            approval_method=row["approval_method"],
            print_tag=row["print_tag"],
            steps=steps[row["id"]],
            links=links[row["id"]],
            sms=_sms(steps[row["id"]]),
        )
        for row in types
    ]
