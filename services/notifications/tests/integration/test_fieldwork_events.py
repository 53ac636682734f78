"""Users told of field work's events, through the real broker and database: the gateway's
pushed accounts (``PUT /user-accounts/{username}``), the users' choices, and an order
event turning into messages for exactly the users it concerns."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime, time
from typing import Any

import httpx
from sqlalchemy import select
from sqlalchemy.dialects.postgresql import insert

from aftersales_contracts.fieldwork import (
    BookingSnapshot,
    Priority,
    ServiceOrderBooked,
    ServiceOrderChanged,
    ServiceOrderCreated,
    ServiceOrderSnapshot,
    Stage,
)
from aftersales_kit.messaging_tables import outbox_message
from aftersales_kit.runtime import ServiceRuntime
from aftersales_testing.builders import customer_registered, unique
from aftersales_testing.messaging import publish
from aftersales_testing.waiting import consumed, eventually
from notifications import tables
from notifications.settings import Settings

MINE = "/my-notification-preferences"
NOW = datetime(2026, 11, 30, 7, 0, tzinfo=UTC)


async def account(
    client: httpx.AsyncClient,
    username: str,
    *roles: str,
    email: str | None = None,
    mobile: str | None = None,
    org_units: tuple[str, ...] = (),
    active: bool = True,
    version: int = 1,
) -> httpx.Response:
    """What the gateway pushes of a user account."""
    return await client.put(
        f"/user-accounts/{username}",
        json={
            "version": version,
            "display_name": username.title(),
            "email": email,
            "mobile": mobile,
            "roles": list(roles),
            "org_units": list(org_units),
            "active": active,
        },
    )


async def choose(client: httpx.AsyncClient, username: str, **body: Any) -> None:
    headers = {"X-Aftersales-User": username}
    etag = (await client.get(MINE, headers=headers)).headers["ETag"]
    saved = await client.put(MINE, json=body, headers=headers | {"If-Match": etag})
    assert saved.status_code == 200, saved.text


async def org_unit(
    runtime: ServiceRuntime, code: str, parent_id: uuid.UUID | None = None
) -> uuid.UUID:
    unit_id = uuid.uuid4()
    async with runtime.uow() as uow:
        await uow.session.execute(
            insert(tables.org_unit).values(
                id=unit_id, version=1, code=code, parent_id=parent_id, updated_at=NOW
            )
        )
        await uow.commit()
    return unit_id


def snapshot(
    org_unit_id: uuid.UUID | None,
    customer_id: uuid.UUID | None,
    *,
    technician: tuple[uuid.UUID, str] | None = None,
    booked: bool = False,
) -> ServiceOrderSnapshot:
    bookings = []
    if booked and technician is not None:
        bookings.append(
            BookingSnapshot(
                booking_id=uuid.uuid4(),
                technician_id=technician[0],
                technician_username=technician[1],
                starts_at=datetime(2026, 12, 1, 8, 0, tzinfo=UTC),
                ends_at=datetime(2026, 12, 1, 10, 0, tzinfo=UTC),
                local_date=date(2026, 12, 1),
                local_start=time(9, 0),
                local_end=time(11, 0),
            )
        )
    return ServiceOrderSnapshot(
        order_id=uuid.uuid4(),
        version=2,
        number="SO-" + unique(),
        case_id=uuid.uuid4(),
        stage=Stage.PLANNED if booked else Stage.NEW,
        priority=Priority.NORMAL,
        customer_id=customer_id,
        org_unit_id=org_unit_id,
        technician_id=technician[0] if technician else None,
        technician_username=technician[1] if technician else None,
        bookings=bookings,
    )


async def messages_for(runtime: ServiceRuntime, event_id: uuid.UUID) -> list[dict[str, Any]]:
    """The messages notifications made of one field work event (its own send requests,
    consumed from the broker like anyone's)."""
    async with runtime.sessionmaker() as session:
        rows = await session.execute(
            select(tables.message).where(
                tables.message.c.idempotency_key.startswith(f"fieldwork-event:{event_id}:")
            )
        )
        return [dict(r) for r in rows.mappings()]


async def queued_for(runtime: ServiceRuntime, event_id: uuid.UUID) -> set[tuple[str, str]]:
    """Whom the event's own transaction queued a send request for, by channel: all of
    them are written with the event's inbox mark, so this is final once it is consumed."""
    async with runtime.sessionmaker() as session:
        bodies = (
            await session.scalars(
                select(outbox_message.c.body).where(
                    outbox_message.c.routing_key == "notifications.send_message",
                    outbox_message.c.body["payload"]["idempotency_key"].astext.startswith(
                        f"fieldwork-event:{event_id}:"
                    ),
                )
            )
        ).all()
    return {(b["payload"]["requested_by"], b["payload"]["channel"]) for b in bodies}


def to_whom(messages: list[dict[str, Any]]) -> set[tuple[str, str, str]]:
    return {(m["requested_by"], m["channel"], (m["recipients"] or [""])[0]) for m in messages}


async def test_an_order_event_reaches_exactly_the_users_it_concerns(
    client: httpx.AsyncClient, runtime: ServiceRuntime, settings: Settings
) -> None:
    region = await org_unit(runtime, "reg-" + unique())
    branch = await org_unit(runtime, "br-" + unique(), parent_id=region)
    elsewhere_code = "else-" + unique()
    await org_unit(runtime, elsewhere_code)
    region_code = await _code(runtime, region)
    customer = customer_registered()
    await publish(runtime.broker, settings.broker_prefix, customer)

    tech, other_tech = "tech-" + unique(), "tech-" + unique()
    planner, regional, outsider, idle, ghost, gone = (
        f"{who}-{unique()}" for who in ("planner", "regional", "outsider", "idle", "ghost", "gone")
    )
    # The technician gave addresses only on the account: enough to switch e-mail on.
    assert (
        await account(client, tech, "technician", email=f"{tech}@example.com")
    ).status_code == 200
    await choose(client, tech, events=["order_assigned", "booked"], email_enabled=True)
    await account(client, other_tech, "technician", email=f"{other_tech}@example.com")
    await choose(
        client, other_tech, events=["booked", "order_created_or_changed"], email_enabled=True
    )
    await account(client, planner, "operator", email=f"{planner}@example.com")
    await choose(
        client,
        planner,
        events=["booked", "order_created_or_changed"],
        email_enabled=True,
        sms_enabled=True,
        # The preferences' own number wins over the account's (which has none).
        mobile="+46700000001",
    )
    await account(
        client, regional, "viewer", email=f"{regional}@example.com", org_units=(region_code,)
    )
    await choose(
        client, regional, events=["booked", "order_created_or_changed"], email_enabled=True
    )
    await account(
        client, outsider, "operator", email=f"{outsider}@example.com", org_units=(elsewhere_code,)
    )
    await choose(
        client, outsider, events=["booked", "order_created_or_changed"], email_enabled=True
    )
    await account(client, idle, "operator", email=f"{idle}@example.com")
    await choose(client, idle, events=["service_reminder"], email_enabled=True)
    # Chose the events but the gateway never pushed the account: nothing says what it sees.
    await choose(client, ghost, events=["booked"], email_enabled=True, email="ghost@example.com")
    await account(client, gone, "operator", email=f"{gone}@example.com", active=False)
    await choose(client, gone, events=["booked"], email_enabled=True)

    technician = (uuid.uuid4(), tech)
    # Assigned to the technician (by someone else): the technician hears "assigned"; the
    # planners who chose "created or changed" hear that, if they may see the order.
    order = snapshot(branch, customer.customer_id, technician=technician)
    changed = await publish(
        runtime.broker,
        settings.broker_prefix,
        ServiceOrderChanged(
            order=order,
            changed_by="someone",
            changed_fields=["technician_id"],
            assigned_technician_id=technician[0],
        ),
    )
    await consumed(runtime.sessionmaker, changed.message_id, consumer="fieldwork-events")
    assert await queued_for(runtime, changed.message_id) == {
        (tech, "email"),
        (planner, "email"),
        (planner, "sms"),
        (regional, "email"),
    }
    told = await eventually(
        lambda: messages_for(runtime, changed.message_id),
        lambda found: len(found) == 4,
        what="the messages of the change",
    )
    assert to_whom(told) == {
        (tech, "email", f"{tech}@example.com"),
        (planner, "email", f"{planner}@example.com"),
        (planner, "sms", "+46700000001"),
        (regional, "email", f"{regional}@example.com"),
    }
    assigned = next(m for m in told if m["requested_by"] == tech)
    assert assigned["subject"] == f"Order assigned to you: {order.number}"
    assert assigned["requester"] == "notifications"
    assert assigned["business_object_kind"] == "fieldwork.service_order"
    assert assigned["business_object_id"] == str(order.order_id)
    planner_mail = next(m for m in told if m["requested_by"] == planner and m["channel"] == "email")
    assert planner_mail["subject"] == f"Order changed: {order.number}"
    assert customer.name in planner_mail["body_text"]
    assert "not booked" in planner_mail["body_text"]

    # Booked, by the planner: the planner is not told of their own booking; the other
    # technician, technician-only, does not hear of an order that is not theirs.
    booked_order = snapshot(branch, customer.customer_id, technician=technician, booked=True)
    booked = await publish(
        runtime.broker,
        settings.broker_prefix,
        ServiceOrderBooked(order=booked_order, changed_by=planner.upper()),
    )
    await consumed(runtime.sessionmaker, booked.message_id, consumer="fieldwork-events")
    assert await queued_for(runtime, booked.message_id) == {(tech, "email"), (regional, "email")}
    told = await eventually(
        lambda: messages_for(runtime, booked.message_id),
        lambda found: len(found) == 2,
        what="the messages of the booking",
    )
    assert to_whom(told) == {
        (tech, "email", f"{tech}@example.com"),
        (regional, "email", f"{regional}@example.com"),
    }
    assert all("2026-12-01 09:00-11:00" in m["body_text"] for m in told)

    # An order without an org unit: only unrestricted planners hear of it.
    created = await publish(
        runtime.broker,
        settings.broker_prefix,
        ServiceOrderCreated(order=snapshot(None, None), changed_by="someone"),
    )
    await consumed(runtime.sessionmaker, created.message_id, consumer="fieldwork-events")
    assert {who for who, _ in await queued_for(runtime, created.message_id)} >= {planner}
    assert not {who for who, _ in await queued_for(runtime, created.message_id)} & {
        tech,
        other_tech,
        regional,
        outsider,
        idle,
        ghost,
        gone,
    }
    told = await eventually(
        lambda: messages_for(runtime, created.message_id),
        lambda found: len([m for m in found if m["requested_by"] == planner]) == 2,
        what="the messages of the creation",
    )
    told = [m for m in told if m["requested_by"] == planner]
    assert all("unknown customer" in (m["body_text"] or m["sms_text"]) for m in told)


async def test_a_technician_is_not_told_of_another_technicians_assignment(
    client: httpx.AsyncClient, runtime: ServiceRuntime, settings: Settings
) -> None:
    lonely = "lonely-" + unique()
    await account(client, lonely, "technician", email=f"{lonely}@example.com")
    await choose(client, lonely, events=["order_assigned"], email_enabled=True)
    other = "tech-" + unique()
    await account(client, other, "technician", email=f"{other}@example.com")
    order = snapshot(None, None, technician=(uuid.uuid4(), other))
    changed = await publish(
        runtime.broker,
        settings.broker_prefix,
        ServiceOrderChanged(order=order, assigned_technician_id=order.technician_id),
    )
    await consumed(runtime.sessionmaker, changed.message_id, consumer="fieldwork-events")
    # None for either technician, the assigned one having chosen nothing.
    told = {who for who, _ in await queued_for(runtime, changed.message_id)}
    assert lonely not in told
    assert other not in told


async def _code(runtime: ServiceRuntime, unit_id: uuid.UUID) -> str:
    async with runtime.sessionmaker() as session:
        code = await session.scalar(
            select(tables.org_unit.c.code).where(tables.org_unit.c.id == unit_id)
        )
    assert code is not None
    return str(code)


# --- the accounts the gateway pushes -------------------------------------------------------


async def test_the_gateway_pushes_accounts_newest_version_wins(
    client: httpx.AsyncClient, runtime: ServiceRuntime
) -> None:
    username = "User-" + unique()
    first = await account(client, username, "operator", email="a@example.com", version=2)
    assert first.status_code == 200, first.text
    assert first.json() == {"username": username.lower(), "version": 2, "applied": True}
    stale = await account(client, username, "operator", email="old@example.com", version=1)
    assert stale.json()["applied"] is False
    newer = await account(client, username, "admin", mobile="+4670111", version=3)
    assert newer.json()["applied"] is True
    async with runtime.sessionmaker() as session:
        row = (
            await session.execute(
                select(tables.user_account).where(
                    tables.user_account.c.username == username.lower()
                )
            )
        ).one()
    assert (row.email, row.mobile, row.roles, row.version) == (None, "+4670111", ["admin"], 3)


async def test_pushing_an_account_needs_an_admin_and_valid_addresses(
    client: httpx.AsyncClient,
) -> None:
    username = "user-" + unique()
    for roles in ("operator", ""):
        refused = await client.put(
            f"/user-accounts/{username}",
            json={"version": 1, "display_name": "X"},
            headers={"X-Aftersales-Roles": roles},
        )
        assert refused.status_code == 403
    for body, field in (
        ({"version": 1, "display_name": "X", "email": "nope"}, "email"),
        ({"version": 1, "display_name": "X", "mobile": "0701234567"}, "mobile"),
        ({"version": 0, "display_name": "X"}, "version"),
        ({"version": 1, "display_name": ""}, "display_name"),
        ({"version": 1, "display_name": "X", "password": "x"}, "password"),
    ):
        response = await client.put(f"/user-accounts/{username}", json=body)
        assert response.status_code == 422, response.text
        assert response.json()["field"] == field


async def test_a_channel_needs_an_address_here_or_on_the_account(
    client: httpx.AsyncClient,
) -> None:
    username = "user-" + unique()
    headers = {"X-Aftersales-User": username}
    etag = (await client.get(MINE, headers=headers)).headers["ETag"]
    refused = await client.put(
        MINE, json={"events": ["booked"], "sms_enabled": True}, headers=headers | {"If-Match": etag}
    )
    assert (refused.status_code, refused.json()["field"]) == (422, "mobile")
    await account(client, username, "operator", mobile="+46700000009")
    saved = await client.put(
        MINE, json={"events": ["booked"], "sms_enabled": True}, headers=headers | {"If-Match": etag}
    )
    assert saved.status_code == 200, saved.text
    switches = await client.get(f"/notification-preferences/{username}/channels")
    assert switches.json()["has_mobile"] is True
    assert switches.json()["has_email"] is False
