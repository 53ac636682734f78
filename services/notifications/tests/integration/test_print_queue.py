"""The print queue (issue 17, seed 000's report and print tag): a customer whose way is
letter gets the report in the print tag's queue instead of an e-mail; the office lists,
downloads (one PDF or a merged batch) and marks printed, and the requester hears
MessageSent with the channel ``letter``."""

from __future__ import annotations

import io
import uuid
from datetime import UTC, datetime
from typing import Any

import httpx
from pypdf import PdfReader

from aftersales_contracts.catalog import CommunicationMethod
from aftersales_kit.runtime import ServiceRuntime
from aftersales_testing.builders import customer_registered, unique
from notifications.sending import customers

from ..conftest import outbox_payloads
from .helpers import send_body

NOW = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)
M = CommunicationMethod
OPERATOR = {"X-Aftersales-Roles": "operator", "X-Aftersales-User": "office1"}


async def _customer(runtime: ServiceRuntime, **overrides: Any) -> uuid.UUID:
    event = customer_registered(**overrides)
    async with runtime.uow() as uow:
        await customers.project_customer(event, uow, now=NOW)
    return event.customer_id


def _letter_body(customer_id: uuid.UUID, tag: str, text: str = "Dear {{ customer_name }}") -> Any:
    return send_body(
        recipient={"customer_id": str(customer_id)},
        report={"title": "Service letter", "text": text, "print_tag": tag},
    )


def _pages(pdf: bytes) -> list[str]:
    return [page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages]


async def test_a_letter_customers_report_waits_in_its_print_tags_queue_until_printed(
    runtime: ServiceRuntime, client: httpx.AsyncClient
) -> None:
    tag = unique("TAG-")
    customer = await _customer(
        runtime, allowed_methods=[M.EMAIL, M.LETTER], preferred_method=M.LETTER
    )
    sent = await client.post(
        "/messages", json=_letter_body(customer, tag, "First {{ customer_name }}")
    )
    assert sent.status_code == 202, sent.text
    message = sent.json()
    assert (message["status"], message["channel"]) == ("queued", "letter")
    second = await client.post("/messages", json=_letter_body(customer, tag, "Second letter"))
    assert second.status_code == 202, second.text

    listed = await client.get("/print-queue", params={"print_tag": tag}, headers=OPERATOR)
    assert listed.status_code == 200, listed.text
    jobs = listed.json()["items"]
    assert [j["message_id"] for j in jobs] == [message["id"], second.json()["id"]]
    assert jobs[0]["print_tag"] == tag
    assert jobs[0]["printed_at"] is None
    tags = (await client.get("/print-queue/tags", headers=OPERATOR)).json()
    assert {"print_tag": tag, "unprinted": 2} in tags

    one = await client.get(f"/print-queue/{jobs[0]['id']}/pdf", headers=OPERATOR)
    assert one.status_code == 200
    assert one.headers["content-type"] == "application/pdf"
    assert "First Ada & <Bob>" in _pages(one.content)[0]

    batch = await client.get("/print-queue/pdf", params={"print_tag": tag}, headers=OPERATOR)
    assert batch.status_code == 200, batch.text
    pages = _pages(batch.content)
    assert len(pages) == 2
    assert "First" in pages[0]
    assert "Second letter" in pages[1]
    in_batch = batch.headers["x-print-job-ids"].split(",")
    assert in_batch == [j["id"] for j in jobs]

    marked = await client.post("/print-queue/printed", json={"ids": in_batch}, headers=OPERATOR)
    assert marked.status_code == 200, marked.text
    assert marked.json() == {"printed": in_batch, "skipped": []}
    again = await client.post("/print-queue/printed", json={"ids": in_batch}, headers=OPERATOR)
    assert again.json() == {"printed": [], "skipped": in_batch}

    shown = (await client.get(f"/messages/{message['id']}")).json()
    assert (shown["status"], shown["channel"]) == ("sent", "letter")
    [event] = await outbox_payloads(runtime, "notifications.message.sent", message["id"])
    assert (event["channel"], event["sent_to"]) == ("letter", [tag])
    waiting = await client.get("/print-queue", params={"print_tag": tag}, headers=OPERATOR)
    assert waiting.json()["items"] == []
    printed = await client.get(
        "/print-queue", params={"print_tag": tag, "printed": "true"}, headers=OPERATOR
    )
    assert [j["printed_by"] for j in printed.json()["items"]] == ["office1", "office1"]


async def test_an_email_customer_gets_the_report_attached_and_nothing_is_queued(
    runtime: ServiceRuntime, client: httpx.AsyncClient
) -> None:
    tag = unique("TAG-")
    customer = await _customer(runtime, allowed_methods=[M.EMAIL, M.LETTER])
    sent = await client.post("/messages", json=_letter_body(customer, tag))
    assert sent.status_code == 202, sent.text
    assert sent.json()["channel"] == "email"
    files = (await client.get(f"/messages/{sent.json()['id']}/attachments")).json()
    assert [(f["is_report"], f["attach"]) for f in files] == [(True, True)]
    listed = await client.get("/print-queue", params={"print_tag": tag}, headers=OPERATOR)
    assert listed.json()["items"] == []


async def test_a_letter_waiting_for_its_customer_is_queued_when_the_customer_arrives(
    runtime: ServiceRuntime, client: httpx.AsyncClient
) -> None:
    tag = unique("TAG-")
    event = customer_registered(allowed_methods=[M.LETTER], preferred_method=M.LETTER)
    sent = await client.post("/messages", json=_letter_body(event.customer_id, tag))
    assert sent.json()["status"] == "awaiting_recipient"
    async with runtime.uow() as uow:
        await customers.project_customer(event, uow, now=NOW)
    listed = await client.get("/print-queue", params={"print_tag": tag}, headers=OPERATOR)
    assert [j["message_id"] for j in listed.json()["items"]] == [sent.json()["id"]]


async def test_the_print_queue_is_for_operators_and_names_bad_input(
    runtime: ServiceRuntime, client: httpx.AsyncClient
) -> None:
    viewer = {"X-Aftersales-Roles": "viewer", "X-Aftersales-User": "v"}
    assert (await client.get("/print-queue", headers=viewer)).status_code == 403
    both = await client.get(
        "/print-queue/pdf", params={"print_tag": "X", "id": str(uuid.uuid4())}, headers=OPERATOR
    )
    assert both.status_code == 422
    assert both.json()["field"] == "id"
    unknown = await client.get(
        "/print-queue/pdf", params={"id": str(uuid.uuid4())}, headers=OPERATOR
    )
    assert unknown.status_code == 404
    empty = await client.post("/print-queue/printed", json={"ids": []}, headers=OPERATOR)
    assert empty.status_code == 422
    assert (
        await client.get(f"/print-queue/{uuid.uuid4()}/pdf", headers=OPERATOR)
    ).status_code == 404
