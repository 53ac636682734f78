"""Who may see what: the gateway's identity headers (roles, org unit codes) against the
org units of sending settings and messages, with catalog's org units projected from
``OrgUnitChanged`` through the real broker."""

from __future__ import annotations

import uuid
from typing import Any

import httpx
from sqlalchemy import select

from aftersales_contracts.catalog import OrgUnitChanged
from aftersales_kit.runtime import ServiceRuntime
from aftersales_testing.builders import email_address, unique
from aftersales_testing.waiting import consumed, eventually
from notifications import tables

from ..conftest import outbox_payloads
from .helpers import publish, send_body

ROLES = "X-Aftersales-Roles"
ORG_UNITS = "X-Aftersales-Org-Units"


def restricted(*codes: str, roles: str = "admin") -> dict[str, str]:
    return {ROLES: roles, ORG_UNITS: ",".join(codes)}


async def org_units(runtime: ServiceRuntime) -> tuple[str, uuid.UUID, uuid.UUID, uuid.UUID]:
    """A region with a branch below it and an unrelated unit, published as catalog would;
    returns the region's code and the three ids once notifications has projected them."""
    region, branch, other = uuid.uuid4(), uuid.uuid4(), uuid.uuid4()
    code = f"R-{unique()}"
    for unit_id, unit_code, parent in (
        (region, code, None),
        (branch, f"B-{unique()}", region),
        (other, f"O-{unique()}", None),
    ):
        await publish(
            runtime,
            OrgUnitChanged(
                org_unit_id=unit_id,
                version=1,
                code=unit_code,
                name=unit_code,
                time_zone="Europe/Stockholm",
                parent_id=parent,
            ),
        )

    async def projected() -> bool:
        async with runtime.sessionmaker() as session:
            ids = set(
                await session.scalars(
                    select(tables.org_unit.c.id).where(
                        tables.org_unit.c.id.in_([region, branch, other])
                    )
                )
            )
        return len(ids) == 3

    await eventually(projected)
    return code, region, branch, other


async def test_a_newer_org_unit_snapshot_wins_and_an_older_one_is_ignored(
    runtime: ServiceRuntime,
) -> None:
    unit = uuid.uuid4()
    base: dict[str, Any] = {
        "org_unit_id": unit,
        "name": "x",
        "time_zone": "UTC",
        "parent_id": None,
    }

    async def code() -> str | None:
        async with runtime.sessionmaker() as session:
            found: str | None = await session.scalar(
                select(tables.org_unit.c.code).where(tables.org_unit.c.id == unit)
            )
        return found

    newer = await publish(runtime, OrgUnitChanged(**base, version=2, code="NEW"))
    await consumed(runtime.sessionmaker, newer.message_id)
    # Version 1 arrives after version 2 was applied: once it is consumed, 2 still stands.
    older = await publish(runtime, OrgUnitChanged(**base, version=1, code="OLD"))
    await consumed(runtime.sessionmaker, older.message_id)
    assert await code() == "NEW"

    newest = f"NEWEST-{unique()}"
    await publish(runtime, OrgUnitChanged(**base, version=3, code=newest))
    await eventually(code, lambda found: found == newest, what="version 3 projected")


async def test_admin_only_routes_refuse_non_admins_and_a_missing_roles_header(
    client: httpx.AsyncClient, bare_client: httpx.AsyncClient
) -> None:
    unit = uuid.uuid4()
    switches = f"/notification-preferences/user-{unique()}/channels"
    for path in (switches, "/sending-settings", f"/sending-settings/{unit}"):
        for http, headers in (
            (bare_client, {}),
            (client, {ROLES: "operator"}),
            (client, {ROLES: ""}),
            (client, {ROLES: "viewer,operator"}),
        ):
            response = await http.get(path, headers=headers)
            assert response.status_code == 403, (path, headers, response.text)
            assert response.json()["field"] == ROLES
    refused = await bare_client.put(f"/sending-settings/{unit}", json={"footer": "x"})
    assert refused.status_code == 403
    switched = await bare_client.patch(switches, json={"email_enabled": False})
    assert switched.status_code == 403
    # Nothing was stored by the refused write.
    assert (await client.get(f"/sending-settings/{unit}")).status_code == 404


