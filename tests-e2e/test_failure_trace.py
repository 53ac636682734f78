"""A failure followed across services: one SMS sent through the gateway that the provider
refuses for good is one trace, with spans from the gateway, notifications' API and its
SMS sender, and the failed message names that trace (``trace_id``), which is what an
operator searches Jaeger for."""

from __future__ import annotations

import random
import uuid
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
