"""The SMS sender's batches: deliveries queued while no sender ran go out together (one
transaction), each message ending as its own delivery would (sent once per number,
failed, or back to the broker and sent later); and a batch whose sender dies after the
provider's answers leaves them recorded, provider ids and all, for the next delivery."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any

import httpx
import pytest
from sqlalchemy import select

from aftersales_contracts.envelope import Envelope
from aftersales_contracts.notifications import DeliverSms
from aftersales_contracts.topology import NOTIFICATIONS_SMS_DELIVERIES
from aftersales_kit.inbox import Consumer
from aftersales_kit.messaging_tables import outbox_message
from aftersales_kit.runtime import ServiceRuntime
from aftersales_testing.waiting import eventually
from notifications import sms_sender
from notifications.delivery import subscribers
from notifications.delivery.batches import Sender
from notifications.delivery.ledger import AttemptLedger
from notifications.delivery.pacing import TokenBucket
from notifications.delivery.sms import HttpSmsProvider
from notifications.delivery.sms_batches import SmsBatch, SmsWay
from notifications.fake_sms import FakeSmsServer
from notifications.settings import Settings

from .helpers import status_of
from .test_sms import mobile, sms_body


async def _queued(client: httpx.AsyncClient, *numbers: str) -> str:
    response = await client.post("/messages", json=sms_body(recipient={"mobiles": list(numbers)}))
    assert response.status_code == 202, response.text
    return str(response.json()["id"])


async def _all_published(runtime: ServiceRuntime, message_ids: list[str]) -> bool:
    """Whether the API's relay has put every one of these messages' DeliverSms on the
    broker (so a sender started now finds them all waiting)."""
    async with runtime.sessionmaker() as session:
        rows = (
            await session.execute(
                select(outbox_message.c.body, outbox_message.c.published_at).where(
                    outbox_message.c.routing_key == "notifications.deliver_sms"
                )
            )
        ).all()
    published = {body["payload"]["message_id"] for body, at in rows if at is not None}
    return published.issuperset(message_ids)


def _phases(shown: dict[str, Any]) -> list[tuple[str, str | None]]:
    return [(a["phase"], a["outcome"]) for a in shown["attempts"]]


async def test_sms_queued_together_go_out_in_one_batch_each_with_its_own_outcome(
    settings: Settings,
    runtime: ServiceRuntime,
    client: httpx.AsyncClient,
    fake_sms: FakeSmsServer,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # A gathering wait long enough that every delivery waiting at the start is in the
    # first batch (the sender's own 2 ms may split it on a busy machine).
    monkeypatch.setattr(subscribers, "_GATHERING_SECONDS", 0.5)
    singles = [mobile() for _ in range(3)]
    pair = [mobile(), mobile()]
    refused, deferred = mobile(), mobile()
    fake_sms.state.refuse(refused)
    fake_sms.state.fail_next(deferred, 1, status=503)  # the first request only
    # Queued while no SMS sender runs: the sender finds them waiting and takes them together.
    ids = {number: await _queued(client, number) for number in [*singles, refused, deferred]}
    pair_id = await _queued(client, *pair)
    await eventually(
        lambda: _all_published(runtime, [*ids.values(), pair_id]), what="commands on the broker"
    )

    app = sms_sender.build_app(settings)
    async with app.router.lifespan_context(app):
        sent = {n: await status_of(client, ids[n], "sent") for n in singles}
        sent_pair = await status_of(client, pair_id, "sent")
        failed = await status_of(client, ids[refused], "failed")
        # The deferred one went back to the broker after its backoff and is sent alone.
        retried = await status_of(client, ids[deferred], "sent")

    # Sent once per number, each with the provider's id of its SMS.
    for number in [*singles, *pair, deferred]:
        assert len(fake_sms.state.received(number)) == 1, number
    for number, shown in sent.items():
        assert shown["sent_to"] == [number]
        assert shown["provider_message_ids"] == [fake_sms.state.received(number)[0].id]
    assert sent_pair["sent_to"] == pair
    assert sent_pair["provider_message_ids"] == [fake_sms.state.received(n)[0].id for n in pair]

    # One batch: every attempt began together (one statement, one time), and each
    # answer was committed as it came (phase ``answered``: the batch path's alone).
    firsts = [s["attempts"][0] for s in [*sent.values(), sent_pair, failed, retried]]
    assert len({a["started_at"] for a in firsts}) == 1
    for shown in [*sent.values(), sent_pair]:
        assert _phases(shown) == [("answered", "sent")]

    # Refused for good: failed at its first answer, not retried.
    assert "invalid number" in failed["reason"]
    assert _phases(failed) == [("answered", "failed")]
    assert fake_sms.state.attempts(refused) == 1
    assert fake_sms.state.received(refused) == []

    # Deferred: its attempt in the batch ended not sent apart, saying how far it got;
    # the next delivery (alone: the single path) sent it.
    assert _phases(retried) == [("handing_over", "not_sent"), ("handing_over", "sent")]
    assert retried["attempts"][0]["detail"].startswith("0 of 1 numbers taken")
    assert fake_sms.state.attempts(deferred) == 2


async def test_an_sms_batch_whose_sender_dies_before_its_commit_leaves_its_answers_recorded(
    settings: Settings,
    runtime: ServiceRuntime,
    client: httpx.AsyncClient,
    fake_sms: FakeSmsServer,
) -> None:
    """The provider took every SMS of a batch, then the sender died before the batch's one
    commit of their outcomes: each answer (with the provider's ids) was committed the
    moment it came, so the next delivery records it — sent once, the ids kept — instead
    of leaving the message "maybe sent"."""
    singles = [mobile() for _ in range(3)]
    pair = [mobile(), mobile()]
    refused = mobile()
    fake_sms.state.refuse(refused)
    ids = [await _queued(client, n) for n in singles]
    ids.append(await _queued(client, *pair))
    ids.append(await _queued(client, refused))
    consumer = Consumer(NOTIFICATIONS_SMS_DELIVERIES, runtime.uow)
    provider = HttpSmsProvider(settings)
    try:
        async with runtime.uow() as uow:
            # The dead process's ledger: gone with it.
            way = SmsWay(provider, TokenBucket(100, 100))
            returned = await SmsBatch(
                [Envelope.wrap(DeliverSms(message_id=uuid.UUID(m))) for m in ids],
                uow,
                Sender(settings, AttemptLedger(), consumer, way),
                now=datetime.now(UTC),
            ).deliver()
            assert returned == {}
            await uow.rollback()  # the sender dies: the batch's transaction never commits
    finally:
        await provider.aclose()
    numbers = [*singles, *pair]
    assert [len(fake_sms.state.received(n)) for n in numbers] == [1] * len(numbers)
    for message_id in ids:
        shown = (await client.get(f"/messages/{message_id}")).json()
        assert shown["status"] == "queued"
        assert _phases(shown) == [("answered", None)]

    # A new sender process: the commands still queued come to it.
    app = sms_sender.build_app(settings)
    async with app.router.lifespan_context(app):
        sent = [await status_of(client, m, "sent") for m in ids[:-1]]
        failed = await status_of(client, ids[-1], "failed")
    # Nothing asked of the provider again (not even a repeat it would have recognized).
    assert [fake_sms.state.attempts(n) for n in [*numbers, refused]] == [1] * (len(numbers) + 1)
    for shown, to in zip(sent, [[n] for n in singles] + [pair], strict=True):
        assert _phases(shown) == [("answered", "sent")]
        assert shown["sent_to"] == to
        # Known only from the answered record: the batch that got them never committed.
        assert shown["provider_message_ids"] == [fake_sms.state.received(n)[0].id for n in to]
    assert "invalid number" in failed["reason"]
    assert _phases(failed) == [("answered", "failed")]
