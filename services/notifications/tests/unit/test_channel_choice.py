"""The channel choice (``sending.domain.decide``) over the allowed and preferred methods,
the addresses on file and what the message (the step) provides: a table of the cases the
seed names, then the rule's promises checked over every combination."""

from __future__ import annotations

import itertools

import pytest

from aftersales_contracts.catalog import CommunicationMethod as M
from aftersales_contracts.notifications import BlockReason as R
from aftersales_contracts.notifications import Channel, ChannelChoice
from notifications.sending.domain import (
    Addressee,
    Blocked,
    Decision,
    SendEmail,
    SendSms,
    decide,
)
from notifications.sending.rendering import Rendered

MAIL = ("a@example.com",)
MOBILE = ("+46701234567",)
CONTENT = {
    M.EMAIL: {"subject": "Service due", "body_html": "<p>Due</p>", "body_text": "Due"},
    M.SMS: {"sms_text": "Service due"},
}


def step(*methods: M) -> Rendered:
    """A rendered message with content for ``methods`` only."""
    parts: dict[str, str] = {}
    for method in methods:
        parts |= CONTENT[method]
    return Rendered(**parts)


def customer(
    allowed: tuple[M, ...],
    preferred: M | None = None,
    emails: tuple[str, ...] = MAIL,
    mobiles: tuple[str, ...] = MOBILE,
) -> Addressee:
    return Addressee(
        emails=emails, mobiles=mobiles, allowed=frozenset(allowed), preferred=preferred
    )


E, S, L = M.EMAIL, M.SMS, M.LETTER
BOTH = step(E, S)

# (addressee, what the step provides, the channel asked for, what happens)
TABLE: list[tuple[Addressee, Rendered, ChannelChoice, Decision | R]] = [
    # Issue 17 item 3: only SMS allowed, no preference, an e-mail address on file.
    (customer((S,)), BOTH, ChannelChoice.AUTO, SendSms(MOBILE)),
    (customer((S,), emails=MAIL, mobiles=()), BOTH, ChannelChoice.AUTO, R.ALLOWED_METHODS),
    # No preference: e-mail first, then SMS, among what is allowed, provided, on file.
    (customer((E, S)), BOTH, ChannelChoice.AUTO, SendEmail(MAIL)),
    (customer((E, S)), step(S), ChannelChoice.AUTO, SendSms(MOBILE)),
    (customer((E, S), emails=()), BOTH, ChannelChoice.AUTO, SendSms(MOBILE)),
    (customer((E, S), mobiles=()), step(S), ChannelChoice.AUTO, R.ALLOWED_METHODS),
    # The preferred method decides when allowed, provided and on file ...
    (customer((E, S), preferred=S), BOTH, ChannelChoice.AUTO, SendSms(MOBILE)),
    (customer((E, S), preferred=E), BOTH, ChannelChoice.AUTO, SendEmail(MAIL)),
    # ... and a step that lacks it is "preferred communication is not possible" (item 2),
    # though another allowed method is there.
    (customer((E, S), preferred=S), step(E), ChannelChoice.AUTO, R.PREFERRED_NOT_POSSIBLE),
    (customer((E, S), preferred=E), step(S), ChannelChoice.AUTO, R.PREFERRED_NOT_POSSIBLE),
    (customer((E, L), preferred=L), BOTH, ChannelChoice.AUTO, R.PREFERRED_NOT_POSSIBLE),
    # The preferred method's number missing: the other allowed methods (the shared rule).
    (customer((E, S), preferred=S, mobiles=()), BOTH, ChannelChoice.AUTO, SendEmail(MAIL)),
    # Item 13: no e-mail address and e-mail the only way: a recipient problem (blocked by
    # the allowed methods, fixed by "update recipient"), not the step's settings.
    (customer((E,), emails=()), BOTH, ChannelChoice.AUTO, R.ALLOWED_METHODS),
    (customer((E,), preferred=E, emails=()), BOTH, ChannelChoice.AUTO, R.ALLOWED_METHODS),
    (customer((E,), emails=()), BOTH, ChannelChoice.EMAIL, R.ALLOWED_METHODS),
    (customer((S,), mobiles=()), BOTH, ChannelChoice.SMS, R.ALLOWED_METHODS),
    # Nothing allowed, or nothing allowed that the step provides.
    (customer(()), BOTH, ChannelChoice.AUTO, R.ALLOWED_METHODS),
    (customer((L,)), BOTH, ChannelChoice.AUTO, R.ALLOWED_METHODS),
    (customer((S,)), step(E), ChannelChoice.AUTO, R.ALLOWED_METHODS),
    # A step with no message at all.
    (customer((E, S)), step(), ChannelChoice.AUTO, R.NOTHING_TO_SEND),
    # A forced channel: allowed, the step's content for it (else its setup is missing).
    (customer((E, S), preferred=S), BOTH, ChannelChoice.EMAIL, SendEmail(MAIL)),
    (customer((E,)), BOTH, ChannelChoice.SMS, R.ALLOWED_METHODS),
    (customer((E, S)), step(E), ChannelChoice.SMS, R.SMS_SETUP_MISSING),
    (customer((E, S)), step(S), ChannelChoice.EMAIL, R.EMAIL_SETTINGS_MISSING),
    # A request's own addresses (no customer, no restriction).
    (Addressee(emails=MAIL), BOTH, ChannelChoice.AUTO, SendEmail(MAIL)),
    (Addressee(emails=(), mobiles=MOBILE), BOTH, ChannelChoice.AUTO, SendSms(MOBILE)),
    (Addressee(emails=MAIL, mobiles=MOBILE), step(S), ChannelChoice.AUTO, SendSms(MOBILE)),
    (Addressee(emails=MAIL), step(S), ChannelChoice.AUTO, R.EMAIL_SETTINGS_MISSING),
    (Addressee(emails=MAIL), step(), ChannelChoice.AUTO, R.NOTHING_TO_SEND),
    (Addressee(emails=MAIL), BOTH, ChannelChoice.SMS, R.SMS_SETUP_MISSING),
]


