"""Personal "service reminder" notifications (issue 17 item 11, seed 004): scheduling's
daily digest of an org unit's callouts reaches, through the real broker, exactly the
users who chose it and may see that org unit, once however often it arrives."""

from __future__ import annotations

import uuid
from datetime import date
from typing import Any

import httpx
from sqlalchemy import select

from aftersales_contracts.scheduling import CalloutDigestCompiled, DigestCallout
from aftersales_kit.messaging_tables import inbox_message, outbox_message
from aftersales_kit.runtime import ServiceRuntime
from aftersales_testing.builders import unique
from aftersales_testing.messaging import publish
from aftersales_testing.waiting import consumed, eventually
from notifications import tables
from notifications.settings import Settings

from .test_fieldwork_events import account, choose, org_unit

DAY = date(2026, 11, 30)


async def queued_for(runtime: ServiceRuntime, code: str) -> list[dict[str, Any]]:
    async with runtime.sessionmaker() as session:
        bodies = (
            await session.scalars(
                select(outbox_message.c.body).where(
                    outbox_message.c.routing_key == "notifications.send_message",
                    outbox_message.c.body["payload"]["idempotency_key"].astext.startswith(
                        f"service-reminder:{code}:"
                    ),
                )
            )
        ).all()
    return [b["payload"] for b in bodies]


async def test_a_digest_reaches_the_users_who_chose_it_and_see_its_org_unit(
    client: httpx.AsyncClient, runtime: ServiceRuntime, settings: Settings
) -> None:
    region_code, branch_code, other_code = (f"{p}-{unique()}" for p in ("reg", "br", "oth"))
    region = await org_unit(runtime, region_code)
    branch = await org_unit(runtime, branch_code, parent_id=region)
    await org_unit(runtime, other_code)
    planner, regional, outsider, technician, uninterested = (
        f"{who}-{unique()}" for who in ("planner", "regional", "outsider", "tech", "uninterested")
    )
    await account(client, planner, "operator", email=f"{planner}@example.com")
    await choose(
        client,
        planner,
        events=["service_reminder"],
        email_enabled=True,
        sms_enabled=True,
        mobile="+46700000002",
    )
    await account(
        client, regional, "viewer", email=f"{regional}@example.com", org_units=(region_code,)
    )
    await choose(client, regional, events=["service_reminder"], email_enabled=True)
    await account(
        client, outsider, "operator", email=f"{outsider}@example.com", org_units=(other_code,)
    )
    await choose(client, outsider, events=["service_reminder"], email_enabled=True)
    await account(client, technician, "technician", email=f"{technician}@example.com")
    await choose(client, technician, events=["service_reminder"], email_enabled=True)
    await account(client, uninterested, "operator", email=f"{uninterested}@example.com")
    await choose(client, uninterested, events=["booked"], email_enabled=True)

    digest = CalloutDigestCompiled(
        org_unit_id=branch,
        org_unit_code=branch_code,
        day=DAY,
        awaiting_approval=2,
        failed=1,
        callouts=[
            DigestCallout(
                callout_id=uuid.uuid4(),
                state="failed",
                scheduled_for=DAY,
                service_type_name="Annual inspection",
                step_description="1st reminder",
                serial_number="SN-1",
                customer_name="Ada Lovelace",
            )
        ],
    )
    mine = {planner, regional, outsider, technician, uninterested}
    for _ in range(2):  # delivered twice (a redelivery, a second compile): told once
        envelope = await publish(runtime.broker, settings.broker_prefix, digest)
        await consumed(runtime.sessionmaker, envelope.message_id, consumer="scheduling-events")
    queued = [q for q in await queued_for(runtime, branch_code) if q["requested_by"] in mine]
    # Each arrival queues its requests; their idempotency keys (org unit, day, user,
    # channel) are the same, so the send path makes one message of each.
    keys = {q["idempotency_key"]: (q["requested_by"], q["channel"]) for q in queued}
    assert len(queued) == 2 * len(keys)
    assert sorted(keys.values()) == sorted(
        [(planner, "email"), (planner, "sms"), (regional, "email")]
    )
    assert {q["org_unit_id"] for q in queued} == {str(branch)}

    async def planners_email() -> list[dict[str, Any]]:
        async with runtime.sessionmaker() as session:
            rows = await session.execute(
                select(tables.message).where(
                    tables.message.c.idempotency_key.startswith(f"service-reminder:{branch_code}:"),
                    tables.message.c.requested_by == planner,
                    tables.message.c.channel == "email",
                )
            )
            return [dict(r) for r in rows.mappings()]

    [message] = await eventually(planners_email, what="the planner's reminder")
    # Both requests with its key consumed: still one message.
    await eventually(
        lambda: _consumed_requests(runtime, message["idempotency_key"]), what="both requests"
    )
    assert len(await planners_email()) == 1
    assert message["subject"] == f"Service reminder: {branch_code}, {DAY.isoformat()}"
    assert "Awaiting approval: 2" in message["body_text"]
    assert "Failed: 1" in message["body_text"]
    assert "SN-1" in message["body_text"]
    assert message["recipients"] == [f"{planner}@example.com"]


async def _consumed_requests(runtime: ServiceRuntime, key: str) -> bool:
    """Both send requests with ``key`` have been consumed (the inbox holds their ids)."""
    async with runtime.sessionmaker() as session:
        ids = (
            await session.scalars(
                select(outbox_message.c.message_id).where(
                    outbox_message.c.body["payload"]["idempotency_key"].astext == key
                )
            )
        ).all()
        done = (
            await session.scalars(
                select(inbox_message.c.message_id).where(inbox_message.c.message_id.in_(ids))
            )
        ).all()
    return len(ids) == 2 and len(done) == 2
