"""Issue 6 points 1 and 5 and the org-unit rule: the shared applicability rule (pinned and
deleted types), the rolling horizon, per-org-unit sending windows, two dispatchers at
once, and callouts limited to the caller's org units."""

from __future__ import annotations

import asyncio
import uuid
from datetime import UTC, date, datetime, timedelta
from typing import Any

import httpx
from sqlalchemy import select, update

from aftersales_contracts.catalog import SerialItemChanged
from aftersales_contracts.envelope import Envelope
from aftersales_contracts.servicetypes import (
    ApprovalMethod,
    MessageSet,
    ServiceLinkDefinition,
    ServiceTypeChanged,
    StepDefinition,
    StepSchedule,
)
from aftersales_kit.clock import FixedClock
from aftersales_kit.org_units import org_unit_projector
from aftersales_testing.builders import org_unit_changed
from aftersales_testing.messaging import publish
from aftersales_testing.waiting import eventually
from scheduling import dispatch, tables
from scheduling.context import Context
from scheduling.domain import CalloutState
from scheduling.settings import Settings

from .seed import Seed
from .test_callouts import World


def _type(
    product_id: uuid.UUID,
    *,
    steps: list[StepSchedule] | None = None,
    linked: bool = True,
    service_type_id: uuid.UUID | None = None,
    version: int = 1,
    **changes: Any,
) -> ServiceTypeChanged:
    schedules = steps or [StepSchedule(kind="after", span=0, period="days")]
    return ServiceTypeChanged(
        service_type_id=service_type_id or uuid.uuid4(),
        version=version,
        system_name="annual",
        display_name="Annual inspection",
        enabled=True,
        approval_method=ApprovalMethod.MANUAL,
        print_tag=None,
        steps=[
            StepDefinition(
                step_id=uuid.UUID(int=i + 1),
                position=i,
                description=f"reminder {i + 1}",
                schedule=schedule,
                initial=MessageSet(email_subject="Due"),
                on_completion=MessageSet(),
            )
            for i, schedule in enumerate(schedules)
        ],
        links=[
            ServiceLinkDefinition(
                main_product_id=product_id, apply_to_main_product=True, related_product_ids=[]
            )
        ]
        if linked
        else [],
        **changes,
    )


async def _set_state(client: httpx.AsyncClient, callout_id: str, state: CalloutState) -> None:
    runtime = client.app.state.runtime  # type: ignore[attr-defined]
    async with runtime.sessionmaker() as session, session.begin():
        await session.execute(
            update(tables.callout)
            .where(tables.callout.c.id == uuid.UUID(callout_id))
            .values(state=state, send_requested_at=datetime(2026, 11, 1, tzinfo=UTC))
        )


# --- applicability -----------------------------------------------------------------------


async def test_a_pinned_item_gets_its_type_whatever_its_product(
    app_client: httpx.AsyncClient, settings: Settings
) -> None:
    world = World(app_client, settings)
    # The type links another product: only the pin brings it to this item.
    pinned = _type(uuid.uuid4())
    await publish(world.broker, world.prefix, pinned)
    await world.customer()
    await world.item(pinned_service_type_id=pinned.service_type_id)
    [callout] = await eventually(world.callouts, what="a callout for the pinned type")
    assert callout["service_type_id"] == str(pinned.service_type_id)

    # Unpinned: the pending callout is withdrawn, with the reason.
    await world.item(version=2, cls=SerialItemChanged)

    async def withdrawn() -> dict[str, Any] | None:
        [after] = await world.callouts()
        return after if after["state"] == "cancelled" else None

    after = await eventually(withdrawn, what="the callout withdrawn")
    assert after is not None
    assert after["error"] == "the service type no longer applies to the item"


async def test_a_deleted_type_cancels_pending_callouts_and_keeps_history(
    app_client: httpx.AsyncClient, settings: Settings
) -> None:
    world = World(app_client, settings)
    steps = [
        StepSchedule(kind="after", span=0, period="days"),
        StepSchedule(kind="after", span=10, period="days"),
    ]
    service_type = _type(world.product_id, steps=steps)
    await world.customer()
    await world.item()
    await publish(world.broker, world.prefix, service_type)

    async def two() -> list[dict[str, Any]] | None:
        rows = await world.callouts()
        return rows if len(rows) == 2 else None

    planned = await eventually(two, what="two callouts")
    assert planned is not None
    first, second = sorted(planned, key=_by_date)
    await _set_state(app_client, first["id"], CalloutState.SENT)

    deleted = service_type.model_copy(
        update={"version": 2, "deleted": True, "enabled": False, "links": []}
    )
    await publish(world.broker, world.prefix, deleted)

    async def cancelled() -> list[dict[str, Any]] | None:
        rows = sorted(await world.callouts(), key=_by_date)
        return rows if rows[1]["state"] == "cancelled" else None

    withdrawal = await eventually(cancelled, what="the pending callout cancelled")
    assert withdrawal is not None
    sent, withdrawn = withdrawal
    assert (sent["id"], sent["state"]) == (first["id"], "sent")
    assert (withdrawn["id"], withdrawn["error"]) == (second["id"], "service type deleted")


