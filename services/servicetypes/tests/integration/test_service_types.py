"""Defining service types over HTTP against the real database, and the events they record."""

from __future__ import annotations

import asyncio
import copy
import uuid
from datetime import datetime
from typing import Any

import httpx
import pytest
from sqlalchemy import select

from aftersales_contracts.placeholders import CALLOUT_PLACEHOLDERS
from aftersales_kit.messaging_tables import outbox_message
from aftersales_testing.waiting import eventually

CHANGED = "servicetypes.service_type.changed"


def _n() -> str:
    return uuid.uuid4().hex[:10]


def _body(**extra: Any) -> dict[str, Any]:
    """Two steps ("after 0 days from startup", "1 month after step 0") and one link."""
    body: dict[str, Any] = {
        "display_name": f"Annual inspection {_n()}",
        "system_name": f"annual_inspection_{_n()}",
        "enabled": True,
        "approval_method": "automatic",
        "print_tag": "INSPECTION",
        "steps": [
            {
                "description": "1st reminder",
                "schedule": {"kind": "after", "span": 0, "period": "days", "anchor": "startup"},
                "initial": {
                    "email_subject": "Service due for {{ serial_number }}",
                    "email_body": "Dear {{ customer_name }}, your {{product_name}} is due "
                    "on {{ scheduled_date }}.",
                },
                "on_completion": {"sms_text": "Thank you, {{ customer_name }}."},
            },
            {
                "description": "2nd reminder",
                "schedule": {
                    "kind": "after",
                    "span": 1,
                    "period": "months",
                    "anchor": "step",
                    "anchor_step_position": 0,
                    "limit_repetitions": 1,
                },
            },
        ],
        "links": [{"main_product_id": str(uuid.uuid4()), "apply_to_main_product": True}],
    }
    return body | extra


async def _create(client: httpx.AsyncClient, **extra: Any) -> dict[str, Any]:
    response = await client.post("/service-types", json=_body(**extra))
    assert response.status_code == 201, response.text
    return dict(response.json())


async def _events(client: httpx.AsyncClient, service_type_id: str) -> list[dict[str, Any]]:
    runtime = client._transport.app.state.runtime  # type: ignore[attr-defined]
    async with runtime.sessionmaker() as session:
        bodies = (
            await session.scalars(
                select(outbox_message.c.body)
                .where(outbox_message.c.routing_key == CHANGED)
                .order_by(outbox_message.c.id)
            )
        ).all()
    return [b for b in bodies if b["payload"]["service_type_id"] == service_type_id]


async def test_create_answers_the_definition_and_records_the_event(
    client: httpx.AsyncClient,
) -> None:
    body = _body()
    response = await client.post("/service-types", json=body)
    assert response.status_code == 201, response.text
    created = response.json()
    assert created["version"] == 1
    assert response.headers["ETag"] == '"1"'
    assert response.headers["Location"] == f"/service-types/{created['id']}"
    first, second = created["steps"]
    assert [first["position"], second["position"]] == [0, 1]
    assert uuid.UUID(first["step_id"]) != uuid.UUID(second["step_id"])
    assert second["schedule"]["anchor_step_id"] == first["step_id"]
    assert "anchor_step_position" not in second["schedule"]
    assert first["initial"]["email_subject"] == body["steps"][0]["initial"]["email_subject"]
    assert created["links"] == [
        {
            "main_product_id": body["links"][0]["main_product_id"],
            "apply_to_main_product": True,
            "related_product_ids": [],
            "pre_code": None,
        }
    ]

    fetched = await client.get(f"/service-types/{created['id']}")
    assert fetched.status_code == 200
    assert fetched.json() == created
    assert fetched.headers["ETag"] == '"1"'

    [event] = await _events(client, created["id"])
    assert event["type"] == CHANGED
    payload = event["payload"]
    assert payload["version"] == 1
    assert payload["system_name"] == body["system_name"]
    assert payload["approval_method"] == "automatic"
    assert payload["steps"] == created["steps"]
    assert payload["links"] == created["links"]


