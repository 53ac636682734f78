"""Documents to customers over HTTP and the broker: the protocol PDF (text read back with
pypdf, photos drawn only when the protocol shows images, the file name with the machine
number when the org unit says so), the work order PDF, the protocol sent automatically to
a flagged contact only, the work order offered and sent at ready for invoicing, and the
sent log's flags once a document changed."""

from __future__ import annotations

import base64
import uuid
from typing import Any

import httpx
from sqlalchemy import select, update

from aftersales_contracts.fieldwork import ProtocolCompleted, ServiceCaseReadyForInvoicing
from aftersales_contracts.notifications import Channel, MessageSent
from fieldwork import tables
from tests.conftest import NOW
from tests.integration.seed import World, as_user, runtime_of, seed_world
from tests.integration.test_documents_support import (
    add_protocol,
    change_protocol,
    flag_contacts,
    pdf_images,
    pdf_text,
    photo,
    publish_and_wait,
    save_settings,
    send_requests,
)
from tests.integration.test_orders_support import add_technician, planned_order

SIGNED = b"%PDF-1.4 signed by the customer"


async def _order(client: httpx.AsyncClient, world: World, **fields: Any) -> dict[str, Any]:
    technician_id = await add_technician(client, world, name="Tina Tekniker")
    return await planned_order(
        client,
        world,
        technician_id,
        contact_id=str(world.contact_id),
        customer_order_number="PO-981",
        **fields,
    )


def _files() -> list[tuple[str, str, str, bytes]]:
    return [
        ("photo_before", "before.jpg", "image/jpeg", photo()),
        ("photo_after", "after.png", "image/png", photo(800, 600, fmt="PNG")),
        ("photo_after", "after.heic", "image/heic", b"not drawable"),
        ("signed_protocol", "signed.pdf", "application/pdf", SIGNED),
    ]


def _problem(answer: httpx.Response, status: int, field: str | None) -> dict[str, Any]:
    assert answer.status_code == status, answer.text
    body: dict[str, Any] = answer.json()
    if field is not None:
        fields = [body.get("field"), *(e["field"] for e in body.get("errors", []))]
        assert field in fields, body
    return body


# --- the protocol PDF ----------------------------------------------------------------------


async def test_the_protocol_pdf_shows_the_order_its_lines_and_its_photos(
    client: httpx.AsyncClient,
) -> None:
    world = await seed_world(client)
    order = await _order(client, world)
    protocol_id = await add_protocol(
        client,
        order,
        items=[("Door hinge HG-7", "2", "pcs"), ("Sealant", "0.250", "l")],
        works=[("Replaced the hinge", 90), ("Tested the door", 15)],
        files=_files(),
    )
    answer = await client.get(f"/protocols/{protocol_id}/pdf")
    assert answer.status_code == 200, answer.text
    assert answer.headers["content-type"] == "application/pdf"
    assert f'filename="protocol-{order["number"]}.pdf"' in answer.headers["content-disposition"]
    text = pdf_text(answer.content)
    for expected in (
        f"Service protocol {order['number']}",
        "Bageriet AB",
        "PO-981",
        "Drottninggatan 1",
        "SN-" + world.item_id.hex[:6],
        "The oven door does not close",
        "Replaced the door hinge",
        "Door hinge HG-7",
        "0.25",
        "Replaced the hinge",
        "1 h 30 min",
        "1 h 45 min",  # the works' total
        "Tina Tekniker",
        "Attached: signed.pdf",
        "after.heic",  # not drawable: listed by name
    ):
        assert expected in text, expected
    # The JPEG and the PNG are drawn, scaled down; the HEIC and the signed PDF are not.
    assert pdf_images(answer.content) == 2
    assert len(answer.content) < len(photo()) + 200_000

    await change_protocol(client, protocol_id, show_images=False)
    without = await client.get(f"/protocols/{protocol_id}/pdf")
    assert pdf_images(without.content) == 0
    assert "before.jpg" in pdf_text(without.content)


