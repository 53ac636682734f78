"""``SendMessages``: a requester's batch of send requests in one command (decision 102)."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from aftersales_contracts.envelope import Envelope
from aftersales_contracts.notifications import MAX_SET_SIZE, Recipient, SendMessage, SendMessages


def _request(number: int) -> SendMessage:
    return SendMessage(
        idempotency_key=f"key-{number}",
        requester="tests",
        requester_reference=f"ref-{number}",
        recipient=Recipient(emails=["ada@example.com"]),
    )


def test_a_set_carries_its_requests_through_the_envelope_unchanged() -> None:
    sent = Envelope.wrap(SendMessages(messages=[_request(1), _request(2)]))
    received = Envelope[SendMessages].model_validate_json(sent.model_dump_json())
    assert received.type == "notifications.send_messages"
    assert [m.idempotency_key for m in received.payload.messages] == ["key-1", "key-2"]


@pytest.mark.parametrize("count", [0, MAX_SET_SIZE + 1])
def test_an_empty_or_oversized_set_is_refused_naming_the_field(count: int) -> None:
    with pytest.raises(ValidationError, match="messages"):
        SendMessages(messages=[_request(n) for n in range(count)])
