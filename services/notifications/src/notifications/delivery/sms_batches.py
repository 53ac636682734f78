"""Delivery's batch use case for SMS: the SMS of several queued deliveries sent in one
transaction of the SMS sender, on the path every channel's batches share
(``delivery.batches``, which says what "never twice" keeps for each message).

What is SMS's own: each message goes out under its org unit's sender name (else the
installation's), the rate limiter gives a token for every number of the batch at once
or the batch goes one by one, and a message's hand-over is recorded once, right before
the provider's request for its first number (from there any number may have been
taken; ``reference`` keeps a provider that honours it from sending a number twice).
The provider's answer — sent with its message ids, or refused — is committed as soon as
the last number's request is answered or one is refused for good.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from aftersales_contracts.notifications import Channel
from aftersales_kit.inbox import OneByOne
from notifications.delivery.batches import Batch, HandingOver, Sending
from notifications.delivery.domain import AttemptOutcome, PermanentDeliveryError
from notifications.delivery.handlers import sms_to_every_number
from notifications.delivery.ledger import Known
from notifications.delivery.pacing import TokenBucket, sms_retry_delay
from notifications.delivery.sms import SmsProvider
from notifications.org_settings import handlers as org_settings


@dataclass(kw_only=True)
class _Sms(Sending):
    """One SMS of the batch and the name it goes out under."""

    sender: str


@dataclass(frozen=True)
class SmsWay:
    """The SMS sender's way out: its provider and the process's pacing bucket."""

    provider: SmsProvider
    limiter: TokenBucket


class SmsBatch(Batch[_Sms, SmsWay]):
    """Send the queued SMS of a batch's commands (their inbox marks taken in ``uow``) to
    each of their numbers and write their outcomes in ``uow`` (the kit commits it);
    ``deliver`` returns the commands the provider did not take for now: their attempts
    are ended ``not_sent`` (saying how many numbers were taken) and they go back to the
    broker after their backoff."""

    channel = Channel.SMS

    async def prepared(self, queued: list[dict[str, Any]]) -> list[_Sms]:
        """Every queued message, with its org unit's sender name (read once per org unit,
        before any request: one name for every number of a message)."""
        names: dict[uuid.UUID | None, str] = {}
        for org_unit_id in {row["org_unit_id"] for row in queued}:
            names[org_unit_id] = await org_settings.sms_sender_name(
                self.uow, org_unit_id, self.settings
            )
        return [_Sms(row, sender=names[row["org_unit_id"]]) for row in queued]

    def take_tokens(self, sending: Sequence[_Sms]) -> None:
        """A token for every number of the batch, now (all or none)."""
        numbers = sum(len(s.row["recipients"]) for s in sending)
        if not self.way.limiter.try_acquire(numbers):
            raise OneByOne("the rate limiter has not the tokens for every number of the batch")

    async def send(self, s: _Sms, handing_over: HandingOver) -> Known:
        attempt = s.attempt
        assert attempt is not None
        # Once, before the first number's request, as the single delivery does.
        await handing_over()
        try:
            provider_ids = await sms_to_every_number(self.way.provider, s.row, s.sender)
        except PermanentDeliveryError as error:
            return self.ledger.ended(attempt.id, AttemptOutcome.FAILED, detail=str(error))
        return self.ledger.ended(
            attempt.id,
            AttemptOutcome.SENT,
            accepted=s.row["recipients"],
            provider_ids=provider_ids,
        )

    def retry_delay(self, delivery: int) -> float:
        return sms_retry_delay(delivery, self.settings)