async def test_the_file_name_has_the_machine_number_when_the_org_unit_says_so(
    client: httpx.AsyncClient,
) -> None:
    world = await seed_world(client)
    order = await _order(client, world)
    protocol_id = await add_protocol(client, order)
    await save_settings(client, world.org_unit_id, protocol_file_name_with_machine_number=True)
    answer = await client.get(f"/protocols/{protocol_id}/pdf")
    serial = "SN-" + world.item_id.hex[:6]
    assert (
        f'filename="protocol-{order["number"]}-{serial}.pdf"'
        in answer.headers["content-disposition"]
    )


async def test_a_protocol_of_the_whole_case_is_named_by_the_case(
    client: httpx.AsyncClient,
) -> None:
    world = await seed_world(client)
    order = await _order(client, world)
    protocol_id = await add_protocol(client, order, order_level=False)
    answer = await client.get(f"/protocols/{protocol_id}/pdf")
    assert answer.status_code == 200, answer.text
    async with runtime_of(client).uow() as uow:
        case_number = await uow.session.scalar(
            select(tables.service_case.c.number).where(
                tables.service_case.c.id == uuid.UUID(order["case_id"])
            )
        )
    assert f'filename="protocol-{case_number}.pdf"' in answer.headers["content-disposition"]
    assert f"Service protocol {case_number}" in pdf_text(answer.content)


async def test_a_protocol_out_of_sight_is_not_found(client: httpx.AsyncClient) -> None:
    world = await seed_world(client)
    order = await _order(client, world)
    protocol_id = await add_protocol(client, order)
    _problem(await client.get(f"/protocols/{uuid.uuid4()}/pdf"), 404, None)
    elsewhere = as_user("olle", "viewer", org_units=["somewhere-else"])
    _problem(await client.get(f"/protocols/{protocol_id}/pdf", headers=elsewhere), 404, None)
    # A technician sees only their own orders' protocols.
    stranger = as_user("not-a-technician", "technician")
    _problem(await client.get(f"/protocols/{protocol_id}/pdf", headers=stranger), 404, None)
    viewer = as_user("vera", "viewer")
    assert (await client.get(f"/protocols/{protocol_id}/pdf", headers=viewer)).status_code == 200


# --- the work order PDF --------------------------------------------------------------------


async def test_the_work_order_pdf_has_the_order_and_once_completed_its_protocol_lines(
    client: httpx.AsyncClient,
) -> None:
    world = await seed_world(client)
    order = await _order(client, world)
    url = f"/service-orders/{order['id']}/work-order.pdf"
    answer = await client.get(url)
    assert answer.status_code == 200, answer.text
    assert f'filename="work-order-{order["number"]}.pdf"' in answer.headers["content-disposition"]
    text = pdf_text(answer.content)
    for expected in (
        f"Work order {order['number']}",
        "Bageriet AB",
        "Sven Svensson",
        "PO-981",
        "Oven does not heat",
        "2026-11-30",
        "09:00-11:00",
        "Tina Tekniker",
    ):
        assert expected in text, expected
    assert "Door hinge HG-7" not in text
    draft = await add_protocol(client, order, status="draft")
    assert "Door hinge HG-7" not in pdf_text((await client.get(url)).content)
    await change_protocol(client, draft, status="completed", completed_at=NOW)
    assert "Door hinge HG-7" in pdf_text((await client.get(url)).content)
    _problem(await client.get(f"/service-orders/{uuid.uuid4()}/work-order.pdf"), 404, None)


# --- the protocol, automatically -----------------------------------------------------------


async def _completed(client: httpx.AsyncClient, protocol_id: uuid.UUID, order: Any) -> None:
    await publish_and_wait(
        client,
        ProtocolCompleted(
            protocol_id=protocol_id,
            case_id=uuid.UUID(order["case_id"]),
            order_id=uuid.UUID(order["id"]),
            completed_by="tina",
        ),
    )