async def test_disabling_a_type_stops_new_callouts(
    app_client: httpx.AsyncClient, settings: Settings
) -> None:
    world = World(app_client, settings)
    service_type = _type(world.product_id)
    await world.customer()
    await world.item()
    await publish(world.broker, world.prefix, service_type)
    [callout] = await eventually(world.callouts, what="a callout")
    await publish(
        world.broker, world.prefix, service_type.model_copy(update={"version": 2, "enabled": False})
    )

    async def withdrawn() -> dict[str, Any] | None:
        [after] = await world.callouts()
        return after if after["state"] == "cancelled" else None

    await eventually(withdrawn, what="the callout withdrawn")
    # A recalculation of the item plans nothing for the disabled type.
    response = await app_client.post(f"/callouts/serial-items/{world.item_id}/recalculate")
    assert response.status_code == 200, response.text
    [after] = await world.callouts()
    assert after["id"] == callout["id"]


def _by_date(row: dict[str, Any]) -> str:
    return str(row["scheduled_for"])


# --- the rolling horizon -----------------------------------------------------------------


async def test_the_horizon_rolls_forward_without_touching_history(
    app_client: httpx.AsyncClient, settings: Settings, clock: FixedClock
) -> None:
    world = World(app_client, settings)
    half_yearly = StepSchedule(
        kind="after", span=0, period="days", repeat_every=6, repeat_period="months"
    )
    await world.customer()
    await world.item()
    await publish(world.broker, world.prefix, _type(world.product_id, steps=[half_yearly]))

    async def three() -> list[dict[str, Any]] | None:
        rows = await world.callouts()
        return rows if len(rows) == 3 else None

    # Startup 2026-11-23, horizon 400 days (2027-12-28): three occurrences.
    planned = await eventually(three, what="three callouts")
    assert planned is not None
    rows = sorted(planned, key=_by_date)
    assert [r["scheduled_for"] for r in rows] == ["2026-11-23", "2027-05-23", "2027-11-23"]
    await _set_state(app_client, rows[0]["id"], CalloutState.SENT)

    clock.advance(timedelta(days=200))  # 2027-06-11: the horizon is 2028-07-15 now
    ctx: Context = app_client.app.state.context  # type: ignore[attr-defined]
    runtime = app_client.app.state.runtime  # type: ignore[attr-defined]
    for _ in range(2):  # twice: the second pass finds nothing to do
        while True:
            async with runtime.uow() as uow:
                if await ctx.planner.extend_horizon(uow) < settings.horizon_batch_size:
                    break
    after = sorted(await world.callouts(), key=_by_date)
    assert [r["scheduled_for"] for r in after] == [
        "2026-11-23",
        "2027-05-23",
        "2027-11-23",
        "2028-05-23",
    ]
    assert [r["id"] for r in after[:3]] == [r["id"] for r in rows]
    assert [r["state"] for r in after] == ["sent"] + ["awaiting_approval"] * 3
    async with runtime.sessionmaker() as session:
        until = await session.scalar(
            select(tables.workflow.c.generated_until).where(
                tables.workflow.c.serial_item_id == world.item_id
            )
        )
    assert until == date(2028, 7, 15)


# --- sending windows ---------------------------------------------------------------------


async def _org_unit(
    client: httpx.AsyncClient,
    code: str,
    *,
    zone: str = "Europe/Stockholm",
    parent_id: uuid.UUID | None = None,
) -> uuid.UUID:
    """An org unit in scheduling's projection, as catalog's event would leave it."""
    runtime = client.app.state.runtime  # type: ignore[attr-defined]
    event = org_unit_changed(code=code, name=code, time_zone=zone, parent_id=parent_id)
    async with runtime.uow() as uow:
        await org_unit_projector(tables.org_unit)(uow, Envelope.wrap(event))
        await uow.commit()
    return event.org_unit_id


