"""Registering products, customers and serial items over HTTP against the real database."""

from __future__ import annotations

import uuid

import httpx

from .helpers import outbox


def _n() -> str:
    return uuid.uuid4().hex[:10]


async def _customer(client: httpx.AsyncClient, **extra: object) -> dict[str, object]:
    body = {"customer_number": f"C-{_n()}", "name": "Ada Lovelace", "emails": ["ada@example.com"]}
    response = await client.post("/customers", json=body | extra)
    assert response.status_code == 201, response.text
    return dict(response.json())


async def test_register_serial_item_writes_event_to_outbox(client: httpx.AsyncClient) -> None:
    product = (
        await client.post("/products", json={"product_number": f"P-{_n()}", "name": "Pump"})
    ).json()
    customer = await _customer(client)
    response = await client.post(
        "/serial-items",
        json={
            "serial_number": "SN-1",
            "product_id": product["id"],
            "owner_customer_id": customer["id"],
            "startup_date": "2026-01-31",
        },
    )
    assert response.status_code == 201, response.text
    item = response.json()
    assert item["name"] == "Pump"
    got = (await client.get(f"/serial-items/{item['id']}")).json()
    assert got == item | {"service_types": [], "pending_campaigns": []}  # reads add the marks

    [payload] = await outbox(client, "catalog.serial_item.registered", "serial_item_id", item["id"])
    assert payload["product_name"] == "Pump"
    assert payload["owner_customer_id"] == customer["id"]


async def test_mobile_numbers_are_stored_in_e164(client: httpx.AsyncClient) -> None:
    customer = await _customer(
        client, mobiles=["+46 70 123 45 67"], allowed_methods=["sms", "email"]
    )
    assert customer["mobiles"] == ["+46701234567"]


async def test_bad_fields_are_named(client: httpx.AsyncClient) -> None:
    response = await client.post(
        "/customers", json={"customer_number": "X", "name": "A", "emails": ["not-an-address"]}
    )
    assert response.status_code == 422
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json()["field"] == "emails.0"

    response = await client.post(
        "/customers", json={"customer_number": "X", "name": "A", "mobiles": ["0701234567"]}
    )
    assert response.status_code == 422
    assert response.json()["field"] == "mobiles"

    response = await client.post(
        "/customers",
        json={
            "customer_number": "X",
            "name": "A",
            "allowed_methods": ["email"],
            "preferred_method": "sms",
        },
    )
    assert response.status_code == 422


async def test_duplicates_and_dangling_references(client: httpx.AsyncClient) -> None:
    number = f"P-{_n()}"
    assert (
        await client.post("/products", json={"product_number": number, "name": "A"})
    ).status_code == 201
    again = await client.post("/products", json={"product_number": number, "name": "B"})
    assert again.status_code == 409
    assert again.json()["field"] == "product_number"

    customer = await _customer(client)
    missing = await client.post(
        "/serial-items",
        json={
            "serial_number": "S",
            "product_id": str(uuid.uuid4()),
            "owner_customer_id": customer["id"],
        },
    )
    assert missing.status_code == 422
    assert missing.json()["field"] == "product_id"
    assert (await client.get(f"/customers/{uuid.uuid4()}")).status_code == 404
    assert (await client.get("/customers/not-a-uuid")).status_code == 422
