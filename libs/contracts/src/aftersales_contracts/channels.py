"""Which way a message to a customer goes: the one rule notifications sends by and
scheduling's callout list shows ("Send to"). Pure: the customer's communication settings
(catalog's snapshot) and what the message provides in, the choice or the reason out.

The rule, in order:

1. A **preferred** method decides when the customer has one: it must be allowed
   (catalog guarantees it; otherwise blocked by the allowed methods) and the message must
   provide it, or the result is "preferred communication is not possible" (no other
   method is tried: the seed's state for a step that lacks the customer's preference).
   Without the preferred method's address or number on file, the other allowed methods
   are tried as in 2 (the customer's preference, not the step, is what failed).
2. Otherwise the **allowed** methods are tried in the order e-mail, SMS, letter; the first
   the message provides and the customer has an address or number for wins (a letter
   needs none here: it goes to the print queue). An empty ``allowed`` allows nothing.
3. Nothing left: blocked by the allowed methods, with what was missing in ``detail`` (a
   recipient without the address or number its methods need is a recipient problem,
   fixed by updating the recipient).

A message that provides no method at all is "nothing to send", before all of this.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass

from aftersales_contracts.catalog import CommunicationMethod
from aftersales_contracts.notifications import BlockReason

ORDER = (CommunicationMethod.EMAIL, CommunicationMethod.SMS, CommunicationMethod.LETTER)


@dataclass(frozen=True)
class Chosen:
    """The method and where it goes: every e-mail address or every mobile number on file
    (notifications sends to all of them); none for a letter."""

    method: CommunicationMethod
    to: tuple[str, ...]

    def shown(self) -> str:
        """The list's "Send to": the addresses or numbers, or ``letter``."""
        return ", ".join(self.to) or self.method.value


@dataclass(frozen=True)
class NotPossible:
    reason: BlockReason
    detail: str
    method: CommunicationMethod | None = None


Choice = Chosen | NotPossible


# By value (a member is its own value): a lookup, not an enum call that raises for an
# unknown one. The list computes "Send to" for every row it shows or exports.
_METHODS = {m.value: m for m in CommunicationMethod}


def _method(value: CommunicationMethod | str) -> CommunicationMethod | None:
    return _METHODS.get(value)  # a method this version does not know is never chosen


def _names(allows: Collection[CommunicationMethod]) -> str:
    return ", ".join(m.value for m in ORDER if m in allows) or "none"


def _to(
    method: CommunicationMethod, emails: Sequence[str], mobiles: Sequence[str]
) -> tuple[str, ...] | None:
    """Where ``method`` would go, or None when the customer has nowhere for it."""
    if method is CommunicationMethod.EMAIL:
        return tuple(emails) or None
    if method is CommunicationMethod.SMS:
        return tuple(mobiles) or None
    return ()  # a letter: the print queue


def choose(
    *,
    emails: Sequence[str],
    mobiles: Sequence[str],
    allowed: Collection[CommunicationMethod | str],
    preferred: CommunicationMethod | str | None,
    provided: Collection[CommunicationMethod | str] | None = None,
) -> Choice:
    """The method a message to this customer takes, or why none can (module docstring).
    ``provided``: the methods the message has content for (an e-mail subject and body, an
    SMS text, a report); None when not known, as for every method."""
    allows = {m for m in map(_method, allowed) if m is not None}
    offers = None if provided is None else {m for m in map(_method, provided) if m is not None}
    wanted = _method(preferred) if preferred else None
    if offers is not None and not offers:
        # The step has no message at all: whatever the customer prefers, nothing to send.
        return NotPossible(BlockReason.NOTHING_TO_SEND, "the message has no content")
    if wanted is not None:
        if wanted not in allows:
            return NotPossible(
                BlockReason.ALLOWED_METHODS,
                f"the preferred method {wanted.value} is not allowed (allowed: {_names(allows)})",
                wanted,
            )
        if offers is not None and wanted not in offers:
            return NotPossible(
                BlockReason.PREFERRED_NOT_POSSIBLE,
                f"the message has no {wanted.value}, the customer's preferred method",
                wanted,
            )
    candidates = ([wanted] if wanted is not None else []) + [m for m in ORDER if m != wanted]
    for method in candidates:
        if method not in allows or (offers is not None and method not in offers):
            continue
        to = _to(method, emails, mobiles)
        if to is not None:
            return Chosen(method, to)
    usable = [m for m in ORDER if m in allows and (offers is None or m in offers)]
    if not usable:
        given = ", ".join(m.value for m in ORDER if offers is None or m in offers)
        return NotPossible(
            BlockReason.ALLOWED_METHODS,
            f"the customer allows {_names(allows)}; the message has {given}",
        )
    missing = " or ".join(
        "e-mail address" if m is CommunicationMethod.EMAIL else "mobile number" for m in usable
    )
    return NotPossible(
        BlockReason.ALLOWED_METHODS,
        f"the customer has no {missing} (allowed: {_names(allows)})",
        usable[0],
    )
