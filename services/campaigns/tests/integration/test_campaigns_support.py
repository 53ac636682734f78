"""Helpers of the campaign tests (no tests here): a service campaign template and a parent
case written straight into the tables (the cases package's routes are tested there), a
campaign created through the API, serial items beyond ``seed_world``'s, and what the
outbox holds for a campaign."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any

import httpx
from sqlalchemy import func, select, update

from aftersales_kit.messaging_tables import outbox_message
from campaigns import tables
from tests.conftest import NOW
from tests.integration.seed import World, runtime_of


@dataclass
class Basis:
    """A campaign's prerequisites: a service campaign template and a parent case."""

    template_id: uuid.UUID
    parent_id: uuid.UUID


async def insert_template(
    client: httpx.AsyncClient,
    *,
    case_type: str = "service_campaign",
    required: list[str] | None = None,
    active: bool = True,
) -> uuid.UUID:
    template_id = uuid.uuid4()
    async with runtime_of(client).uow() as uow:
        await uow.session.execute(
            tables.case_template.insert().values(
                id=template_id,
                version=1,
                name=f"Template {template_id.hex[:8]}",
                case_type=case_type,
                required_fields=required or [],
                active=active,
                created_at=NOW,
                updated_at=NOW,
            )
        )
        await uow.commit()
    return template_id


async def insert_case(client: httpx.AsyncClient, *, basic_type: str = "parent") -> uuid.UUID:
    case_id = uuid.uuid4()
    async with runtime_of(client).uow() as uow:
        value = await uow.session.scalar(tables.case_number_seq.next_value().select())
        await uow.session.execute(
            tables.case.insert().values(
                id=case_id,
                version=1,
                number=f"CA-{value:06d}",
                basic_type=basic_type,
                title="Parent case",
                created_at=NOW,
                updated_at=NOW,
            )
        )
        await uow.commit()
    return case_id


async def basis(client: httpx.AsyncClient, *, required: list[str] | None = None) -> Basis:
    return Basis(
        template_id=await insert_template(client, required=required),
        parent_id=await insert_case(client),
    )


def campaign_body(b: Basis, **overrides: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "code": "CMP-" + uuid.uuid4().hex[:10],
        "name": "Pump retrofit",
        "translations": {"sv": "Pumpbyte", "sv-SE": "Pumpbyte"},
        "template_id": str(b.template_id),
        "parent_case_id": str(b.parent_id),
        "our_reference": "Anna",
        "cause_code": "RC-7",
        "cause_description": "Bearing wears early",
    }
    body.update(overrides)
    return body


async def new_campaign(client: httpx.AsyncClient, **overrides: Any) -> dict[str, Any]:
    """A draft campaign created through the API (its own template and parent)."""
    b = await basis(client)
    answer = await client.post("/campaigns", json=campaign_body(b, **overrides))
    assert answer.status_code == 201, answer.text
    campaign: dict[str, Any] = answer.json()
    return campaign


async def add(client: httpx.AsyncClient, campaign_id: str, serials: list[Any]) -> dict[str, Any]:
    answer = await client.post(
        f"/campaigns/{campaign_id}/serials", json={"serial_numbers": serials}
    )
    assert answer.status_code == 200, answer.text
    summary: dict[str, Any] = answer.json()
    return summary


async def etag(client: httpx.AsyncClient, campaign_id: str) -> str:
    answer = await client.get(f"/campaigns/{campaign_id}")
    assert answer.status_code == 200, answer.text
    return answer.headers["ETag"]


async def release(client: httpx.AsyncClient, campaign_id: str) -> httpx.Response:
    return await client.post(
        f"/campaigns/{campaign_id}/release",
        headers={"If-Match": await etag(client, campaign_id)},
    )


async def serial_pages(
    client: httpx.AsyncClient, campaign_id: str, **params: Any
) -> list[dict[str, Any]]:
    """Every line of the campaign's serial list, following the cursors."""
    lines: list[dict[str, Any]] = []
    cursor: str | None = None
    while True:
        query = dict(params, limit=500)
        if cursor:
            query["cursor"] = cursor
        answer = await client.get(f"/campaigns/{campaign_id}/serials", params=query)
        assert answer.status_code == 200, answer.text
        page = answer.json()
        lines.extend(page["items"])
        cursor = page["next_cursor"]
        if cursor is None:
            return lines


async def add_item(
    client: httpx.AsyncClient,
    world: World,
    serial_number: str,
    *,
    product_number: str | None = None,
    owner_id: uuid.UUID | str | None = "world",
    order_customer_id: uuid.UUID | str | None = "world",
    org_unit_id: uuid.UUID | str | None = "world",
    status: str = "active",
) -> uuid.UUID:
    """One more serial item in the projection (on another product when named)."""
    item_id = uuid.uuid4()
    async with runtime_of(client).uow() as uow:
        await uow.session.execute(
            tables.serial_item.insert().values(
                id=item_id,
                version=1,
                serial_number=serial_number,
                product_id=world.product_id if product_number is None else uuid.uuid4(),
                product_number=product_number or f"P-{world.tag}",
                owner_customer_id=world.owner_id if owner_id == "world" else owner_id,
                initial_order_customer_id=(
                    world.order_customer_id if order_customer_id == "world" else order_customer_id
                ),
                org_unit_id=world.org_unit_id if org_unit_id == "world" else org_unit_id,
                status=status,
            )
        )
        await uow.commit()
    return item_id


async def set_item(client: httpx.AsyncClient, item_id: uuid.UUID, **values: Any) -> None:
    async with runtime_of(client).uow() as uow:
        await uow.session.execute(
            update(tables.serial_item).where(tables.serial_item.c.id == item_id).values(values)
        )
        await uow.commit()


async def opened_events(client: httpx.AsyncClient, campaign_id: str) -> list[dict[str, Any]]:
    """The payloads of the CampaignCaseOpened the outbox holds for the campaign."""
    async with runtime_of(client).uow() as uow:
        bodies = (
            await uow.session.scalars(
                select(outbox_message.c.body).where(
                    outbox_message.c.message_type == "campaigns.case.opened",
                    outbox_message.c.body["payload"]["campaign_id"].astext == campaign_id,
                )
            )
        ).all()
    return [b["payload"] for b in bodies]


async def campaign_cases(client: httpx.AsyncClient, campaign_id: str) -> list[dict[str, Any]]:
    async with runtime_of(client).uow() as uow:
        rows = (
            await uow.session.execute(
                select(tables.case)
                .where(tables.case.c.campaign_id == uuid.UUID(campaign_id))
                .order_by(tables.case.c.number)
            )
        ).mappings()
        return [dict(r) for r in rows]


async def count_lines(client: httpx.AsyncClient, campaign_id: str) -> int:
    async with runtime_of(client).uow() as uow:
        n = await uow.session.scalar(
            select(func.count()).where(
                tables.campaign_serial.c.campaign_id == uuid.UUID(campaign_id)
            )
        )
    return int(n or 0)
