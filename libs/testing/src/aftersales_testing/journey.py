"""The main journey through the public API: shared by ``make demo`` and ``tests-e2e``.

Register a customer, a product and a serial item; create a service type whose one step
is due on the startup date; watch scheduling create the callout, approve it when the
type wants a person to, and wait until notifications has sent it.
"""

from __future__ import annotations

import asyncio
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx

SUBJECT = "{{ product_name }} {{ serial_number }}: service due {{ scheduled_date }}"
BODY = (
    "Dear {{ customer_name }},\n\n"
    "your {{ product_name }} with serial number {{ serial_number }} is due for its "
    "annual inspection on {{ scheduled_date }}. We will contact you to book a visit.\n"
)


class JourneyFailed(AssertionError):
    pass


@dataclass
class JourneyResult:
    customer: dict[str, Any]
    product: dict[str, Any]
    serial_item: dict[str, Any]
    service_type: dict[str, Any]
    callout_when_created: dict[str, Any]
    callout: dict[str, Any]
    message: dict[str, Any]
    steps: list[str]


async def login(client: httpx.AsyncClient, username: str, password: str) -> str:
    response = await client.post("/auth/token", json={"username": username, "password": password})
    expect(response, 200)
    token: str = response.json()["access_token"]
    client.headers["Authorization"] = f"Bearer {token}"
    return token


def expect(response: httpx.Response, status: int = 200) -> Any:
    """The response's JSON body, or ``JourneyFailed`` saying what answered what."""
    if response.status_code != status:
        raise JourneyFailed(
            f"{response.request.method} {response.request.url.path} answered "
            f"{response.status_code}, expected {status}: {response.text}"
        )
    return response.json()


async def poll(probe: Any, what: str, timeout: float = 60.0) -> Any:
    """The first truthy answer of ``probe``, or ``JourneyFailed`` at the deadline."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while True:
        result = await probe()
        if result:
            return result
        if loop.time() > deadline:
            raise JourneyFailed(f"{what} did not happen within {timeout:.0f}s")
        await asyncio.sleep(0.2)


async def run(
    client: httpx.AsyncClient, *, approval: str = "automatic", timeout: float = 60.0
) -> JourneyResult:
    tag = uuid.uuid4().hex[:8]
    steps: list[str] = []
    today = datetime.now(UTC).date().isoformat()

    customer = expect(
        await client.post(
            "/api/customers",
            json={
                "customer_number": f"C-{tag}",
                "name": f"Ada Lovelace {tag}",
                "emails": [f"ada.{tag}@example.com"],
                "allowed_methods": ["email"],
                "preferred_method": "email",
            },
        ),
        201,
    )
    steps.append(f"registered customer {customer['customer_number']} <{customer['emails'][0]}>")
    product = expect(
        await client.post(
            "/api/products", json={"product_number": f"HP-{tag}", "name": "Heat pump HP-9"}
        ),
        201,
    )
    steps.append(f"registered product {product['product_number']} ({product['name']})")
    item = expect(
        await client.post(
            "/api/serial-items",
            json={
                "serial_number": f"SN-{tag}",
                "product_id": product["id"],
                "owner_customer_id": customer["id"],
                "startup_date": today,
            },
        ),
        201,
    )
    steps.append(f"registered serial item {item['serial_number']}, startup {today}")
    service_type = expect(
        await client.post(
            "/api/service-types",
            json={
                "display_name": "Annual inspection",
                "system_name": f"annual_inspection_{tag}",
                "approval_method": approval,
                "steps": [
                    {
                        "description": "1st reminder",
                        "schedule": {"kind": "after", "span": 0, "period": "days"},
                        "initial": {"email_subject": SUBJECT, "email_body": BODY},
                    }
                ],
                "links": [{"main_product_id": product["id"], "apply_to_main_product": True}],
            },
        ),
        201,
    )
    steps.append(f"created service type {service_type['system_name']} (approval: {approval})")

    async def first_callout() -> dict[str, Any] | None:
        response = await client.get("/api/callouts", params={"serial_item_id": item["id"]})
        rows = response.json()["items"] if response.status_code == 200 else []
        return rows[0] if rows else None

    created = await poll(first_callout, "a callout for the serial item", timeout)
    steps.append(f"scheduling created callout {created['id']} in state {created['state']}")
    if approval == "manual":
        if created["state"] != "awaiting_approval":
            raise JourneyFailed(f"expected awaiting_approval, got {created['state']}")
        approved = expect(await client.post(f"/api/callouts/{created['id']}/approve"), 200)
        steps.append(f"a user approved it: state {approved['state']}")
    elif created["state"] not in ("approved", "sent"):
        raise JourneyFailed(f"expected approved, got {created['state']}")

    async def sent() -> dict[str, Any] | None:
        callout = expect(await client.get(f"/api/callouts/{created['id']}"), 200)
        if callout["state"] not in ("approved", "sent"):
            raise JourneyFailed(f"callout ended in {callout['state']}: {callout['error']}")
        return callout if callout["state"] == "sent" else None

    callout = await poll(sent, "the callout being sent", timeout)
    steps.append(f"notifications sent it to {callout['send_to']}: state {callout['state']}")
    message = expect(await client.get(f"/api/messages/{callout['message_id']}"), 200)
    return JourneyResult(customer, product, item, service_type, created, callout, message, steps)


async def world(
    client: httpx.AsyncClient,
    *,
    approval: str,
    allowed: list[str],
    tag: str | None = None,
    org_unit: str | None = None,
) -> tuple[dict[str, Any], dict[str, Any]]:
    """Through the gateway: a customer, a product, an item starting today (in
    ``org_unit``, when given) and a one-step service type for the product."""
    tag = tag or uuid.uuid4().hex[:8]
    customer = expect(
        await client.post(
            "/api/customers",
            json={
                "customer_number": f"C-{tag}",
                "name": f"Grace Hopper {tag}",
                "emails": [f"grace.{tag}@example.com"],
                "allowed_methods": allowed,
            },
        ),
        201,
    )
    product = expect(
        await client.post("/api/products", json={"product_number": f"P-{tag}", "name": "Pump"}),
        201,
    )
    item = expect(
        await client.post(
            "/api/serial-items",
            json={
                "serial_number": f"SN-{tag}",
                "product_id": product["id"],
                "owner_customer_id": customer["id"],
                "startup_date": datetime.now(UTC).date().isoformat(),
            }
            | ({"org_unit": org_unit} if org_unit else {}),
        ),
        201,
    )
    expect(
        await client.post(
            "/api/service-types",
            json={
                "display_name": "Annual inspection",
                "system_name": f"annual_{tag}",
                "approval_method": approval,
                "steps": [
                    {
                        "description": "1st reminder",
                        "schedule": {"kind": "after", "span": 0, "period": "days"},
                        "initial": {
                            "email_subject": "Service due for {{ serial_number }}",
                            "email_body": "Dear {{ customer_name }}, your service is due.",
                        },
                        "on_completion": {
                            "email_subject": "Service done for {{ serial_number }}",
                            "email_body": "Dear {{ customer_name }}, thank you.",
                        },
                    }
                ],
                "links": [{"main_product_id": product["id"], "apply_to_main_product": True}],
            },
        ),
        201,
    )
    return customer, item


def find_mail(mail_dir: Path, address: str) -> Path | None:
    """The newest .eml in the SMTP sink's directory addressed to ``address``."""
    for path in sorted(mail_dir.glob("*.eml"), reverse=True):
        if address.encode() in path.read_bytes():
            return path
    return None