async def test_the_relay_delivers_the_event_to_the_broker(client: httpx.AsyncClient) -> None:
    created = await _create(client)
    [event] = await _events(client, created["id"])
    runtime = client._transport.app.state.runtime  # type: ignore[attr-defined]

    async def published_at() -> datetime | None:
        async with runtime.sessionmaker() as session:
            at: datetime | None = await session.scalar(
                select(outbox_message.c.published_at).where(
                    outbox_message.c.message_id == uuid.UUID(event["message_id"])
                )
            )
        return at

    # Set only once the broker confirmed the message (the relay's rule).
    await eventually(published_at, what="the outbox relay published the event")


async def test_concurrent_updates_of_one_version_let_one_win(client: httpx.AsyncClient) -> None:
    created = await _create(client)
    url = f"/service-types/{created['id']}"
    bodies = [_body(system_name=created["system_name"], display_name=n) for n in ("A", "B")]
    responses = await asyncio.gather(
        *(client.put(url, json=b, headers={"If-Match": '"1"'}) for b in bodies)
    )
    assert sorted(r.status_code for r in responses) == [200, 412]
    winner = next(r.json() for r in responses if r.status_code == 200)
    assert (await client.get(url)).json() == winner
    assert [e["payload"]["version"] for e in await _events(client, created["id"])] == [1, 2]


async def test_list_is_ordered_by_display_name(client: httpx.AsyncClient) -> None:
    tag = _n()
    names = [f"zz {tag} b", f"ZZ {tag} a", f"zz {tag} c"]
    for name in names:
        await _create(client, display_name=name)
    response = await client.get("/service-types")
    assert response.status_code == 200
    listed = [t["display_name"] for t in response.json()["items"] if tag in t["display_name"]]
    assert listed == [f"ZZ {tag} a", f"zz {tag} b", f"zz {tag} c"]
    assert all(t["steps"] for t in response.json()["items"] if tag in t["display_name"])


async def test_update_replaces_the_definition_and_keeps_sent_step_ids(
    client: httpx.AsyncClient,
) -> None:
    created = await _create(client)
    first = created["steps"][0]
    body = _body(display_name="Biennial inspection", system_name=created["system_name"])
    # Keep step 0 by its id; replace step 1 by a new step anchored to it by id.
    body["steps"][0]["step_id"] = first["step_id"]
    body["steps"][1]["schedule"].pop("anchor_step_position")
    body["steps"][1]["schedule"]["anchor_step_id"] = first["step_id"]
    body["links"] = []

    response = await client.put(
        f"/service-types/{created['id']}", json=body, headers={"If-Match": '"1"'}
    )
    assert response.status_code == 200, response.text
    updated = response.json()
    assert updated["version"] == 2
    assert response.headers["ETag"] == '"2"'
    assert updated["display_name"] == "Biennial inspection"
    assert updated["steps"][0]["step_id"] == first["step_id"]
    assert updated["steps"][1]["step_id"] != created["steps"][1]["step_id"]
    assert updated["steps"][1]["schedule"]["anchor_step_id"] == first["step_id"]
    assert updated["links"] == []
    assert (await client.get(f"/service-types/{created['id']}")).json() == updated

    # A GET answer round-trips, its version field standing in for If-Match.
    again = copy.deepcopy(updated)
    again["enabled"] = False
    response = await client.put(f"/service-types/{created['id']}", json=again)
    assert response.status_code == 200, response.text
    assert response.json()["version"] == 3
    assert response.json()["steps"] == updated["steps"]

    events = await _events(client, created["id"])
    assert [e["payload"]["version"] for e in events] == [1, 2, 3]
    assert events[1]["payload"]["display_name"] == "Biennial inspection"
    assert events[2]["payload"]["enabled"] is False


