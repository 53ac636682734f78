"""What a sender process knows about the delivery attempts it started itself.

The attempt's phase in the database tells a *later* delivery what a dead sender may
have done: ``handing_over`` with no outcome means "maybe sent". But the kit's consumer
retries a handler in process when the database fails under it (the whole handler runs
again), and a redelivery can come back to the same process: that delivery finds an
unfinished attempt whose sender is alive and knows exactly what happened, because
only the database write of it failed. ``AttemptLedger`` keeps that knowledge in
memory, so the later delivery records the known outcome (sent, failed, not sent)
instead of taking its own process for a dead one. ``unconfirmed`` stays what it
means: the answer is genuinely unknown (a sender died between handing over and
recording the answer, or the connection dropped after DATA began).

Pure and synchronous: no I/O, one process's memory, bounded.
"""

from __future__ import annotations

import uuid
from collections import OrderedDict
from collections.abc import Sequence
from dataclasses import dataclass, replace

from notifications.delivery.domain import AttemptOutcome


@dataclass(frozen=True)
class Known:
    """One attempt as its own sender knows it. ``outcome`` None: its delivery is still
    at it (``handed_over``: past the point of no return, its answer not in yet)."""

    outcome: AttemptOutcome | None = None
    handed_over: bool = False
    detail: str | None = None
    accepted: tuple[str, ...] = ()
    provider_ids: tuple[str, ...] = ()

    @property
    def running(self) -> bool:
        return self.outcome is None


class AttemptLedger:
    """The attempts this process started, by attempt id, the oldest forgotten first past
    ``capacity`` (a sender has at most its prefetch of deliveries at once; an entry is
    forgotten as soon as its outcome is committed, so only the ones whose write failed
    stay, and only until a delivery records them)."""

    def __init__(self, capacity: int = 10_000) -> None:
        if capacity < 1:
            raise ValueError("an attempt ledger needs room for at least one attempt")
        self._capacity = capacity
        self._known: OrderedDict[uuid.UUID, Known] = OrderedDict()

    def __len__(self) -> int:
        return len(self._known)

    def get(self, attempt_id: uuid.UUID) -> Known | None:
        return self._known.get(attempt_id)

    def started(self, attempt_id: uuid.UUID) -> None:
        self._put(attempt_id, Known())

    def handed_over(self, attempt_id: uuid.UUID) -> None:
        """The point of no return is passed (SMTP DATA, the provider's request begin)."""
        known = self._known.get(attempt_id)
        if known is not None:  # else forgotten past the capacity: the database's rule applies
            self._known[attempt_id] = replace(known, handed_over=True)

    def ended(
        self,
        attempt_id: uuid.UUID,
        outcome: AttemptOutcome,
        *,
        detail: str | None = None,
        accepted: Sequence[str] = (),
        provider_ids: Sequence[str] = (),
    ) -> Known:
        """The attempt's outcome as its sender knows it (before it is written)."""
        known = Known(
            outcome=outcome,
            handed_over=self._known.get(attempt_id, Known()).handed_over,
            detail=detail,
            accepted=tuple(accepted),
            provider_ids=tuple(provider_ids),
        )
        self._put(attempt_id, known)
        return known

    def settle(self, attempt_id: uuid.UUID) -> None:
        """The delivery is leaving the attempt (it raised, or is cancelled): one still
        running ends with what is certain. Before the point of no return nothing was
        handed over; past it without an answer, it may have gone out."""
        known = self._known.get(attempt_id)
        if known is None or not known.running:
            return
        if known.handed_over:
            detail = "its delivery ended before its outcome was recorded"
            self.ended(attempt_id, AttemptOutcome.UNCONFIRMED, detail=detail)
        else:
            detail = "its delivery ended before it handed anything over"
            self.ended(attempt_id, AttemptOutcome.NOT_SENT, detail=detail)

    def forget(self, attempt_id: uuid.UUID) -> None:
        """The attempt's outcome is committed: nothing left to know."""
        self._known.pop(attempt_id, None)

    def _put(self, attempt_id: uuid.UUID, known: Known) -> None:
        self._known[attempt_id] = known
        self._known.move_to_end(attempt_id)
        while len(self._known) > self._capacity:
            self._known.popitem(last=False)