async def test_a_completed_protocol_goes_to_the_flagged_contact_only(
    client: httpx.AsyncClient,
) -> None:
    world = await seed_world(client)
    # The order's contact (Sven) says no, the other contact (Anna) yes: nothing goes.
    await flag_contacts(client, world, protocol=(False, True))
    order = await _order(client, world)
    protocol_id = await add_protocol(client, order, files=_files())
    await _completed(client, protocol_id, order)
    assert await send_requests(client, order["id"]) == []

    # Sven says yes: the PDF goes to him, in the customer's language, logged.
    await flag_contacts(client, world, protocol=(True, False))
    await _completed(client, protocol_id, order)
    (sent,) = await send_requests(client, order["id"])
    assert sent["recipient"]["emails"] == ["sven@example.com"]
    assert sent["requester"] == "fieldwork"
    assert sent["channel"] == "email"
    assert sent["language"] == "sv"
    assert sent["org_unit_id"] == str(world.org_unit_id)
    assert sent["business_object"]["id"] == order["id"]
    assert sent["requested_by"] == "tina"
    assert sent["values"]["subject"] == f"Serviceprotokoll {order['number']}"
    assert "Sven Svensson" in sent["values"]["body"]
    assert sent["user_link"] == {
        "url": f"http://localhost:8080/service-orders/{order['id']}",
        "text": f"Öppna {order['number']} i Aftersales",
    }
    (attachment,) = sent["attachments"]
    assert attachment["file_name"] == f"protocol-{order['number']}.pdf"
    assert attachment["media_type"] == "application/pdf"
    content = base64.b64decode(attachment["content_base64"])
    assert "Door hinge HG-7" in pdf_text(content)
    assert pdf_images(content) == 2

    log = (await client.get(f"/service-orders/{order['id']}/sent-log")).json()["items"]
    (entry,) = [e for e in log if e["purpose"] == "service_protocol"]
    assert entry["recipients"] == ["sven@example.com"]
    assert (entry["state"], entry["flagged"], entry["requested_by"]) == ("requested", False, "tina")

    # The same protocol completed again, unchanged: not sent twice.
    await _completed(client, protocol_id, order)
    assert len(await send_requests(client, order["id"])) == 1
    # Changed after sending: the entry is flagged, so the user considers sending again.
    await change_protocol(client, protocol_id, solution_description="Replaced hinge and seal")
    log = (await client.get(f"/service-orders/{order['id']}/sent-log")).json()["items"]
    assert [e["flagged"] for e in log if e["purpose"] == "service_protocol"] == [True]


async def test_a_protocol_sent_back_to_draft_before_its_mail_is_not_sent(
    client: httpx.AsyncClient,
) -> None:
    world = await seed_world(client)
    await flag_contacts(client, world, protocol=(True, True))
    order = await _order(client, world)
    protocol_id = await add_protocol(client, order, status="draft")
    await _completed(client, protocol_id, order)
    assert await send_requests(client, order["id"]) == []


# --- the work order at ready for invoicing -------------------------------------------------


async def _ready(client: httpx.AsyncClient, case_id: str) -> None:
    async with runtime_of(client).uow() as uow:
        await uow.session.execute(
            update(tables.service_case)
            .where(tables.service_case.c.id == uuid.UUID(case_id))
            .values(status="completed", invoicing_ready_at=NOW, invoicing_ready_by="dispatcher")
        )
        await uow.commit()


