"""Delivery's batch use case for e-mail: the e-mails of several queued deliveries sent in
one transaction of the sender, on the path every channel's batches share
(``delivery.batches``, which says what "never twice" keeps for each message).

What is e-mail's own: each message composed as its org unit sends it (a message its org
unit may not send is blocked; the secrets key missing sends the batch one by one), a
token from its SMTP server's bucket for each message, and the SMTP exchange, whose
hand-over is recorded before the text (while a pipelining server answers the envelope),
one message at a time on the kept connection.
"""

from __future__ import annotations

import logging
import uuid
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from aftersales_contracts.notifications import Channel
from aftersales_kit.inbox import OneByOne
from notifications.delivery.batches import Batch, HandingOver, Sending
from notifications.delivery.domain import (
    AttemptOutcome,
    PermanentDeliveryError,
    SendingProfile,
    UncertainDeliveryError,
)
from notifications.delivery.handlers import email_of
from notifications.delivery.ledger import Known
from notifications.delivery.mime import ComposedEmail
from notifications.delivery.pacing import smtp_retry_delay
from notifications.delivery.smtp import EmailTransport, SmtpRateLimits
from notifications.org_settings import handlers as org_settings
from notifications.sending import outcomes
from notifications.sending.domain import Blocked
from notifications.templates import handlers as templates

log = logging.getLogger(__name__)


@dataclass(kw_only=True)
class _Email(Sending):
    """One e-mail of the batch: how its org unit sends it, and the e-mail itself."""

    profile: SendingProfile
    email: ComposedEmail


@dataclass(frozen=True)
class EmailWay:
    """The e-mail sender's way out: its SMTP transport and its servers' pacing (None:
    not paced)."""

    transport: EmailTransport
    limits: SmtpRateLimits | None


class EmailBatch(Batch[_Email, EmailWay]):
    """Send the queued e-mails of a batch's commands (their inbox marks taken in ``uow``)
    and write their outcomes in ``uow`` (the kit commits it); ``deliver`` returns the
    commands that failed for now (the server deferred them, or could not be reached):
    their attempts are ended ``not_sent`` and they go back to the broker after their
    backoff."""

    channel = Channel.EMAIL

    async def prepared(self, queued: list[dict[str, Any]]) -> list[_Email]:
        """Each message's e-mail as its org unit sends it; a message its org unit may not
        send is blocked here (written in ``uow``)."""
        profiles: dict[uuid.UUID | None, SendingProfile | Blocked] = {}
        for org_unit_id in {row["org_unit_id"] for row in queued}:
            try:
                profiles[org_unit_id] = await org_settings.sending_profile(
                    self.uow, org_unit_id, self.settings
                )
            except org_settings.SecretsKeyMissing as error:
                raise OneByOne("the secrets key is missing") from error
        files = await templates.email_attachments_of(self.uow, [row["id"] for row in queued])
        sending: list[_Email] = []
        for row in queued:
            profile = profiles[row["org_unit_id"]]
            if isinstance(profile, Blocked):
                with self.serving(row):
                    await outcomes.record(self.uow, row, profile, now=self.now)
                continue
            email = email_of(row, profile, files.get(row["id"], ()), now=self.now)
            sending.append(_Email(row, profile=profile, email=email))
        return sending

    def take_tokens(self, sending: Sequence[_Email]) -> None:
        """Every message's token from its server's bucket, now. Tokens taken from one
        server's bucket before another's came up short are spent: the pacing errs slow."""
        if self.way.limits is None:
            return
        wanted = Counter(self.way.limits.of(s.profile.server, self.settings) for s in sending)
        for bucket, count in wanted.items():
            if not bucket.try_acquire(count):
                raise OneByOne("the pacing has not the tokens for the whole batch")

    async def send(self, s: _Email, handing_over: HandingOver) -> Known:
        attempt = s.attempt
        assert attempt is not None
        try:
            accepted = await self.way.transport.send(
                s.email, s.row["recipients"], server=s.profile.server, handing_over=handing_over
            )
        except UncertainDeliveryError as error:
            log.warning(
                "e-mail handed over without an answer; unconfirmed",
                extra={"id": str(s.row["id"]), "error": str(error)},
            )
            return self.ledger.ended(attempt.id, AttemptOutcome.UNCONFIRMED, detail=str(error))
        except PermanentDeliveryError as error:
            return self.ledger.ended(attempt.id, AttemptOutcome.FAILED, detail=str(error))
        return self.ledger.ended(attempt.id, AttemptOutcome.SENT, accepted=accepted)

    def retry_delay(self, delivery: int) -> float:
        return smtp_retry_delay(delivery, self.settings)
