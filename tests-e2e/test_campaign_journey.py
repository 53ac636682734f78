"""A service campaign from definition to its close at the next service, every service a
process, through the gateway as an admin: catalog's items reach campaigns; a campaign
whose list names an unknown serial number cannot be released until it is removed; the
release marks the items in catalog (campaigns.case.opened); field work offers the open
cases on a service order of the items; completing it with one case ticked closes that
case "done at service order SO-…" (fieldwork.order.completed), which removes its mark;
the case not ticked stays open and keeps its mark."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest

from aftersales_testing import journey
from aftersales_testing.journey import expect, poll

pytestmark = pytest.mark.e2e


async def _installed_base(
    client: httpx.AsyncClient, tag: str
) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """A customer owning two items of one product, registered in catalog."""
    customer = expect(
        await client.post(
            "/api/customers",
            json={
                "customer_number": f"C-{tag}",
                "name": f"Bageriet {tag}",
                "emails": [f"bageriet.{tag}@example.com"],
                "allowed_methods": ["email"],
            },
        ),
        201,
    )
    product = expect(
        await client.post(
            "/api/products", json={"product_number": f"P-{tag}", "name": "Deck oven"}
        ),
        201,
    )
    items = [
        expect(
            await client.post(
                "/api/serial-items",
                json={
                    "serial_number": f"SN-{tag}-{i}",
                    "product_id": product["id"],
                    "owner_customer_id": customer["id"],
                    "startup_date": datetime.now(UTC).date().isoformat(),
                },
            ),
            201,
        )
        for i in (1, 2)
    ]
    return customer, items


async def _campaign(client: httpx.AsyncClient, tag: str) -> dict[str, Any]:
    """A draft campaign of a service campaign template and a parent case."""
    template = expect(
        await client.post(
            "/api/case-templates",
            json={
                "name": f"Service campaign {tag}",
                "case_type": "service_campaign",
                "required_fields": ["cause_code"],
            },
        ),
        201,
    )
    parent = expect(
        await client.post("/api/cases", json={"title": f"Burner gasket recall {tag}"}), 201
    )
    campaign: dict[str, Any] = expect(
        await client.post(
            "/api/campaigns",
            json={
                "code": f"GASKET-{tag}",
                "name": "Burner gasket",
                "translations": {"sv": "Brännarpackning"},
                "template_id": template["id"],
                "parent_case_id": parent["id"],
                "cause_code": "RC-7",
                "cause_description": "Replace the burner gasket at the next service",
            },
        ),
        201,
    )
    assert campaign["state"] == "draft"
    return campaign


async def _marks(client: httpx.AsyncClient, item_id: str) -> list[str]:
    """The campaign codes catalog shows as pending on the item."""
    item = expect(await client.get(f"/api/serial-items/{item_id}"))
    return [mark["code"] for mark in item["pending_campaigns"]]


async def _case_of(client: httpx.AsyncClient, campaign_id: str, item_id: str) -> dict[str, Any]:
    page = expect(
        await client.get(
            "/api/cases", params={"campaign_id": campaign_id, "serial_item_id": item_id}
        )
    )
    (case,) = page["items"]
    found: dict[str, Any] = case
    return found


async def test_a_campaign_case_closed_at_the_next_service(gateway_url: str) -> None:
    async with httpx.AsyncClient(base_url=gateway_url, timeout=30) as client:
        await journey.login(client, "dev", "dev")
        tag = uuid.uuid4().hex[:8]
        customer, (first, second) = await _installed_base(client, tag)
        campaign = await _campaign(client, tag)
        cid = campaign["id"]

        # The list: both items and a serial number catalog does not know.
        unknown = f"SN-{tag}-nowhere"
        added = expect(
            await client.post(
                f"/api/campaigns/{cid}/serials",
                json={"serial_numbers": [first["serial_number"], second["serial_number"], unknown]},
            )
        )
        assert added["added"] == 3

        # Catalog's items reach campaigns through the broker: validate until only the
        # unknown one fails.
        async def validated() -> dict[str, Any] | None:
            body: dict[str, Any] = expect(await client.post(f"/api/campaigns/{cid}/validate"))
            return body if body["failing"] == 1 else None

        report = await poll(validated, "the items validated in campaigns")
        assert report == {"lines": 3, "failing": 1, "problems": {"not_found": 1}}
        failing = expect(
            await client.get(f"/api/campaigns/{cid}/serials", params={"failing": "true"})
        )
        assert [(line["serial_number"], line["problem"]) for line in failing["items"]] == [
            (unknown, "not_found")
        ]

        # Not released while a line fails.
        current = await client.get(f"/api/campaigns/{cid}")
        refused = await client.post(
            f"/api/campaigns/{cid}/release", headers={"If-Match": current.headers["etag"]}
        )
        assert refused.status_code == 409, refused.text
        assert refused.json()["failing"] == 1
        assert expect(await client.get(f"/api/campaigns/{cid}"))["state"] == "draft"

        removed = await client.delete(f"/api/campaigns/{cid}/serials/{unknown}")
        assert removed.status_code == 204, removed.text
        current = await client.get(f"/api/campaigns/{cid}")
        released = await client.post(
            f"/api/campaigns/{cid}/release", headers={"If-Match": current.headers["etag"]}
        )
        assert released.status_code == 200, released.text
        assert (released.json()["done"], released.json()["pending"]) == (2, 0)
        assert released.json()["campaign"]["state"] == "released"

        first_case = await _case_of(client, cid, first["id"])
        second_case = await _case_of(client, cid, second["id"])
        for case in (first_case, second_case):
            assert (case["status"], case["customer_id"], case["cause_code"]) == (
                "open",
                customer["id"],
                "RC-7",
            )

        # The marks appear in catalog (campaigns.case.opened through the broker).
        code = campaign["code"]
        for item in (first, second):
            await poll(
                lambda item=item: _marked(client, item["id"], code),
                f"the campaign's mark on {item['serial_number']}",
            )

        # A service order at the first item, the second as a further service object.
        technician = expect(
            await client.post("/api/technicians", json={"name": f"Tess {tag}"}), 201
        )
        tomorrow = (datetime.now(UTC) + timedelta(days=1)).date().isoformat()
        draft = {
            "customer_id": customer["id"],
            "serial_item_id": first["id"],
            "service_object_ids": [second["id"]],
            "description": "Annual service",
            "technician_id": technician["id"],
            "booking": {
                "date": tomorrow,
                "start": "09:00",
                "end": "11:00",
                "override": {"reason": "e2e"},
            },
        }

        async def opened() -> httpx.Response | None:
            # Field work knows the customer and items once catalog's events arrived.
            response = await client.post("/api/service-orders", json=draft)
            return response if response.status_code == 201 else None

        created = await poll(opened, "the service order (field work's projections)")
        order_id = created.json()["id"]
        assert created.json()["stage"] == "planned"

        # Field work offers both open cases (campaigns.case.opened into its projection).
        async def offered() -> httpx.Response | None:
            response = await client.get(f"/api/service-orders/{order_id}")
            ids = {c["case_id"] for c in expect(response)["campaign_cases"]}
            return response if ids == {first_case["id"], second_case["id"]} else None

        shown = await poll(offered, "the open campaign cases on the order")
        listed = {c["case_id"]: c for c in shown.json()["campaign_cases"]}
        assert listed[first_case["id"]]["case_number"] == first_case["number"]
        assert listed[first_case["id"]]["campaign_code"] == code
        assert listed[first_case["id"]]["translations"] == {"sv": "Brännarpackning"}

        # Completed with the first item's case ticked done, the second's not.
        done = await client.post(
            f"/api/service-orders/{order_id}/actions/complete",
            json={"campaign_case_ids_done": [first_case["id"]]},
            headers={"If-Match": shown.headers["etag"]},
        )
        assert done.status_code == 200, done.text
        order = done.json()
        assert order["stage"] == "completed"

        async def closed() -> dict[str, Any] | None:
            case: dict[str, Any] = expect(await client.get(f"/api/cases/{first_case['id']}"))
            return case if case["status"] == "closed" else None

        case = await poll(closed, "the ticked case closed by the order")
        assert (case["closed_how"], case["service_order_number"]) == (
            "service_order",
            order["number"],
        )
        assert case["service_order_id"] == order_id

        # Its mark leaves catalog (campaigns.case.closed); the second item keeps its own.
        async def unmarked() -> bool | None:
            return True if await _marks(client, first["id"]) == [] else None

        await poll(unmarked, "the mark gone from the first item")
        assert await _marks(client, second["id"]) == [code]
        still = expect(await client.get(f"/api/cases/{second_case['id']}"))
        assert (still["status"], still["closed_at"]) == ("open", None)

        # Field work no longer offers the closed case; the open one stays on the item.
        async def only_second() -> list[str] | None:
            view = expect(await client.get(f"/api/service-orders/{order_id}"))
            ids = [c["case_id"] for c in view["campaign_cases"]]
            return ids if ids == [second_case["id"]] else None

        await poll(only_second, "field work's projection of the closed case")

        progress = expect(await client.get(f"/api/campaigns/{cid}/progress"))
        assert (progress["totals"]["cases_open"], progress["totals"]["cases_closed"]) == (1, 1)


async def _marked(client: httpx.AsyncClient, item_id: str, code: str) -> bool | None:
    return True if code in await _marks(client, item_id) else None
