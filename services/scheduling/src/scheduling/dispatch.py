"""Dispatching: asking notifications to send the callouts that are due, inside their org
unit's sending window, and the rows a send request is built from."""

from __future__ import annotations

import uuid
from collections import defaultdict
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Row, Select, select, update

from aftersales_contracts.notifications import SendMessages
from aftersales_kit.uow import UnitOfWork
from scheduling import outgoing, queries, sending_windows, tables
from scheduling.context import Context
from scheduling.domain import CalloutState, Purpose

# The due time of a callout whose org unit's window never opens (no weekdays).
NEVER = datetime(9999, 12, 31, tzinfo=UTC)


async def dispatch_due(ctx: Context, uow: UnitOfWork) -> int:
    """Ask notifications to send every approved callout that is due and inside its org
    unit's sending window; one due outside it waits for the window's next opening.
    Returns how many callouts it handled (sent or deferred)."""
    now = ctx.clock.now()
    c = tables.callout
    rows = (
        await uow.session.execute(
            send_query(customer_known=True)
            .where(
                c.c.state == CalloutState.APPROVED,
                c.c.send_requested_at.is_(None),
                c.c.due_at <= now,
            )
            .order_by(c.c.due_at)
            .limit(ctx.settings.dispatch_batch_size)
            .with_for_update(of=c, skip_locked=True)
        )
    ).all()
    windows = await sending_windows.windows(ctx, uow, {row.org_unit for row in rows})
    sending: list[Row[Any]] = []
    deferred: dict[datetime, list[uuid.UUID]] = defaultdict(list)
    for row in rows:
        opening = windows[row.org_unit].next_opening(now)
        if opening != now:
            # Outside the window: due again when it next opens (a window without
            # weekdays never opens; "send now" still sends).
            deferred[opening or NEVER].append(row.id)
            continue
        sending.append(row)
    types = await queries.service_types(uow, {row.service_type_id for row in sending})
    requests = [
        outgoing.send_message(
            row, types[row.service_type_id], Purpose.INITIAL, row.send_attempt + 1
        )
        for row in sending
    ]
    # The batch's requests in one command (decision 102; the batch is at most what one
    # carries): one outbox row, publish and delivery for them all, each still its own
    # message and result in notifications.
    if requests:
        uow.send(SendMessages(messages=requests))
    requested = [row.id for row in sending]
    # One statement for the batch's requests (the rows are locked: the attempt counted
    # in SQL is the one the message names) and one per window opening.
    if requested:
        await uow.session.execute(
            update(c)
            .where(c.c.id.in_(requested))
            .values(send_requested_at=now, send_attempt=c.c.send_attempt + 1, updated_at=now)
        )
    for opening, ids in deferred.items():
        await uow.session.execute(
            update(c).where(c.c.id.in_(ids)).values(due_at=opening, updated_at=now)
        )
    await uow.commit()
    return len(rows)


def send_query(*, customer_known: bool) -> Select[Any]:
    """What a send request needs of each callout: the callout, its item and customer, for
    a type scheduling knows (its definition is read once a batch: ``queries.service_types``).
    ``customer_known``: only callouts whose customer has reached the projection (the
    dispatcher's: one whose customer has not waits a tick)."""
    c, item, cust, st = tables.callout, tables.serial_item, tables.customer, tables.service_type
    unit = tables.org_unit
    joined = c.join(item, item.c.id == c.c.serial_item_id).join(st, st.c.id == c.c.service_type_id)
    joined = (
        joined.join(cust, cust.c.id == c.c.customer_id)
        if customer_known
        else joined.outerjoin(cust, cust.c.id == c.c.customer_id)
    )
    # The org unit's id for notifications (its sending settings), from the projection
    # (a subquery: the dispatcher locks callout rows, one per callout).
    unit_id = select(unit.c.id).where(unit.c.code == c.c.org_unit).limit(1).scalar_subquery()
    return select(
        c,
        item,
        cust.c.name.label("customer_name"),
        cust.c.customer_number,
        cust.c.language.label("customer_language"),
        unit_id.label("org_unit_id"),
    ).select_from(joined)


async def send_rows(uow: UnitOfWork, ids: list[uuid.UUID]) -> list[Row[Any]]:
    """The send-request rows of these callouts, whether or not their customer is known."""
    query = send_query(customer_known=False).where(tables.callout.c.id.in_(ids))
    return list((await uow.session.execute(query)).all())
