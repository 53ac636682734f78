"""A letter customer's message with a report goes to the print queue (pure decision)."""

from __future__ import annotations

from aftersales_contracts.catalog import CommunicationMethod as M
from aftersales_contracts.notifications import BlockReason, Channel, ChannelChoice
from notifications.print_queue import domain as print_queue
from notifications.sending.domain import Addressee, Blocked, SendEmail, SendLetter, decide
from notifications.sending.rendering import Rendered

EMAIL = Rendered(subject="Due", body_html="<p>Due</p>", body_text="Due")


def _customer(preferred: M | None, *allowed: M) -> Addressee:
    return Addressee(emails=("a@example.com",), allowed=frozenset(allowed), preferred=preferred)


def test_a_preferred_letter_with_a_report_is_printed() -> None:
    decided = decide(ChannelChoice.AUTO, _customer(M.LETTER, M.EMAIL, M.LETTER), EMAIL, report=True)
    assert decided == SendLetter()
    assert decided.channel is Channel.LETTER


def test_a_preferred_letter_without_a_report_is_not_possible() -> None:
    decided = decide(ChannelChoice.AUTO, _customer(M.LETTER, M.EMAIL, M.LETTER), EMAIL)
    assert isinstance(decided, Blocked)
    assert decided.reason is BlockReason.PREFERRED_NOT_POSSIBLE


def test_an_email_customer_gets_the_email_report_or_not() -> None:
    decided = decide(ChannelChoice.AUTO, _customer(None, M.EMAIL, M.LETTER), EMAIL, report=True)
    assert decided == SendEmail(to=("a@example.com",))


def test_only_letter_allowed_with_a_report_is_printed() -> None:
    decided = decide(ChannelChoice.AUTO, _customer(None, M.LETTER), EMAIL, report=True)
    assert decided == SendLetter()


def test_printed_letters_report_their_tag() -> None:
    assert print_queue.sent_to("TAG") == ["TAG"]
    assert print_queue.sent_to("") == ["print"]
    assert print_queue.batch_file_name("", 3) == "print-queue untagged (3).pdf"
