"""The main journey, every service a separate process, driven over the gateway's HTTP API."""

from __future__ import annotations

import email
import email.policy
from pathlib import Path

import httpx
import pytest

from aftersales_testing import journey

pytestmark = pytest.mark.e2e


async def test_unauthenticated_requests_are_refused(gateway_url: str) -> None:
    async with httpx.AsyncClient(base_url=gateway_url) as client:
        assert (await client.get("/api/callouts")).status_code == 401
        bad = await client.get("/api/callouts", headers={"Authorization": "Bearer nope"})
        assert bad.status_code == 401


@pytest.mark.parametrize("approval", ["automatic", "manual"])
async def test_a_callout_is_sent_end_to_end(
    gateway_url: str, mail_dir: Path, approval: str
) -> None:
    async with httpx.AsyncClient(base_url=gateway_url, timeout=30) as client:
        await journey.login(client, "dev", "dev")
        result = await journey.run(client, approval=approval, timeout=60)

    expected_first = "awaiting_approval" if approval == "manual" else "approved"
    assert result.callout_when_created["state"] in (expected_first, "sent")
    assert result.callout["state"] == "sent"
    address = result.customer["emails"][0]
    assert result.callout["send_to"] == address

    serial = result.serial_item["serial_number"]
    today = result.serial_item["startup_date"]
    assert result.message["subject"] == f"Heat pump HP-9 {serial}: service due {today}"

    path = journey.find_mail(mail_dir, address)
    assert path is not None, "the customer got no e-mail"
    mail = email.message_from_bytes(path.read_bytes(), policy=email.policy.default)
    assert mail["To"] == address
    assert mail["Subject"] == result.message["subject"]
    text = mail.get_body(("plain",))
    assert text is not None
    assert f"Dear {result.customer['name']}," in text.get_content()
