"""Prices, translations, SMS reports, previews and deletion over HTTP, on the real database."""

from __future__ import annotations

import uuid
from typing import Any

import httpx
import pytest

from tests.integration.test_service_types import CHANGED, _body, _create, _events


def _priced_body() -> dict[str, Any]:
    body = _body(display_name_translations={"sv": "Årlig inspektion", "en-GB": "Annual check"})
    body["steps"][0]["price"] = {"amount": "1250", "currency": "SEK"}
    body["steps"][0]["initial"]["sms_text"] = "Hej {{ customer_name }}, dags för service 🔧"
    return body


async def test_price_translations_and_sms_report_round_trip(client: httpx.AsyncClient) -> None:
    body = _priced_body()
    response = await client.post("/service-types", json=body)
    assert response.status_code == 201, response.text
    created = response.json()
    assert created["display_name_translations"] == body["display_name_translations"]
    assert created["steps"][0]["price"] == {"amount": "1250.00", "currency": "SEK"}
    assert created["steps"][1]["price"] is None
    assert created["sms"] == [
        {
            "field": "steps.0.initial.sms_text",
            "encoding": "ucs-2",
            "characters": len("Hej , dags för service ") + 2,
            "segments": 1,
            "remaining": 70 - len("Hej , dags för service ") - 2,
            "placeholders": ["customer_name"],
        },
        {
            "field": "steps.0.on_completion.sms_text",
            "encoding": "gsm-7",
            "characters": len("Thank you, ."),
            "segments": 1,
            "remaining": 160 - len("Thank you, ."),
            "placeholders": ["customer_name"],
        },
    ]
    assert (await client.get(f"/service-types/{created['id']}")).json() == created

    [event] = await _events(client, created["id"])
    payload = event["payload"]
    assert payload["display_name_translations"] == body["display_name_translations"]
    assert payload["steps"][0]["price"] == {"amount": "1250.00", "currency": "SEK"}
    assert payload["deleted"] is False

    # A GET answer goes back as it is; a JSON number amount is read as its decimal text.
    again = created | {"display_name_translations": {"de": "Jahresinspektion"}}
    again["steps"][1]["price"] = {"amount": 99.9, "currency": "EUR"}
    response = await client.put(f"/service-types/{created['id']}", json=again)
    assert response.status_code == 200, response.text
    updated = response.json()
    assert updated["display_name_translations"] == {"de": "Jahresinspektion"}
    assert updated["steps"][1]["price"] == {"amount": "99.90", "currency": "EUR"}
    assert updated["steps"][0]["price"] == {"amount": "1250.00", "currency": "SEK"}


# --- preview -------------------------------------------------------------------------------


def _preview_body(**schedule_steps: Any) -> dict[str, Any]:
    body = _body()
    body["steps"] = [
        {
            "description": "1st reminder",
            "schedule": {"kind": "monthly", "day": 31, "limit_repetitions": 3},
        },
        {
            "description": "2nd reminder",
            "schedule": {
                "kind": "after",
                "span": 1,
                "period": "months",
                "anchor": "step",
                "anchor_step_position": 0,
            },
        },
        {"description": "manual only", "schedule": {"kind": "never"}},
    ]
    return body


async def test_preview_of_a_draft_resolves_chains_and_month_ends(
    client: httpx.AsyncClient,
) -> None:
    draft = _preview_body()
    response = await client.post(
        "/service-types/preview",
        json={"service_type": draft, "startup_date": "2027-01-15", "until": "2027-12-31"},
    )
    assert response.status_code == 200, response.text
    preview = response.json()
    assert preview["service_type_id"] is None
    assert preview["version"] is None
    assert preview["startup_date"] == "2027-01-15"
    assert preview["until"] == "2027-12-31"
    assert preview["truncated"] is False
    assert [(o["on"], o["position"], o["index"]) for o in preview["occurrences"]] == [
        ("2027-01-31", 0, 0),
        ("2027-02-28", 0, 1),  # the 31st in February is the 28th
        ("2027-02-28", 1, 0),  # one month after January 31
        ("2027-03-28", 1, 1),  # one month after February 28
        ("2027-03-31", 0, 2),
        ("2027-04-30", 1, 2),  # the 31st in a 30-day month is the 30th
    ]
    assert [s["dates"] for s in preview["steps"]] == [
        ["2027-01-31", "2027-02-28", "2027-03-31"],
        ["2027-02-28", "2027-03-28", "2027-04-30"],
        [],
    ]
    assert preview["occurrences"][0]["description"] == "1st reminder"
    # Nothing was saved.
    listed = (await client.get("/service-types")).json()["items"]
    assert draft["system_name"] not in {t["system_name"] for t in listed}