async def test_a_stale_version_is_refused_and_changes_nothing(client: httpx.AsyncClient) -> None:
    created = await _create(client)
    url = f"/service-types/{created['id']}"
    body = _body(system_name=created["system_name"])
    assert (await client.put(url, json=body, headers={"If-Match": '"1"'})).status_code == 200

    # Stale by If-Match or by the body's version: one answer, the kit's (412, current_version).
    for stale in (
        await client.put(url, json=body | {"display_name": "lost"}, headers={"If-Match": '"1"'}),
        await client.put(url, json=body | {"display_name": "lost", "version": 1}),
    ):
        assert stale.status_code == 412, stale.text
        assert (stale.json()["field"], stale.json()["current_version"]) == ("If-Match", 2)

    missing = await client.put(url, json=body)
    assert (missing.status_code, missing.json()["field"]) == (428, "If-Match")
    contradicting = await client.put(url, json=body | {"version": 1}, headers={"If-Match": "2"})
    assert (contradicting.status_code, contradicting.json()["field"]) == (422, "version")
    elsewhere = await client.put(url, json=body | {"id": str(uuid.uuid4()), "version": 2})
    assert elsewhere.status_code == 422
    assert elsewhere.json()["field"] == "id"
    malformed = await client.put(url, json=body, headers={"If-Match": "*"})
    assert malformed.status_code == 400
    assert malformed.json()["field"] == "If-Match"

    current = (await client.get(url)).json()
    assert current["version"] == 2
    assert current["display_name"] != "lost"
    assert len(await _events(client, created["id"])) == 2


async def test_unknown_ids_answer_404(client: httpx.AsyncClient) -> None:
    unknown = f"/service-types/{uuid.uuid4()}"
    assert (await client.get(unknown)).status_code == 404
    response = await client.put(unknown, json=_body(), headers={"If-Match": '"1"'})
    assert response.status_code == 404
    assert (await client.get("/service-types/not-a-uuid")).status_code == 422


async def test_system_names_are_unique(client: httpx.AsyncClient) -> None:
    taken = await _create(client)
    again = await client.post("/service-types", json=_body(system_name=taken["system_name"]))
    assert again.status_code == 409
    assert again.json()["field"] == "system_name"

    other = await _create(client)
    renamed = await client.put(
        f"/service-types/{other['id']}",
        json=_body(system_name=taken["system_name"]),
        headers={"If-Match": '"1"'},
    )
    assert renamed.status_code == 409
    assert renamed.json()["field"] == "system_name"
    assert (await client.get(f"/service-types/{other['id']}")).json() == other


def _step(schedule: dict[str, Any], **extra: Any) -> dict[str, Any]:
    return {"description": "step", "schedule": schedule, **extra}


AFTER = {"kind": "after", "span": 0, "period": "days"}

