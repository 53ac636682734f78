"""The shared channel rule (``aftersales_contracts.channels.choose``)."""

from __future__ import annotations

from aftersales_contracts.catalog import CommunicationMethod as M
from aftersales_contracts.channels import Chosen, NotPossible, choose
from aftersales_contracts.notifications import BlockReason

EMAIL = ["a@example.com", "b@example.com"]
MOBILE = ["+46701234567"]


def test_only_sms_allowed_without_preference_takes_the_sms_though_an_address_is_on_file() -> None:
    # Issue 17 item 3: blocked before, since e-mail was tried first whatever was allowed.
    choice = choose(emails=EMAIL, mobiles=MOBILE, allowed=["sms"], preferred=None)
    assert choice == Chosen(M.SMS, tuple(MOBILE))
    assert choice.shown() == "+46701234567"


def test_without_preference_email_then_sms_then_letter() -> None:
    both = choose(emails=EMAIL, mobiles=MOBILE, allowed=[M.SMS, M.EMAIL], preferred=None)
    assert both == Chosen(M.EMAIL, tuple(EMAIL))
    assert isinstance(both, Chosen)
    assert both.shown() == "a@example.com, b@example.com"
    no_address = choose(emails=[], mobiles=MOBILE, allowed=["email", "sms"], preferred=None)
    assert no_address == Chosen(M.SMS, tuple(MOBILE))
    letter = choose(emails=[], mobiles=[], allowed=["email", "letter"], preferred=None)
    assert letter == Chosen(M.LETTER, ())
    assert isinstance(letter, Chosen)
    assert letter.shown() == "letter"


def test_the_preferred_method_wins_over_the_order() -> None:
    choice = choose(emails=EMAIL, mobiles=MOBILE, allowed=["email", "sms"], preferred="sms")
    assert choice == Chosen(M.SMS, tuple(MOBILE))


def test_a_preferred_method_the_message_lacks_is_not_possible() -> None:
    choice = choose(
        emails=EMAIL, mobiles=MOBILE, allowed=["email", "sms"], preferred="sms", provided=["email"]
    )
    assert isinstance(choice, NotPossible)
    assert choice.reason is BlockReason.PREFERRED_NOT_POSSIBLE
    assert choice.method is M.SMS


def test_a_preferred_method_without_its_number_falls_back_to_another_allowed() -> None:
    choice = choose(emails=EMAIL, mobiles=[], allowed=["email", "sms"], preferred="sms")
    assert choice == Chosen(M.EMAIL, tuple(EMAIL))


def test_the_message_limits_the_methods_tried() -> None:
    choice = choose(
        emails=EMAIL, mobiles=MOBILE, allowed=["email", "sms"], preferred=None, provided=["sms"]
    )
    assert choice == Chosen(M.SMS, tuple(MOBILE))


def test_a_recipient_without_the_address_its_methods_need_is_blocked() -> None:
    choice = choose(emails=[], mobiles=MOBILE, allowed=["email"], preferred=None)
    assert isinstance(choice, NotPossible)
    assert choice.reason is BlockReason.ALLOWED_METHODS
    assert choice.detail == "the customer has no e-mail address (allowed: email)"
    both = choose(emails=[], mobiles=[], allowed=["sms", "email"], preferred=None)
    assert isinstance(both, NotPossible)
    wanted = "the customer has no e-mail address or mobile number (allowed: email, sms)"
    assert both.detail == wanted


def test_nothing_allowed_a_preferred_not_allowed_and_a_message_without_content() -> None:
    none = choose(emails=EMAIL, mobiles=MOBILE, allowed=[], preferred=None)
    assert isinstance(none, NotPossible)
    assert none.reason is BlockReason.ALLOWED_METHODS
    odd = choose(emails=EMAIL, mobiles=MOBILE, allowed=["email"], preferred="sms")
    assert isinstance(odd, NotPossible)
    assert odd.reason is BlockReason.ALLOWED_METHODS
    empty = choose(emails=EMAIL, mobiles=MOBILE, allowed=["email"], preferred=None, provided=[])
    assert isinstance(empty, NotPossible)
    assert empty.reason is BlockReason.NOTHING_TO_SEND
    unknown = choose(emails=EMAIL, mobiles=MOBILE, allowed=["pigeon"], preferred=None)
    assert isinstance(unknown, NotPossible)
    assert unknown.reason is BlockReason.ALLOWED_METHODS


def test_a_message_without_content_is_nothing_to_send_whatever_the_preference() -> None:
    for preferred in (None, "email", "sms"):
        choice = choose(
            emails=EMAIL, mobiles=MOBILE, allowed=["email", "sms"], preferred=preferred, provided=[]
        )
        assert isinstance(choice, NotPossible)
        assert choice.reason is BlockReason.NOTHING_TO_SEND, preferred