OFFICE_HOURS = {
    "weekdays": ["monday", "tuesday", "wednesday", "thursday", "friday"],
    "start": "08:00",
    "end": "18:00",
}


async def test_a_callout_due_outside_its_window_waits_for_the_next_opening(
    app_client: httpx.AsyncClient, clock: FixedClock
) -> None:
    seed = Seed(app_client)
    await seed.world()
    await _org_unit(app_client, seed.org_unit)
    url = f"/callouts/sending-windows/{seed.org_unit}"
    default = await app_client.get(url)
    assert default.status_code == 200, default.text
    assert default.json()["configured"] is False
    window = await app_client.put(url, json=OFFICE_HOURS)
    assert window.status_code == 200, window.text
    assert window.json() | {"updated_at": None} == {
        "org_unit_code": seed.org_unit,
        "time_zone": "Europe/Stockholm",
        "weekdays": OFFICE_HOURS["weekdays"],
        "start": "08:00:00",
        "end": "18:00:00",
        "configured": True,
        "updated_at": None,
        "updated_by": "tester",
        "next_opening": "2026-11-23T09:00:00Z",  # Monday 10:00 in Stockholm: open
    }

    clock.set(datetime(2026, 11, 28, 12, 0, tzinfo=UTC))  # Saturday
    past = datetime(2026, 11, 28, 0, 0, tzinfo=UTC)
    waiting = await seed.callout(CalloutState.APPROVED, due_at=past)
    pushed = await seed.callout(CalloutState.APPROVED, due_at=past)
    monday = datetime(2026, 11, 30, 7, 0, tzinfo=UTC)  # 08:00 in Stockholm

    async def deferred() -> bool:
        return bool((await seed.row(waiting)).due_at == monday)

    await eventually(deferred, what="the callout deferred to Monday 08:00")
    assert await seed.send_requests(waiting) == []

    # "Send now" ignores the window: a person asked for it.
    sent_now = await app_client.post(f"/callouts/{pushed}/send-now")
    assert sent_now.status_code == 200, sent_now.text
    assert len(await seed.send_requests(pushed)) == 1

    clock.set(monday)

    async def sent() -> list[dict[str, Any]]:
        return await seed.send_requests(waiting)

    await eventually(sent, what="the send request when the window opens")


async def test_changing_the_window_reconsiders_deferred_callouts(
    app_client: httpx.AsyncClient, clock: FixedClock
) -> None:
    seed = Seed(app_client)
    await seed.world()
    await _org_unit(app_client, seed.org_unit)
    url = f"/callouts/sending-windows/{seed.org_unit}"
    assert (await app_client.put(url, json=OFFICE_HOURS)).status_code == 200
    clock.set(datetime(2026, 11, 28, 12, 0, tzinfo=UTC))  # Saturday
    callout = await seed.callout(
        CalloutState.APPROVED, date(2026, 11, 28), due_at=datetime(2026, 11, 28, tzinfo=UTC)
    )

    async def deferred() -> bool:
        return bool((await seed.row(callout)).due_at > clock.now())

    await eventually(deferred, what="the callout deferred")
    weekend = OFFICE_HOURS | {"weekdays": ["saturday", "sunday"]}
    assert (await app_client.put(url, json=weekend)).status_code == 200

    async def sent() -> list[dict[str, Any]]:
        return await seed.send_requests(callout)

    await eventually(sent, what="the send request in the new window")
    reset = await app_client.delete(url)
    assert reset.status_code == 200
    assert reset.json()["configured"] is False


async def test_bad_windows_are_refused_naming_the_field(app_client: httpx.AsyncClient) -> None:
    seed = Seed(app_client)
    await _org_unit(app_client, seed.org_unit)
    url = f"/callouts/sending-windows/{seed.org_unit}"
    cases = [
        (OFFICE_HOURS | {"start": "18:00", "end": "08:00"}, "end"),
        (OFFICE_HOURS | {"end": "08:00"}, "end"),
        (OFFICE_HOURS | {"start": "25:00"}, "start"),
        (OFFICE_HOURS | {"weekdays": []}, "weekdays"),
        (OFFICE_HOURS | {"weekdays": ["funday"]}, "weekdays.0"),
        (OFFICE_HOURS | {"start": "08:00+02:00"}, "start"),
        ({"weekdays": ["monday"], "start": "08:00"}, "end"),
    ]
    for body, field in cases:
        response = await app_client.put(url, json=body)
        assert 400 <= response.status_code < 500, (body, response.text)
        assert response.json()["field"] == field, (body, response.json())
    unknown = await app_client.put("/callouts/sending-windows/no-such-unit", json=OFFICE_HOURS)
    assert unknown.status_code == 404
    assert unknown.json()["field"] == "org_unit_code"
    anonymous = await app_client.put(url, json=OFFICE_HOURS, headers={"X-Aftersales-User": ""})
    assert anonymous.status_code == 400