BAD_INPUT: list[tuple[dict[str, Any], str]] = [
    ({"system_name": "Annual Inspection"}, "system_name"),
    ({"system_name": "1st"}, "system_name"),
    ({"display_name": ""}, "display_name"),
    ({"approval_method": "sometimes"}, "approval_method"),
    ({"steps": [_step({"kind": "after", "period": "days"})]}, "steps.0.schedule.span"),
    ({"steps": [_step({"kind": "after", "span": -1, "period": "days"})]}, "steps.0.schedule.span"),
    ({"steps": [_step({"kind": "after", "span": 1})]}, "steps.0.schedule.period"),
    (
        {"steps": [_step({"kind": "after", "span": 1, "period": "weeks"})]},
        "steps.0.schedule.period",
    ),
    (
        {"steps": [_step({**AFTER, "anchor": "step", "anchor_step_position": 0})]},
        "steps.0.schedule.anchor_step_position",
    ),
    (
        {"steps": [_step(AFTER), _step({**AFTER, "anchor": "step", "anchor_step_position": 7})]},
        "steps.1.schedule.anchor_step_position",
    ),
    (
        {"steps": [_step(AFTER), _step({**AFTER, "anchor": "step"})]},
        "steps.1.schedule.anchor_step_position",
    ),
    (
        {
            "steps": [
                _step(AFTER),
                _step({**AFTER, "anchor": "step", "anchor_step_id": str(uuid.uuid4())}),
            ]
        },
        "steps.1.schedule.anchor_step_id",
    ),
    (
        {
            "steps": [
                _step({**AFTER, "anchor": "step", "anchor_step_position": 1}),
                _step({**AFTER, "anchor": "step", "anchor_step_position": 0}),
            ]
        },
        "steps.0.schedule.anchor_step_position",
    ),
    ({"steps": [_step({"kind": "exact_date"})]}, "steps.0.schedule.exact_date"),
    (
        {"steps": [_step({"kind": "exact_date", "exact_date": "2027-02-30"})]},
        "steps.0.schedule.exact_date",
    ),
    ({"steps": [_step({"kind": "monthly"})]}, "steps.0.schedule.day"),
    ({"steps": [_step({"kind": "monthly", "day": 32})]}, "steps.0.schedule.day"),
    ({"steps": [_step({"kind": "yearly", "day": 1})]}, "steps.0.schedule.month"),
    ({"steps": [_step({"kind": "yearly", "day": 1, "month": 13})]}, "steps.0.schedule.month"),
    ({"steps": [_step({"kind": "yearly", "day": 0, "month": 1})]}, "steps.0.schedule.day"),
    ({"steps": [_step({**AFTER, "repeat_every": 1})]}, "steps.0.schedule.repeat_period"),
    ({"steps": [_step({**AFTER, "limit_repetitions": 0})]}, "steps.0.schedule.limit_repetitions"),
    ({"steps": [_step({**AFTER, "colour": "red"})]}, "steps.0.schedule.colour"),
    (
        {"steps": [_step(AFTER, initial={"email_body": "Hi {{ password }}"})]},
        "steps.0.initial.email_body",
    ),
    (
        {"steps": [_step(AFTER, initial={"email_subject": "{{ nope }}"})]},
        "steps.0.initial.email_subject",
    ),
    ({"steps": [_step(AFTER, initial={"sms_text": "{{ nope }}"})]}, "steps.0.initial.sms_text"),
    (
        {"steps": [_step(AFTER, on_completion={"print_text": "{{ nope }}"})]},
        "steps.0.on_completion.print_text",
    ),
    ({"steps": [_step(AFTER, step_id=str(uuid.uuid4()))]}, "steps.0.step_id"),
    ({"steps": [_step(AFTER, position=3)]}, "steps.0.position"),
    ({"links": [{"main_product_id": "not-a-uuid"}]}, "links.0.main_product_id"),
    (
        {"links": [{"main_product_id": str(uuid.UUID(int=9)), "apply_to_main_product": False}]},
        "links.0.related_product_ids",
    ),
    # Bounds that keep every date inside the calendar.
    (
        {"steps": [_step({"kind": "after", "span": 101, "period": "years"})]},
        "steps.0.schedule.span",
    ),
    (
        {"steps": [_step({**AFTER, "repeat_every": 1201, "repeat_period": "months"})]},
        "steps.0.schedule.repeat_every",
    ),
    (
        {"steps": [_step({**AFTER, "limit_repetitions": 1001})]},
        "steps.0.schedule.limit_repetitions",
    ),
    (
        {"steps": [_step({"kind": "never", "limit_repetitions": 2})]},
        "steps.0.schedule.limit_repetitions",
    ),
    (
        {
            "steps": [
                _step({"kind": "monthly", "day": 1, "repeat_every": 2, "repeat_period": "days"})
            ]
        },
        "steps.0.schedule.repeat_period",
    ),
    (
        {
            "steps": [
                _step(
                    {
                        "kind": "yearly",
                        "day": 1,
                        "month": 3,
                        "repeat_every": 6,
                        "repeat_period": "months",
                    }
                )
            ]
        },
        "steps.0.schedule.repeat_period",
    ),
    ({"steps": [_step({"kind": "yearly", "day": 31, "month": 4})]}, "steps.0.schedule.day"),
    ({"steps": [_step({"kind": "yearly", "day": 30, "month": 2})]}, "steps.0.schedule.day"),
    (
        {"steps": [_step({"kind": "exact_date", "exact_date": "2027-01-01", "anchor": "step"})]},
        "steps.0.schedule.anchor",
    ),
    # SMS: more than ten segments.
    ({"steps": [_step(AFTER, initial={"sms_text": "x" * 1531})]}, "steps.0.initial.sms_text"),
    (
        {"steps": [_step(AFTER, on_completion={"sms_text": "ł" * 671})]},
        "steps.0.on_completion.sms_text",
    ),
    (
        {"steps": [_step(AFTER, initial={"sms_text": "{{customer name}}"})]},
        "steps.0.initial.sms_text",
    ),
    # Price incl. VAT.
    ({"steps": [_step(AFTER, price={"amount": "-1", "currency": "EUR"})]}, "steps.0.price.amount"),
    (
        {"steps": [_step(AFTER, price={"amount": "9.999", "currency": "EUR"})]},
        "steps.0.price.amount",
    ),
    (
        {"steps": [_step(AFTER, price={"amount": "10.5", "currency": "JPY"})]},
        "steps.0.price.amount",
    ),
    (
        {"steps": [_step(AFTER, price={"amount": "1e12", "currency": "SEK"})]},
        "steps.0.price.amount",
    ),
    ({"steps": [_step(AFTER, price={"amount": "ten", "currency": "SEK"})]}, "steps.0.price.amount"),
    ({"steps": [_step(AFTER, price={"amount": "NaN", "currency": "SEK"})]}, "steps.0.price.amount"),
    (
        {"steps": [_step(AFTER, price={"amount": "10", "currency": "EURO"})]},
        "steps.0.price.currency",
    ),
    (
        {"steps": [_step(AFTER, price={"amount": "10", "currency": "XYZ"})]},
        "steps.0.price.currency",
    ),
    (
        {"steps": [_step(AFTER, price={"amount": "10", "currency": "eur"})]},
        "steps.0.price.currency",
    ),
    ({"steps": [_step(AFTER, price={"amount": "10"})]}, "steps.0.price.currency"),
    # Display-name translations.
    ({"display_name_translations": {"Swedish": "Årlig"}}, "display_name_translations.Swedish"),
    ({"display_name_translations": {"sv": " "}}, "display_name_translations.sv"),
    ({"display_name_translations": {"sv": "x" * 201}}, "display_name_translations.sv"),
    ({"display_name_translations": {"sv": 3}}, "display_name_translations.sv"),
    # System name.
    ({"system_name": "annual inspection"}, "system_name"),
    ({"system_name": "a" * 101}, "system_name"),
]


