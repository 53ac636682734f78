"""Only an attempt past the point of no return may be unconfirmed: an attempt records
``preparing`` when it begins and ``handing_over`` just before SMTP DATA; a sender that
died before the hand-over was recorded sent nothing, and its message is sent by the next
delivery, once; one that died after it is unconfirmed (``test_never_twice`` has the
death after the server took the message)."""

from __future__ import annotations

import email as email_parser
import uuid
from collections.abc import Sequence
from datetime import UTC, datetime
from email import policy as email_policy
from email.message import EmailMessage
from typing import Literal

import httpx
import pytest

from aftersales_contracts.notifications import Channel
from aftersales_kit.runtime import ServiceRuntime
from aftersales_testing.builders import email_address
from notifications.delivery import attempts
from notifications.delivery.attempts import AttemptTaken
from notifications.delivery.domain import SmtpServer
from notifications.delivery.mime import ComposedEmail
from notifications.delivery.smtp import HandingOver, SmtpTransport
from notifications.settings import Settings

from ..conftest import outbox_payloads
from .helpers import an_email, send_body, status_of
from .test_never_twice import _sender
from .test_reliability import smtp_server, through

NOW = datetime(2026, 12, 8, 9, 30, tzinfo=UTC)
Where = Literal["connecting", "after_rcpt", "before_data"]


class DiesInTheAttempt(SmtpTransport):
    """The sender "dies" (raises, so its delivery's transaction is lost and the broker
    redelivers, as after a SIGKILL) the first time it sends to ``doomed``, at ``where``:
    ``connecting`` (nothing reached the server), ``after_rcpt`` (the server accepted MAIL
    and RCPT; the hand-over is not recorded yet), ``before_data`` (the hand-over is
    recorded; DATA was never sent)."""

    def __init__(self, settings: Settings, where: Where, doomed: str) -> None:
        super().__init__(settings)
        self.where = where
        self.doomed: set[str] = {doomed}

    async def send(
        self,
        email: ComposedEmail,
        recipients: Sequence[str],
        server: SmtpServer | None = None,
        *,
        handing_over: HandingOver | None = None,
    ) -> list[str]:
        dies = bool(self.doomed.intersection(recipients))
        self.doomed.difference_update(recipients)
        if dies and self.where == "connecting":
            raise RuntimeError("the sender died while connecting")

        async def then_dies() -> None:
            if dies and self.where == "after_rcpt":
                raise RuntimeError("the sender died after RCPT, before recording the hand-over")
            if handing_over is not None:
                await handing_over()
            if dies and self.where == "before_data":
                raise RuntimeError("the sender died after recording the hand-over, before DATA")

        return await super().send(email, recipients, server, handing_over=then_dies)


@pytest.mark.parametrize("where", ["connecting", "after_rcpt"])
async def test_a_sender_that_died_before_the_hand_over_is_resent_once_not_unconfirmed(
    runtime: ServiceRuntime, settings: Settings, client: httpx.AsyncClient, where: Where
) -> None:
    to = email_address()
    with smtp_server() as (server, port):
        body = send_body(
            recipient={"emails": [to]}, org_unit_id=str(await through(client, runtime, port))
        )
        transport = DiesInTheAttempt(settings, where, to)
        async with _sender(settings, transport):
            message_id = (await client.post("/messages", json=body)).json()["id"]
            shown = await status_of(client, message_id, "sent")
        assert transport.doomed == set()  # it did die once
        # The dead attempt's envelope reached the server (after RCPT) or nothing did.
        assert server.attempts[to] == (2 if where == "after_rcpt" else 1)
        assert len(server.to(to)) == 1  # sent exactly once
    assert [(a["number"], a["phase"], a["outcome"]) for a in shown["attempts"]] == [
        (1, "preparing", "not_sent"),
        (2, "handing_over", "sent"),
    ]
    assert "before it handed anything over" in shown["attempts"][0]["detail"]
    assert shown["reason"] is None
    assert len(await outbox_payloads(runtime, "notifications.message.sent", message_id)) == 1