async def test_two_dispatchers_send_each_callout_once(app_client: httpx.AsyncClient) -> None:
    seed = Seed(app_client)
    await seed.world()
    past = datetime(2026, 11, 22, tzinfo=UTC)
    ids = [await seed.callout(CalloutState.APPROVED, due_at=past) for _ in range(30)]
    ctx: Context = app_client.app.state.context  # type: ignore[attr-defined]
    runtime = app_client.app.state.runtime  # type: ignore[attr-defined]

    async def dispatcher() -> int:
        total = 0
        async with runtime.uow() as uow:
            total += await dispatch.dispatch_due(ctx, uow)
        return total

    # Two replicas (and the app's own loop) at once: row locks with SKIP LOCKED.
    await asyncio.gather(dispatcher(), dispatcher(), dispatcher())

    async def all_requested() -> bool:
        rows = [await seed.row(i) for i in ids]
        return all(r.send_requested_at is not None for r in rows)

    await eventually(all_requested, what="every callout requested")
    for callout_id in ids:
        assert len(await seed.send_requests(callout_id)) == 1


# --- org-unit visibility -----------------------------------------------------------------


async def test_callouts_are_limited_to_the_callers_org_units_and_descendants(
    app_client: httpx.AsyncClient,
) -> None:
    seed = Seed(app_client)
    await seed.world()
    region = "region-" + uuid.uuid4().hex[:8]
    region_id = await _org_unit(app_client, region)
    await _org_unit(app_client, seed.org_unit, parent_id=region_id)
    callout = await seed.callout(CalloutState.AWAITING_APPROVAL)
    homeless = await seed.callout(CalloutState.AWAITING_APPROVAL, org_unit=None)

    def as_(codes: str) -> dict[str, str]:
        return {"X-Aftersales-Org-Units": codes}

    class _Listing:
        async def list(self, headers: dict[str, str]) -> httpx.Response:
            params = {"org_unit": seed.org_unit}
            return await app_client.get("/callouts", params=params, headers=headers)

    listing = _Listing()
    for codes in (region, seed.org_unit, f"elsewhere,{region}"):
        listed = await listing.list(headers=as_(codes))
        assert [r["id"] for r in listed.json()["items"]] == [callout], codes
        assert (await app_client.get(f"/callouts/{callout}", headers=as_(codes))).status_code == 200
        assert (
            await app_client.get(f"/callouts/{homeless}", headers=as_(codes))
        ).status_code == 404

    outsider = as_("elsewhere")
    assert (await listing.list(headers=outsider)).json()["items"] == []
    assert (await listing.list(headers=as_(""))).json()["items"] == []
    for path in ("", "/message", "/settings", "/history"):
        response = await app_client.get(f"/callouts/{callout}{path}", headers=outsider)
        assert response.status_code == 404, path
    approve = await app_client.post(f"/callouts/{callout}/approve", headers=outsider)
    assert approve.status_code == 404
    selection = await app_client.post(
        "/callouts/actions/approve", json={"ids": [callout]}, headers=outsider
    )
    assert selection.status_code == 409
    assert selection.json()["skipped"][0]["reason"] == f"no callout with id {callout}"
    approve_all = await app_client.post(
        "/callouts/approve-all", params={"org_unit": seed.org_unit}, headers=outsider
    )
    assert approve_all.json() == {"approved": 0}
    export = await app_client.get(
        "/callouts/export", params={"org_unit": seed.org_unit}, headers=outsider
    )
    assert export.text.strip().count("\n") == 0  # the header only
    recalculate = await app_client.post(
        f"/callouts/serial-items/{seed.item_id}/recalculate", headers=outsider
    )
    assert recalculate.status_code == 404
    window = await app_client.get(f"/callouts/sending-windows/{seed.org_unit}", headers=outsider)
    assert window.status_code == 404
    assert (await seed.row(callout)).state == CalloutState.AWAITING_APPROVAL

    # Unrestricted callers (no header) see everything, the item without an org unit too.
    assert (await app_client.get(f"/callouts/{homeless}")).status_code == 200
    insider = await app_client.post(
        "/callouts/approve-all", params={"org_unit": seed.org_unit}, headers=as_(region)
    )
    assert insider.json() == {"approved": 1}
