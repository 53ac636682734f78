"""Free-text messages from an order (seed 004: "your part has arrived"), by e-mail and/or
SMS, starting from the order kind's default text that admins set (order kinds' PATCH of
``default_message_text`` and ``requires_photos``)."""

from __future__ import annotations

import uuid
from typing import Any

import httpx

from tests.integration.seed import as_user, seed_world
from tests.integration.test_documents_support import send_requests
from tests.integration.test_orders_support import new_order


def _problem(answer: httpx.Response, status: int, field: str | None) -> None:
    assert answer.status_code == status, answer.text
    if field is not None:
        body = answer.json()
        assert field in [body.get("field"), *(e["field"] for e in body.get("errors", []))], body


async def _kind(client: httpx.AsyncClient, **fields: Any) -> dict[str, Any]:
    answer = await client.post(
        "/order-kinds", json={"code": "k-" + uuid.uuid4().hex[:10], "name": "Repair"} | fields
    )
    assert answer.status_code == 201, answer.text
    kind: dict[str, Any] = answer.json()
    return kind


async def test_admins_set_a_kinds_default_text_and_whether_it_requires_photos(
    client: httpx.AsyncClient,
) -> None:
    kind = await _kind(client)
    assert (kind["requires_photos"], kind["default_message_text"]) == (False, None)
    url = f"/order-kinds/{kind['id']}"
    changed = await client.patch(
        url,
        json={"default_message_text": "Your part has arrived.", "requires_photos": True},
        headers={"If-Match": '"1"'},
    )
    assert changed.status_code == 200, changed.text
    assert (changed.json()["requires_photos"], changed.json()["default_message_text"]) == (
        True,
        "Your part has arrived.",
    )
    assert (await client.get(url)).json() == changed.json()
    # A blank text is none; too long, or requires_photos not a boolean: 422 naming it.
    cleared = await client.patch(
        url, json={"default_message_text": "  "}, headers={"If-Match": '"2"'}
    )
    assert cleared.json()["default_message_text"] is None
    _problem(
        await client.patch(
            url, json={"default_message_text": "x" * 5001}, headers={"If-Match": '"3"'}
        ),
        422,
        "default_message_text",
    )
    _problem(
        await client.patch(url, json={"requires_photos": None}, headers={"If-Match": '"3"'}),
        422,
        "requires_photos",
    )
    _problem(
        await client.patch(
            url,
            json={"default_message_text": "x"},
            headers={"If-Match": '"3"'} | as_user("olle", "operator"),
        ),
        403,
        None,
    )
    created = await _kind(client, default_message_text="Hello", requires_photos=True)
    assert (created["requires_photos"], created["default_message_text"]) == (True, "Hello")


async def test_a_free_text_starts_from_the_kinds_default_and_goes_to_the_contact(
    client: httpx.AsyncClient,
) -> None:
    world = await seed_world(client)
    kind = await _kind(client, default_message_text="Your part has arrived. {{ not a tag }}")
    order = await new_order(client, world, kind_id=kind["id"], contact_id=str(world.contact_id))
    url = f"/service-orders/{order['id']}/messages"
    default = await client.get(url + "/default")
    assert default.json() == {"text": "Your part has arrived. {{ not a tag }}"}

    sent = await client.post(url, json={"channels": ["email", "sms"]})
    assert sent.status_code == 202, sent.text
    entries = sent.json()["items"]
    assert [(e["purpose"], e["channel"], e["recipients"]) for e in entries] == [
        ("free_text", "email", ["sven@example.com"]),
        ("free_text", "sms", ["+46701234567"]),
    ]
    email, sms = await send_requests(client, order["id"])
    # The text travels as a value: a "{{" a user typed is never read as a placeholder.
    assert email["content"] == {
        "email_subject": "{{ subject }}",
        "email_body": "{{ body }}",
        "sms_text": None,
    }
    assert email["values"] == {
        "subject": f"Angående er order {order['number']}",
        "body": "Your part has arrived. {{ not a tag }}",
    }
    assert (email["channel"], email["recipient"]["emails"]) == ("email", ["sven@example.com"])
    assert sms["content"]["sms_text"] == "{{ body }}"
    assert (sms["channel"], sms["recipient"]["mobiles"]) == ("sms", ["+46701234567"])
    assert email["attachments"] == []
    assert email["user_link"] is None

    # Own text and addresses; the sent log shows them, never flagged.
    own = await client.post(
        url,
        json={"channels": ["email"], "text": "Ready Friday", "emails": ["a@example.com"]},
        headers={"Idempotency-Key": "once"},
    )
    assert own.json()["items"][0]["recipients"] == ["a@example.com"]
    again = await client.post(
        url,
        json={"channels": ["email"], "text": "Ready Friday", "emails": ["a@example.com"]},
        headers={"Idempotency-Key": "once"},
    )
    assert again.json()["items"] == []
    assert (await send_requests(client, order["id"]))[-1]["values"]["body"] == "Ready Friday"
    log = (await client.get(f"/service-orders/{order['id']}/sent-log")).json()["items"]
    assert [(e["purpose"], e["flagged"]) for e in log] == [("free_text", False)] * 3


async def test_free_text_refusals(client: httpx.AsyncClient) -> None:
    world = await seed_world(client)
    kind = await _kind(client)
    # No contact, no kind text.
    order = await new_order(client, world, kind_id=kind["id"])
    url = f"/service-orders/{order['id']}/messages"
    assert (await client.get(url + "/default")).json() == {"text": ""}
    _problem(await client.post(url, json={"channels": ["email"]}), 422, "text")
    _problem(await client.post(url, json={"channels": ["email"], "text": "Hi"}), 422, "emails")
    _problem(await client.post(url, json={"channels": ["sms"], "text": "Hi"}), 422, "mobiles")
    _problem(await client.post(url, json={"channels": []}), 422, "channels")
    _problem(await client.post(url, json={"channels": ["email", "email"]}), 422, "channels")
    _problem(await client.post(url, json={"channels": ["fax"]}), 422, "channels.0")
    _problem(
        await client.post(url, json={"channels": ["sms"], "text": "Hi", "mobiles": ["0701"]}),
        422,
        "mobiles.0",
    )
    _problem(await client.post(url, json={"channels": ["email"], "text": "x" * 5001}), 422, "text")
    for role in ("viewer", "technician"):
        _problem(
            await client.post(
                url,
                json={"channels": ["email"], "text": "Hi", "emails": ["a@example.com"]},
                headers=as_user("someone", role),
            ),
            403 if role == "viewer" else 404,
            None,
        )
    _problem(await client.post(f"/service-orders/{uuid.uuid4()}/messages", json={}), 422, None)
    _problem(
        await client.post(
            f"/service-orders/{uuid.uuid4()}/messages",
            json={"channels": ["email"], "text": "Hi", "emails": ["a@example.com"]},
        ),
        404,
        None,
    )
    _problem(await client.get(f"/service-orders/{uuid.uuid4()}/messages/default"), 404, None)
    assert await send_requests(client, order["id"]) == []
