"""Rows written straight into campaigns' tables for the case tests: a service campaign
template, a parent case, a campaign and its cases (one per serial item of a ``World``), as
release would leave them. Release itself is the campaigns package's and tested there."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from typing import Any

import httpx
from sqlalchemy import select

from aftersales_kit.messaging_tables import outbox_message
from campaigns import tables
from tests.conftest import NOW
from tests.integration.seed import World, runtime_of


async def next_number(session: Any) -> str:
    value = await session.scalar(tables.case_number_seq.next_value().select())
    return f"CA-{value:06d}"


@dataclass
class CampaignRows:
    campaign_id: uuid.UUID
    code: str
    name: str
    template_id: uuid.UUID
    parent_id: uuid.UUID
    case_ids: list[uuid.UUID] = field(default_factory=list)
    numbers: list[str] = field(default_factory=list)


async def insert_campaign(
    client: httpx.AsyncClient,
    world: World,
    *,
    cases: int | None = None,
    org_unit_ids: list[uuid.UUID | None] | None = None,
    cause_code: str = "RC-1",
) -> CampaignRows:
    """A released campaign with one open case per serial item of ``world`` (the first
    ``cases``), each in the world's org unit unless ``org_unit_ids`` says otherwise."""
    tag = uuid.uuid4().hex[:8]
    rows = CampaignRows(
        campaign_id=uuid.uuid4(),
        code=f"CMP-{tag}",
        name=f"Pump retrofit {tag}",
        template_id=uuid.uuid4(),
        parent_id=uuid.uuid4(),
    )
    count = len(world.item_ids) if cases is None else cases
    async with runtime_of(client).uow() as uow:
        s = uow.session
        await s.execute(
            tables.case_template.insert().values(
                id=rows.template_id,
                version=1,
                name=f"Campaign template {tag}",
                case_type="service_campaign",
                required_fields=["cause_code"],
                active=True,
                created_at=NOW,
                updated_at=NOW,
            )
        )
        await s.execute(
            tables.case.insert().values(
                id=rows.parent_id,
                version=1,
                number=await next_number(s),
                basic_type="parent",
                title=f"Parent of {rows.code}",
                created_at=NOW,
                updated_at=NOW,
            )
        )
        await s.execute(
            tables.campaign.insert().values(
                id=rows.campaign_id,
                version=1,
                code=rows.code,
                name=rows.name,
                template_id=rows.template_id,
                parent_case_id=rows.parent_id,
                cause_code=cause_code,
                state="released",
                created_at=NOW,
                updated_at=NOW,
                released_at=NOW,
            )
        )
        for i in range(count):
            case_id = uuid.uuid4()
            number = await next_number(s)
            org_unit_id = world.org_unit_id if org_unit_ids is None else org_unit_ids[i]
            await s.execute(
                tables.case.insert().values(
                    id=case_id,
                    version=1,
                    number=number,
                    basic_type="customer_nonconformity",
                    title=f"{rows.name}: {world.serial(i)}",
                    template_id=rows.template_id,
                    parent_id=rows.parent_id,
                    campaign_id=rows.campaign_id,
                    customer_id=world.owner_id,
                    serial_item_id=world.item_ids[i],
                    serial_number=world.serial(i),
                    org_unit_id=org_unit_id,
                    cause_code=cause_code,
                    status="open",
                    created_at=NOW,
                    updated_at=NOW,
                )
            )
            rows.case_ids.append(case_id)
            rows.numbers.append(number)
        await uow.commit()
    return rows


async def outbox_bodies(
    client: httpx.AsyncClient, message_type: str, case_id: uuid.UUID
) -> list[dict[str, Any]]:
    """The envelopes of ``message_type`` the outbox holds for ``case_id``."""
    async with runtime_of(client).uow() as uow:
        bodies = (
            await uow.session.scalars(
                select(outbox_message.c.body).where(
                    outbox_message.c.message_type == message_type,
                    outbox_message.c.body["payload"]["case_id"].astext == str(case_id),
                )
            )
        ).all()
    return list(bodies)


async def case_row(client: httpx.AsyncClient, case_id: uuid.UUID) -> dict[str, Any]:
    async with runtime_of(client).uow() as uow:
        row = (
            (await uow.session.execute(select(tables.case).where(tables.case.c.id == case_id)))
            .mappings()
            .one()
        )
    return dict(row)


async def insert_org_unit(
    client: httpx.AsyncClient, *, parent_id: uuid.UUID | None = None
) -> tuple[uuid.UUID, str]:
    """Another org unit (a child of ``parent_id`` when given): its id and code."""
    org_unit_id, code = uuid.uuid4(), "ou-" + uuid.uuid4().hex[:8]
    async with runtime_of(client).uow() as uow:
        await uow.session.execute(
            tables.org_unit.insert().values(
                id=org_unit_id,
                version=1,
                code=code,
                name=code,
                time_zone="Europe/Stockholm",
                parent_id=parent_id,
            )
        )
        await uow.commit()
    return org_unit_id, code


async def create_template(client: httpx.AsyncClient, **fields: Any) -> dict[str, Any]:
    body = {"name": f"T {uuid.uuid4().hex[:10]}", "case_type": "service_campaign"} | fields
    answer = await client.post("/case-templates", json=body)
    assert answer.status_code == 201, answer.text
    created: dict[str, Any] = answer.json()
    return created