async def test_a_sender_that_died_after_recording_the_hand_over_leaves_it_unconfirmed(
    runtime: ServiceRuntime, settings: Settings, client: httpx.AsyncClient
) -> None:
    to = email_address()
    with smtp_server() as (server, port):
        body = send_body(
            recipient={"emails": [to]}, org_unit_id=str(await through(client, runtime, port))
        )
        transport = DiesInTheAttempt(settings, "before_data", to)
        async with _sender(settings, transport):
            message_id = (await client.post("/messages", json=body)).json()["id"]
            shown = await status_of(client, message_id, "unconfirmed")
        # Held for an operator although DATA never went: past the recorded point of no
        # return nothing tells the two apart, so it is never sent on its own again.
        assert server.attempts[to] == 1
        assert server.to(to) == []
    assert [(a["number"], a["phase"], a["outcome"]) for a in shown["attempts"]] == [
        (1, "handing_over", "unconfirmed"),
    ]
    assert await outbox_payloads(runtime, "notifications.message.sent", message_id) == []


async def test_the_hand_over_is_recorded_after_the_envelope_and_before_data(
    settings: Settings,
) -> None:
    email = an_email(["a@example.com", "b@example.com"], "Grüße: 8-bit text, as templates make it")
    seen: list[tuple[int, int]] = []
    with smtp_server() as (server, port):
        server.invalid.add("b@example.com")
        local = SmtpServer("127.0.0.1", port, use_tls=False)

        async def handing_over() -> None:
            seen.append((server.attempts.get("b@example.com", 0), len(server.received)))

        accepted = await SmtpTransport(settings).send(
            email, ["a@example.com", "b@example.com"], local, handing_over=handing_over
        )
        # Every RCPT was answered (one refused for good), no DATA yet.
        assert seen == [(1, 0)]
        assert accepted == ["a@example.com"]
        [envelope] = server.received
        # A 7-bit message (``mime``: no BODY=8BITMIME needed), its SIZE declared.
        assert envelope.mail_options == [f"SIZE={len(email.data)}"]
        assert (envelope.original_content or b"").isascii()
        received = email_parser.message_from_bytes(
            envelope.original_content or b"", policy=email_policy.default
        )
        assert isinstance(received, EmailMessage)
        body = received.get_body(("plain",))
        assert body is not None
        assert "Grüße" in body.get_content()

        # A hand-over that could not be recorded: its error, and nothing sent.
        async def unrecorded() -> None:
            raise ConnectionResetError("the database went away")

        with pytest.raises(ConnectionResetError, match="database went away"):
            await SmtpTransport(settings).send(
                email, ["a@example.com"], local, handing_over=unrecorded
            )
        assert len(server.received) == 1
        assert server.attempts["a@example.com"] == 2


async def test_an_abandoned_attempt_cannot_be_handed_over_and_a_handed_over_one_stays(
    runtime: ServiceRuntime,
) -> None:
    """The compare-and-set behind the phase rule: a sender that lost its row lock and the
    delivery that found its attempt unfinished never both go on."""
    async with runtime.uow() as uow:
        abandoned = await attempts.begin(
            uow, uuid.uuid4(), Channel.EMAIL, ["a@example.com"], now=NOW
        )
        assert await attempts.abandon(uow, abandoned, now=NOW)
        with pytest.raises(AttemptTaken):
            await attempts.hand_over(uow, abandoned)
        assert not await attempts.abandon(uow, abandoned, now=NOW)

        handed = await attempts.begin(uow, uuid.uuid4(), Channel.EMAIL, ["a@example.com"], now=NOW)
        await attempts.hand_over(uow, handed)
        assert not await attempts.abandon(uow, handed, now=NOW)
        with pytest.raises(AttemptTaken):
            await attempts.hand_over(uow, handed)
        stored = await attempts.get(uow, handed.id)
        assert stored is not None
        assert (stored.phase, stored.outcome) == ("handing_over", None)