async def test_repeat_every_is_saved_and_previewed_for_monthly_yearly_and_after_step(
    client: httpx.AsyncClient,
) -> None:
    """Issue 17, item 7: these three kinds were refused with a repeat."""
    body = _body()
    body["steps"] = [
        {
            "description": "quarterly check",
            "schedule": {"kind": "monthly", "day": 31, "repeat_every": 3,
                         "repeat_period": "months", "limit_repetitions": 3},
        },
        {
            "description": "bi-annual inspection",
            "schedule": {"kind": "yearly", "day": 29, "month": 2, "repeat_every": 2,
                         "repeat_period": "years"},
        },
        {
            "description": "follow-up",
            "schedule": {"kind": "after", "span": 10, "period": "days", "anchor": "step",
                         "anchor_step_position": 1, "repeat_every": 1,
                         "repeat_period": "months", "limit_repetitions": 2},
        },
    ]  # fmt: skip
    response = await client.post("/service-types", json=body)
    assert response.status_code == 201, response.text
    created = response.json()
    assert created["steps"][0]["schedule"]["repeat_every"] == 3
    assert created["steps"][2]["schedule"]["repeat_period"] == "months"
    [event] = await _events(client, created["id"])
    assert event["payload"]["steps"][1]["schedule"]["repeat_every"] == 2
    response = await client.get(
        f"/service-types/{created['id']}/preview",
        params={"startup_date": "2027-01-15", "until": "2030-12-31"},
    )
    assert response.status_code == 200, response.text
    assert [s["dates"] for s in response.json()["steps"]] == [
        ["2027-01-31", "2027-04-30", "2027-07-31"],
        ["2027-02-28", "2029-02-28"],
        ["2027-03-10", "2027-04-10"],  # the limit counts over every series
    ]


async def test_preview_of_a_saved_type_and_an_instant_in_the_org_units_zone(
    client: httpx.AsyncClient,
) -> None:
    created = await _create(client)
    url = f"/service-types/{created['id']}/preview"
    # 23:30 UTC on Feb 28 is already Feb 29 (a leap day) in Stockholm.
    response = await client.get(
        url,
        params={
            "startup_at": "2028-02-28T23:30:00+00:00",
            "time_zone": "Europe/Stockholm",
            "until": "2029-12-31",
        },
    )
    assert response.status_code == 200, response.text
    preview = response.json()
    assert preview["service_type_id"] == created["id"]
    assert preview["version"] == 1
    assert preview["startup_date"] == "2028-02-29"
    first, second = (s["step_id"] for s in created["steps"])
    assert [(o["on"], o["step_id"]) for o in preview["occurrences"]] == [
        ("2028-02-29", first),
        ("2028-03-29", second),
    ]
    # The default horizon is five years.
    response = await client.get(url, params={"startup_date": "2028-02-29"})
    assert response.json()["until"] == "2033-02-28"


async def test_a_preview_is_capped(client: httpx.AsyncClient) -> None:
    draft = _body()
    draft["steps"] = [
        {
            "description": "daily",
            "schedule": {
                "kind": "after",
                "span": 0,
                "period": "days",
                "repeat_every": 1,
                "repeat_period": "days",
            },
        }
    ]
    response = await client.post(
        "/service-types/preview", json={"service_type": draft, "startup_date": "2026-01-01"}
    )
    assert response.status_code == 200
    preview = response.json()
    assert preview["truncated"] is True
    assert len(preview["occurrences"]) == 1000


BAD_PREVIEWS: list[tuple[dict[str, Any], str]] = [
    ({}, "startup_date"),
    ({"startup_date": "2026-02-30"}, "startup_date"),
    ({"startup_date": "2026-01-01", "until": "2025-12-31"}, "until"),
    ({"startup_date": "2026-01-01", "until": "2076-01-02"}, "until"),
    ({"startup_at": "2026-01-01T10:00:00+00:00"}, "time_zone"),
    ({"startup_at": "2026-01-01T10:00:00"}, "startup_at"),
    ({"startup_at": "2026-01-01T10:00:00+00:00", "time_zone": "Europe/Atlantis"}, "time_zone"),
    ({"startup_date": "2026-01-01", "startup_at": "2026-01-01T10:00:00+00:00"}, "startup_at"),
    ({"startup_date": "2026-01-01", "colour": "red"}, "colour"),
]