@pytest.mark.parametrize(("addressee", "rendered", "choice", "expected"), TABLE)
def test_the_channel_choice(
    addressee: Addressee, rendered: Rendered, choice: ChannelChoice, expected: Decision | R
) -> None:
    decision = decide(choice, addressee, rendered, sms_ready=True)
    if isinstance(expected, R):
        assert isinstance(decision, Blocked), decision
        assert decision.reason is expected, decision
        assert decision.detail
    else:
        assert decision == expected


def test_an_sms_without_a_provider_is_sms_setup_missing() -> None:
    decision = decide(ChannelChoice.AUTO, customer((S,)), BOTH, sms_ready=False)
    assert decision == Blocked(
        R.SMS_SETUP_MISSING, "SMS sending is not set up (no provider)", Channel.SMS
    )


def test_a_recipient_problem_says_what_is_missing() -> None:
    decision = decide(ChannelChoice.AUTO, customer((E,), emails=()), BOTH, sms_ready=True)
    assert decision == Blocked(
        R.ALLOWED_METHODS, "the customer has no e-mail address (allowed: email)", Channel.EMAIL
    )


METHOD_SETS = [frozenset(c) for n in range(4) for c in itertools.combinations((E, S, L), n)]


@pytest.mark.parametrize("allowed", METHOD_SETS)
def test_the_rule_holds_for_every_customer_and_step(allowed: frozenset[M]) -> None:
    """Over each preferred method, address on file and what the step provides: what
    is chosen is allowed, provided and on file, the preferred one when it can be; a
    preference the step lacks is "not possible"; the step's settings are never blamed
    for a customer's missing address, nor the customer for a step without content."""
    for preferred, emails, mobiles, offers in itertools.product(
        [None, *sorted(allowed)], (MAIL, ()), (MOBILE, ()), METHOD_SETS
    ):
        if L in offers:
            continue  # letters are the print queue's, never e-mailed or texted
        addressee = customer(tuple(allowed), preferred, emails, mobiles)
        decision = decide(ChannelChoice.AUTO, addressee, step(*offers), sms_ready=True)
        case = (allowed, preferred, emails, mobiles, offers, decision)
        on_file = {E: bool(emails), S: bool(mobiles)}
        possible = [m for m in (E, S) if m in allowed and m in offers and on_file[m]]
        if isinstance(decision, SendEmail | SendSms):
            method = M(decision.channel.value)
            assert method in allowed, case
            assert method in offers, case
            assert on_file[method], case
            if preferred in possible:
                assert method is preferred, case
            elif preferred is None:
                assert method is possible[0], case  # e-mail before SMS
            continue
        assert isinstance(decision, Blocked)
        assert decision.reason not in (R.EMAIL_SETTINGS_MISSING, R.SMS_SETUP_MISSING), case
        if not offers:
            assert decision.reason is R.NOTHING_TO_SEND, case
        elif preferred is not None and preferred not in offers:
            assert decision.reason is R.PREFERRED_NOT_POSSIBLE, case
        else:
            assert not possible, case
            assert decision.reason is R.ALLOWED_METHODS, case