async def test_the_work_order_is_offered_and_sent_at_ready_for_invoicing(
    client: httpx.AsyncClient,
) -> None:
    world = await seed_world(client)
    # Anna receives work orders, Sven does not.
    await flag_contacts(client, world, work_order=(False, True))
    order = await _order(client, world)
    case_id = order["case_id"]
    offer_url = f"/service-cases/{case_id}/work-order-offer"
    offer = (await client.get(offer_url)).json()
    assert (offer["ready_for_invoicing"], offer["can_offer"]) == (False, False)

    await _ready(client, case_id)
    offer = (await client.get(offer_url)).json()
    assert (offer["ready_for_invoicing"], offer["can_offer"]) == (True, True)
    assert offer["contacts"] == [
        {
            "contact_id": str(world.other_contact_id),
            "name": "Anna Andersson",
            "email": "anna@example.com",
        }
    ]
    assert offer["order_numbers"] == [order["number"]]

    # Ready for invoicing notes the offer in the order's history.
    await publish_and_wait(
        client,
        ServiceCaseReadyForInvoicing(
            case_id=uuid.UUID(case_id),
            case_number="SC-x",
            customer_id=world.customer_id,
            ready_by="dispatcher",
        ),
    )
    history = (await client.get(f"/service-orders/{order['id']}/history")).json()["items"]
    (noted,) = [h for h in history if h["kind"] == "work_order_offered"]
    assert noted["detail"]["contacts"] == [{"name": "Anna Andersson", "email": "anna@example.com"}]

    url = f"/service-cases/{case_id}/work-order"
    sent = await client.post(url)
    assert sent.status_code == 202, sent.text
    (entry,) = sent.json()["items"]
    assert (entry["purpose"], entry["recipients"]) == ("work_order", ["anna@example.com"])
    (request,) = await send_requests(client, order["id"])
    (attachment,) = request["attachments"]
    assert attachment["file_name"] == f"work-order-{order['number']}.pdf"
    assert f"Work order {order['number']}" in pdf_text(
        base64.b64decode(attachment["content_base64"])
    )
    assert request["user_link"]["url"].endswith(f"/service-orders/{order['id']}")

    # Chosen contacts and addresses; a retry with the same key sends nothing again.
    again = {"Idempotency-Key": "retry-1"}
    chosen = await client.post(url, json={"contact_ids": [str(world.contact_id)]}, headers=again)
    assert [e["recipients"] for e in chosen.json()["items"]] == [["sven@example.com"]]
    repeat = await client.post(url, json={"contact_ids": [str(world.contact_id)]}, headers=again)
    assert repeat.json()["items"] == []
    typed = await client.post(url, json={"emails": ["boss@example.com", "BOSS@example.com"]})
    assert [e["recipients"] for e in typed.json()["items"]] == [["boss@example.com"]]
    assert len(await send_requests(client, order["id"])) == 3

    # Refusals.
    _problem(
        await client.post(url, json={"contact_ids": [str(uuid.uuid4())]}), 422, "contact_ids.0"
    )
    _problem(await client.post(url, json={"emails": ["not-an-address"]}), 422, "emails.0")
    _problem(
        await client.post(
            url, json={"contact_ids": [str(world.contact_id)], "emails": ["a@example.com"]}
        ),
        422,
        None,
    )
    _problem(await client.post(url, headers=as_user("vera", "viewer")), 403, None)
    _problem(await client.post(f"/service-cases/{uuid.uuid4()}/work-order"), 404, None)
    await flag_contacts(client, world)
    _problem(await client.post(url), 422, "contact_ids")
    assert len(await send_requests(client, order["id"])) == 3

    # The work order changes (a new booking line, say the description): flagged.
    log = (await client.get(f"/service-orders/{order['id']}/sent-log")).json()["items"]
    assert {e["flagged"] for e in log if e["purpose"] == "work_order"} == {False}
    async with runtime_of(client).uow() as uow:
        await uow.session.execute(
            update(tables.service_order)
            .where(tables.service_order.c.id == uuid.UUID(order["id"]))
            .values(description="Oven does not heat; door too")
        )
        await uow.commit()
    log = (await client.get(f"/service-orders/{order['id']}/sent-log")).json()["items"]
    assert {e["flagged"] for e in log if e["purpose"] == "work_order"} == {True}
    # The booking confirmation's flag is the bookings' alone: nothing was sent, none shown.
    assert {e["purpose"] for e in log} == {"work_order"}


async def test_results_from_notifications_move_a_document_entry(client: httpx.AsyncClient) -> None:
    """The confirmations' consumer records notifications' results for every purpose (the
    idempotency key is the sent log's)."""
    world = await seed_world(client)
    await flag_contacts(client, world, protocol=(True, False))
    order = await _order(client, world)
    protocol_id = await add_protocol(client, order)
    await _completed(client, protocol_id, order)
    (request,) = await send_requests(client, order["id"])
    await publish_and_wait(
        client,
        MessageSent(
            message_id=uuid.uuid4(),
            idempotency_key=request["idempotency_key"],
            requester="fieldwork",
            requester_reference=request["requester_reference"],
            business_object=None,
            channel=Channel.EMAIL,
            sent_to=["sven@example.com"],
        ),
    )
    async with runtime_of(client).uow() as uow:
        state = await uow.session.scalar(
            select(tables.order_message.c.state).where(
                tables.order_message.c.idempotency_key == request["idempotency_key"]
            )
        )
    assert state == "sent"
