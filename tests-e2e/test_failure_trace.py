"""A failure followed across services: one SMS sent through the gateway that the provider
refuses for good is one trace, with spans from the gateway, notifications' API and its
SMS sender, and the failed message names that trace (``trace_id``), which is what an
operator searches Jaeger for."""

from __future__ import annotations

import random
import uuid
from datetime import UTC, datetime
from typing import Any

import httpx
import pytest

from aftersales_testing import journey
from aftersales_testing.journey import expect, poll
from aftersales_testing.otlp_collector import OtlpCollector
from aftersales_testing.stack import Stack

pytestmark = pytest.mark.e2e

# The processes the one send passes through, by the service name their spans carry.
PATH = {"gateway", "notifications", "notifications-sms-sender"}


async def test_a_failed_send_is_one_trace_from_the_gateway_to_the_sender(
    stack: Stack, gateway_url: str, collector: OtlpCollector
) -> None:
    number = f"+4670{random.randrange(10**7):07d}"
    async with httpx.AsyncClient(timeout=30) as control:
        # The fake provider answers 400 "invalid number": a permanent failure, no retries.
        refused = await control.post(
            f"{stack.config.sms_url}/control/refuse", json={"number": number}
        )
        assert refused.status_code == 204, refused.text
    async with httpx.AsyncClient(base_url=gateway_url, timeout=30) as client:
        await journey.login(client, "dev", "dev")
        tag = uuid.uuid4().hex[:8]
        body = {
            "idempotency_key": f"trace-{tag}",
            "requester": "e2e",
            "requester_reference": f"ref-{tag}",
            "recipient": {"mobiles": [number]},
            "channel": "sms",
            "content": {"sms_text": "Your pump is due for service."},
        }
        message_id = expect(await client.post("/api/messages", json=body), 202)["id"]

        async def failed() -> dict[str, Any] | None:
            message: dict[str, Any] = expect(await client.get(f"/api/messages/{message_id}"))
            return message if message["status"] == "failed" else None

        message = await poll(failed, "the message failed")

    assert "invalid number" in message["reason"]
    trace_id = message["trace_id"]
    assert trace_id is not None
    assert len(trace_id) == 32
    assert int(trace_id, 16)

    async def traced() -> set[str] | None:
        services = {s.service for s in collector.spans(trace_id)}
        return services if services >= PATH else None

    services = await poll(traced, f"spans of {sorted(PATH)} in trace {trace_id}", timeout=30)
    assert services >= PATH


async def test_a_callout_whose_send_fails_names_the_trace_of_the_failure(
    stack: Stack, gateway_url: str, collector: OtlpCollector
) -> None:
    """The same, started by scheduling: a due callout to a customer reachable by SMS only,
    at a number the provider refuses. The failed callout and its message carry one trace
    id, and that trace holds the spans of scheduling, notifications and the SMS sender."""
    number = f"+4670{random.randrange(10**7):07d}"
    async with httpx.AsyncClient(timeout=30) as control:
        refused = await control.post(
            f"{stack.config.sms_url}/control/refuse", json={"number": number}
        )
        assert refused.status_code == 204, refused.text
    tag = uuid.uuid4().hex[:8]
    async with httpx.AsyncClient(base_url=gateway_url, timeout=30) as client:
        await journey.login(client, "dev", "dev")
        customer = expect(
            await client.post(
                "/api/customers",
                json={
                    "customer_number": f"C-{tag}",
                    "name": f"Ada Lovelace {tag}",
                    "mobiles": [number],
                    "allowed_methods": ["sms"],
                    "preferred_method": "sms",
                },
            ),
            201,
        )
        product = expect(
            await client.post(
                "/api/products", json={"product_number": f"P-{tag}", "name": "Heat pump"}
            ),
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
                },
            ),
            201,
        )
        expect(
            await client.post(
                "/api/service-types",
                json={
                    "display_name": "Annual inspection",
                    "system_name": f"annual_sms_{tag}",
                    "approval_method": "automatic",
                    "steps": [
                        {
                            "description": "1st reminder",
                            "schedule": {"kind": "after", "span": 0, "period": "days"},
                            "initial": {"sms_text": "{{ serial_number }} is due for service."},
                        }
                    ],
                    "links": [{"main_product_id": product["id"], "apply_to_main_product": True}],
                },
            ),
            201,
        )

        async def failed_callout() -> dict[str, Any] | None:
            page = expect(await client.get("/api/callouts", params={"serial_item_id": item["id"]}))
            callouts: list[dict[str, Any]] = page["items"]
            failed = [c for c in callouts if c["state"] == "failed" and c["trace_id"]]
            return failed[0] if failed else None

        callout = await poll(failed_callout, "the callout failed", timeout=90)
        message = expect(await client.get(f"/api/messages/{callout['message_id']}"))

    trace_id = callout["trace_id"]
    assert message["status"] == "failed"
    assert "invalid number" in message["reason"]
    assert message["trace_id"] == trace_id
    path = {"scheduling", "notifications", "notifications-sms-sender"}

    async def traced() -> set[str] | None:
        services = {s.service for s in collector.spans(trace_id)}
        return services if services >= path else None

    services = await poll(traced, f"spans of {sorted(path)} in trace {trace_id}", timeout=30)
    assert services >= path