@pytest.mark.parametrize(("change", "field"), BAD_INPUT)
async def test_bad_input_names_the_field_and_writes_nothing(
    client: httpx.AsyncClient, change: dict[str, Any], field: str
) -> None:
    body = _body(**change)
    response = await client.post("/service-types", json=body)
    assert response.status_code == 422, response.text
    assert response.headers["content-type"] == "application/problem+json"
    problem = response.json()
    assert problem["field"] == field, problem
    listed = (await client.get("/service-types")).json()["items"]
    assert body["display_name"] not in {t["display_name"] for t in listed}


async def test_an_unknown_placeholder_is_named(client: httpx.AsyncClient) -> None:
    body = _body()
    body["steps"][0]["on_completion"] = {"email_body": "{{ customer_name }} {{ iban }}"}
    problem = (await client.post("/service-types", json=body)).json()
    assert problem["field"] == "steps.0.on_completion.email_body"
    assert "iban" in problem["detail"]
    assert problem["errors"] == [
        {"field": problem["field"], "message": problem["errors"][0]["message"]}
    ]


async def test_bad_update_changes_nothing(client: httpx.AsyncClient) -> None:
    created = await _create(client)
    body = _body(system_name=created["system_name"])
    body["steps"][1]["schedule"]["anchor_step_position"] = 1
    response = await client.put(
        f"/service-types/{created['id']}", json=body, headers={"If-Match": '"1"'}
    )
    assert response.status_code == 422
    assert response.json()["field"] == "steps.1.schedule.anchor_step_position"
    assert (await client.get(f"/service-types/{created['id']}")).json() == created
    assert len(await _events(client, created["id"])) == 1


async def test_placeholders_are_listed_with_their_hints(client: httpx.AsyncClient) -> None:
    response = await client.get("/service-types/placeholders")
    assert response.status_code == 200
    listed = response.json()
    assert {p["name"]: p["description"] for p in listed["items"]} == dict(CALLOUT_PLACEHOLDERS)
    assert "initial.email_body" in listed["fields"]