@pytest.mark.parametrize(("params", "field"), BAD_PREVIEWS)
async def test_bad_preview_input_names_the_field(
    client: httpx.AsyncClient, params: dict[str, Any], field: str
) -> None:
    response = await client.post(
        "/service-types/preview", json={"service_type": _preview_body(), **params}
    )
    assert response.status_code == 422, response.text
    assert response.json()["field"] == field
    if field != "colour":
        created = await _create(client)
        response = await client.get(f"/service-types/{created['id']}/preview", params=params)
        assert response.status_code == 422, response.text
        assert response.json()["field"] == f"query.{field}"


async def test_a_broken_draft_is_named_under_service_type(client: httpx.AsyncClient) -> None:
    draft = _preview_body()
    draft["steps"][1]["schedule"]["anchor_step_position"] = 1
    draft["steps"][0]["initial"] = {"sms_text": "{{ pin_code }}"}
    response = await client.post(
        "/service-types/preview", json={"service_type": draft, "startup_date": "2026-01-01"}
    )
    assert response.status_code == 422
    problem = response.json()
    assert {e["field"] for e in problem["errors"]} == {
        "service_type.steps.0.initial.sms_text",
        "service_type.steps.1.schedule.anchor_step_position",
    }
    assert "pin_code" in problem["detail"]
    response = await client.post("/service-types/preview", json={"startup_date": "2026-01-01"})
    assert response.status_code == 422
    assert response.json()["field"] == "service_type"


async def test_preview_of_an_unknown_type_is_404(client: httpx.AsyncClient) -> None:
    response = await client.get(
        f"/service-types/{uuid.uuid4()}/preview", params={"startup_date": "2026-01-01"}
    )
    assert response.status_code == 404


# --- deletion ------------------------------------------------------------------------------


async def test_deletion_needs_confirmation_and_says_what_happens(
    client: httpx.AsyncClient,
) -> None:
    created = await _create(client)
    url = f"/service-types/{created['id']}"
    for params in ({}, {"confirm": "false"}):
        response = await client.delete(url, params=params)
        assert response.status_code == 409, response.text
        problem = response.json()
        assert problem["field"] == "query.confirm"
        assert "pending callout" in problem["effect"]
    assert (await client.get(url)).status_code == 200
    assert len(await _events(client, created["id"])) == 1

    response = await client.delete(url, params={"confirm": "true"})
    assert response.status_code == 200, response.text
    deleted = response.json()
    assert deleted["id"] == created["id"]
    assert deleted["version"] == 2
    assert deleted["pending_callouts"] == "cancelled"
    assert "pending callout" in deleted["detail"]
    assert (await client.get(url)).status_code == 404
    listed = (await client.get("/service-types")).json()["items"]
    assert created["id"] not in {t["id"] for t in listed}

    # The tombstone: a newer version that applies to nothing, steps kept for history.
    first, last = await _events(client, created["id"])
    assert last["type"] == CHANGED
    payload = last["payload"]
    assert payload["version"] == 2
    assert payload["deleted"] is True
    assert payload["enabled"] is False
    assert payload["links"] == []
    assert payload["steps"] == first["payload"]["steps"]

    # Gone is gone; the system name is free again.
    assert (await client.delete(url, params={"confirm": "true"})).status_code == 404
    again = await _create(client, system_name=created["system_name"])
    assert again["id"] != created["id"]


async def test_deletion_with_if_match(client: httpx.AsyncClient) -> None:
    created = await _create(client)
    url = f"/service-types/{created['id']}"
    response = await client.delete(url, params={"confirm": "true"}, headers={"If-Match": '"7"'})
    assert response.status_code == 412
    assert (response.json()["field"], response.json()["current_version"]) == ("If-Match", 1)
    response = await client.delete(url, params={"confirm": "true"}, headers={"If-Match": "soon"})
    assert response.status_code == 400
    assert response.json()["field"] == "If-Match"
    assert (await client.get(url)).status_code == 200
    response = await client.delete(url, params={"confirm": "true"}, headers={"If-Match": '"1"'})
    assert response.status_code == 200


async def test_bad_deletion_input(client: httpx.AsyncClient) -> None:
    response = await client.delete(f"/service-types/{uuid.uuid4()}", params={"confirm": "true"})
    assert response.status_code == 404
    response = await client.delete("/service-types/not-a-uuid", params={"confirm": "true"})
    assert response.status_code == 422
    created = await _create(client)
    response = await client.delete(f"/service-types/{created['id']}", params={"confirm": "perhaps"})
    assert response.status_code == 422
    assert response.json()["field"] == "query.confirm"