async def test_sending_settings_only_for_the_callers_org_units(
    runtime: ServiceRuntime, client: httpx.AsyncClient
) -> None:
    code, region, branch, other = await org_units(runtime)
    mine = restricted(code)

    # A region's admin sets its own units' settings, the branch below it included ...
    for unit in (region, branch):
        created = await client.put(f"/sending-settings/{unit}", json={"footer": "F"}, headers=mine)
        assert created.status_code == 201, created.text
    # ... but not another unit's: 403 naming org_unit_id, nothing stored.
    refused = await client.put(f"/sending-settings/{other}", json={"footer": "F"}, headers=mine)
    assert (refused.status_code, refused.json()["field"]) == (403, "org_unit_id")
    assert (await client.put(f"/sending-settings/{other}", json={"footer": "O"})).status_code == 201

    # Reading another unit's settings: as if there were none.
    assert (await client.get(f"/sending-settings/{other}", headers=mine)).status_code == 404
    assert (await client.get(f"/sending-settings/{branch}", headers=mine)).status_code == 200
    listed = {
        s["org_unit_id"] for s in (await client.get("/sending-settings", headers=mine)).json()
    }
    assert {str(region), str(branch)} <= listed
    assert str(other) not in listed
    everything = {s["org_unit_id"] for s in (await client.get("/sending-settings")).json()}
    assert str(other) in everything

    deleted = await client.delete(f"/sending-settings/{other}", headers=mine | {"If-Match": '"1"'})
    assert (deleted.status_code, deleted.json()["field"]) == (403, "org_unit_id")
    # An empty header sees no org unit; an unknown code is no org unit either.
    for nobody in (restricted(), restricted(f"UNKNOWN-{unique()}")):
        assert (await client.get(f"/sending-settings/{region}", headers=nobody)).status_code == 404
        assert (await client.get("/sending-settings", headers=nobody)).json() == []


async def test_messages_of_other_org_units_are_hidden_from_the_sent_log(
    runtime: ServiceRuntime, client: httpx.AsyncClient
) -> None:
    code, _, branch, other = await org_units(runtime)
    mine = restricted(code, roles="viewer")
    business_object: dict[str, Any] = {"kind": "scheduling.callout", "id": unique(), "version": 1}

    async def send(org_unit: uuid.UUID | None) -> dict[str, Any]:
        # Explicit addresses with channel sms: blocked at once (no SMS number), so nothing
        # is queued for a sender; the visibility rule does not care about the state.
        body = send_body(
            recipient={"emails": [email_address()]},
            channel="sms",
            business_object=business_object,
            org_unit_id=str(org_unit) if org_unit else None,
        )
        response = await client.post("/messages", json=body)
        assert response.status_code == 202, response.text
        out: dict[str, Any] = response.json()
        return out

    in_branch, in_other, in_none = await send(branch), await send(other), await send(None)
    assert in_branch["org_unit_id"] == str(branch)

    params = {
        "business_object_kind": "scheduling.callout",
        "business_object_id": business_object["id"],
    }
    everything = (await client.get("/messages", params=params)).json()["items"]
    assert {m["message_id"] for m in everything} == {
        in_branch["id"],
        in_other["id"],
        in_none["id"],
    }
    seen = (await client.get("/messages", params=params, headers=mine)).json()["items"]
    assert {m["message_id"] for m in seen} == {in_branch["id"], in_none["id"]}
    nothing = (await client.get("/messages", params=params, headers=restricted())).json()
    assert [m["message_id"] for m in nothing["items"]] == [in_none["id"]]

    # One message of another org unit: 404, as if it did not exist; its files too.
    assert (await client.get(f"/messages/{in_other['id']}", headers=mine)).status_code == 404
    files = await client.get(f"/messages/{in_other['id']}/attachments", headers=mine)
    assert files.status_code == 404
    assert (await client.get(f"/messages/{in_branch['id']}", headers=mine)).status_code == 200
    assert (await client.get(f"/messages/{in_none['id']}", headers=mine)).status_code == 200
    assert (await client.get(f"/messages/{in_other['id']}")).status_code == 200

    # Sending for another org unit: 403 naming org_unit_id, nothing stored.
    body = send_body(org_unit_id=str(other), channel="sms")
    refused = await client.post("/messages", json=body, headers=mine)
    assert (refused.status_code, refused.json()["field"]) == (403, "org_unit_id")
    async with runtime.sessionmaker() as session:
        stored = await session.scalar(
            select(tables.message.c.id).where(
                tables.message.c.idempotency_key == body["idempotency_key"]
            )
        )
    assert stored is None
    # A key already used for a message the caller may not see says nothing about it.
    reused = send_body(idempotency_key=in_other["idempotency_key"], channel="sms")
    conflict = await client.post("/messages", json=reused, headers=mine)
    assert (conflict.status_code, conflict.json()["field"]) == (409, "idempotency_key")


async def test_a_blocked_message_reports_the_trace_of_the_decision(
    runtime: ServiceRuntime, client: httpx.AsyncClient
) -> None:
    response = await client.post(
        "/messages", json=send_body(recipient={"emails": [email_address()]}, channel="sms")
    )
    message = response.json()
    assert (message["status"], message["reason"]) == ("blocked", "sms_setup_missing")
    assert message["trace_id"]
    blocked = await eventually(
        lambda: outbox_payloads(runtime, "notifications.message.blocked", message["id"])
    )
    assert blocked[0]["trace_id"] == message["trace_id"]
