"""The callout actions users take (approve, send now, mark completed, cancel, resend,
update recipient, synchronize, approve all, recalculate): locked rows in, the pure
``action_rules`` decide, the changes, history and send requests out."""

from __future__ import annotations

import logging
import uuid
from collections import Counter
from dataclasses import dataclass, field, replace
from datetime import timedelta
from typing import Any

from sqlalchemy import Row, literal, select, update

from aftersales_kit.problems import Conflict, NotFound
from aftersales_kit.search import plan_for_values
from aftersales_kit.uow import UnitOfWork
from scheduling import action_rules, dispatch, domain, outgoing, queries, tables
from scheduling.action_rules import Facts
from scheduling.context import Context
from scheduling.domain import Action, CalloutState, Purpose
from scheduling.planning import lock_planning

log = logging.getLogger(__name__)


@dataclass
class _Outcome:
    acted: list[dict[str, Any]] = field(default_factory=list)
    skipped: list[dict[str, Any]] = field(default_factory=list)
    missing: list[uuid.UUID] = field(default_factory=list)


async def act_on_one(
    ctx: Context,
    uow: UnitOfWork,
    action: Action,
    callout_id: uuid.UUID,
    actor: str,
    *,
    customer_version: int | None = None,
    visible: queries.Visible = None,
) -> dict[str, Any]:
    """One callout's action: the callout after it, or 404 / 409 naming the reason."""
    if customer_version is not None:
        await _hold_customer_of(uow, callout_id)
    outcome = await _act(ctx, uow, action, [callout_id], actor, customer_version, visible)
    if outcome.missing:
        raise NotFound(f"no callout with id {callout_id}")
    if outcome.skipped:
        [skipped] = outcome.skipped
        raise Conflict(skipped["reason"], field="state", state=skipped["state"])
    await uow.commit()
    return await queries.get_callout(uow, callout_id)


async def act_on_selection(
    ctx: Context,
    uow: UnitOfWork,
    action: Action,
    ids: list[uuid.UUID],
    actor: str,
    visible: queries.Visible = None,
) -> dict[str, Any]:
    """A selection's action: which rows were acted on, which skipped and why; 409 when
    the action does not apply to the selection (no row qualifies, or one row does not
    where the action needs them all)."""
    outcome = await _act(ctx, uow, action, ids, actor, None, visible)
    skipped = outcome.skipped + [
        {"id": str(i), "state": None, "reason": f"no callout with id {i}"} for i in outcome.missing
    ]
    rule = domain.SELECTION_RULES[action]
    if rule is domain.SelectionRule.ALL and skipped:
        raise Conflict(
            f"cannot {action.value.replace('_', ' ')} this selection: "
            + "; ".join(f"{s['id']}: {s['reason']}" for s in skipped),
            field="ids",
            skipped=skipped,
        )
    if not outcome.acted:
        raise Conflict(
            f"none of the selected callouts can be {action_rules.PAST_TENSE[action]}",
            field="ids",
            skipped=skipped,
        )
    await uow.commit()
    return {"acted": outcome.acted, "skipped": skipped}


async def complete_for_service_order(
    ctx: Context, uow: UnitOfWork, callout_id: uuid.UUID, actor: str, number: str
) -> bool:
    """Field work completed the callout's service order: "mark as completed", exactly as
    a user's (its on-completion message goes out), noted with the order's number. False
    when the callout's state does not allow it (completed or cancelled by hand meanwhile):
    nothing changes. The caller's unit of work commits."""
    note = action_rules.completed_by_order_detail(number)
    outcome = await _act(ctx, uow, Action.MARK_COMPLETED, [callout_id], actor, None, note=note)
    return bool(outcome.acted)


async def approve_matching(
    ctx: Context, uow: UnitOfWork, matching: queries.CalloutFilter, actor: str
) -> dict[str, Any]:
    """ "Approve all": every callout awaiting approval that matches the list's filter."""
    c = tables.callout
    now = ctx.clock.now()
    if queries.searches(matching):
        await plan_for_values(uow.session)
    ids = (
        select(c.c.id)
        .select_from(queries.joined())
        .where(*queries.conditions(matching), c.c.state == CalloutState.AWAITING_APPROVAL)
    )
    # One statement however many match: the update and its audit rows, in the database.
    approved = (
        update(c)
        .where(c.c.id.in_(ids), c.c.state == CalloutState.AWAITING_APPROVAL)
        .values(state=CalloutState.APPROVED, approved_at=now, approved_by=actor, updated_at=now)
        .returning(c.c.id)
        .cte("approved")
    )
    a = tables.callout_action
    audit = a.insert().from_select(
        ["callout_id", "action", "actor", "at", "from_state", "to_state"],
        select(
            approved.c.id,
            literal("approve_all", a.c.action.type),
            literal(actor, a.c.actor.type),
            literal(now, a.c.at.type),
            literal(CalloutState.AWAITING_APPROVAL.value, a.c.from_state.type),
            literal(CalloutState.APPROVED.value, a.c.to_state.type),
        ),
    )
    result = await uow.session.execute(audit)
    count = int(getattr(result, "rowcount", 0))  # a CursorResult for an INSERT
    await uow.commit()
    return {"approved": count}


async def _act(
    ctx: Context,
    uow: UnitOfWork,
    action: Action,
    ids: list[uuid.UUID],
    actor: str,
    customer_version: int | None,
    visible: queries.Visible = None,
    note: str | None = None,
) -> _Outcome:
    """``note``: why the action was taken, when not by a user's hand (the history's
    detail, before the effect's own)."""
    c = tables.callout
    now = ctx.clock.now()
    query = select(c).where(c.c.id.in_(ids))
    seen = queries.visible_clause(visible)
    if seen is not None:
        query = query.where(seen)  # another org unit's callout: as if it did not exist
    rows = (await uow.session.execute(query.order_by(c.c.id).with_for_update(of=c))).all()
    found = {row.id for row in rows}
    outcome = _Outcome(missing=[i for i in dict.fromkeys(ids) if i not in found])
    to_send: list[tuple[uuid.UUID, Purpose, int]] = []
    for row in rows:
        state = CalloutState(row.state)
        try:
            target = domain.transition(action, state, sending=action_rules.sending(row))
        except domain.InvalidTransition as error:
            outcome.skipped.append({"id": str(row.id), "state": state, "reason": str(error)})
            continue
        facts = await _facts(uow, action, row, customer_version)
        effect = action_rules.effect(action, row, target, actor, now, facts)
        after = effect.state_after(state)
        detail = "; ".join(d for d in (note, effect.detail) if d) or None
        await uow.session.execute(
            update(c).where(c.c.id == row.id).values(updated_at=now, **effect.values)
        )
        await uow.session.execute(
            tables.callout_action.insert().values(
                action_rules.history_entry(row.id, action.value, actor, now, state, after, detail)
            )
        )
        if effect.send is not None:
            to_send.append((row.id, *effect.send))
        outcome.acted.append({"id": str(row.id), "state": after})
    if to_send:
        joined = {r.id: r for r in await dispatch.send_rows(uow, [i for i, _, _ in to_send])}
        types = await queries.service_types(uow, {r.service_type_id for r in joined.values()})
        for callout_id, purpose, attempt in to_send:
            callout = joined[callout_id]
            service_type = types[callout.service_type_id]
            uow.send(outgoing.send_message(callout, service_type, purpose, attempt))
    return outcome


async def _facts(
    uow: UnitOfWork, action: Action, row: Row[Any], customer_version: int | None
) -> Facts:
    """What ``action`` needs to know beyond the callout, read only for that action."""
    if action is Action.MARK_COMPLETED:
        return Facts(has_completion_message=await _has_completion_message(uow, row))
    facts = Facts()
    if action in _WAITING_ACTIONS and customer_version is not None:
        projected = await uow.session.scalar(
            select(tables.customer.c.version).where(tables.customer.c.id == row.customer_id)
        )
        facts = Facts(customer_version=customer_version, projected_customer_version=projected)
    if action in (Action.SYNCHRONIZE, Action.UPDATE_RECIPIENT_AND_SYNCHRONIZE):
        facts = replace(facts, send_to=await _projected_send_to(uow, row.customer_id))
    return facts


# The actions that may wait for the customer version the user saved in catalog.
_WAITING_ACTIONS = (Action.UPDATE_RECIPIENT, Action.UPDATE_RECIPIENT_AND_SYNCHRONIZE)


async def resend_for_customers(
    ctx: Context, uow: UnitOfWork, arrived: dict[uuid.UUID, int]
) -> None:
    """Customers' new snapshots (id -> version) arrived: callouts waiting for them are
    sent again."""
    if not arrived:
        return
    c = tables.callout
    rows = (
        await uow.session.execute(
            select(c).where(
                c.c.customer_id.in_(list(arrived)),
                c.c.resend_at_customer_version.is_not(None),
            )
        )
    ).all()
    now = ctx.clock.now()
    for row in rows:
        if row.resend_at_customer_version > arrived[row.customer_id]:
            continue  # waits for a later version still
        send_to = await _projected_send_to(uow, row.customer_id)
        values = action_rules.on_customer_arrival(
            CalloutState(row.state), now, send_to, row.customer_wait_action
        )
        await uow.session.execute(
            update(c).where(c.c.id == row.id).values(updated_at=now, **values)
        )


SYSTEM_ACTOR = "system"


async def time_out_customer_waits(ctx: Context, uow: UnitOfWork) -> int:
    """Callouts that have waited longer than ``recipient_update_timeout_hours`` for a
    customer version (one catalog never issued, or that never reached us) stop waiting
    and stay in their state with the error saying so, in the history as the system's
    ``recipient_update_timed_out``. One batch, committed; how many were examined."""
    c = tables.callout
    now = ctx.clock.now()
    hours = ctx.settings.recipient_update_timeout_hours
    rows = (
        await uow.session.execute(
            select(c)
            .where(
                c.c.resend_at_customer_version.is_not(None),
                c.c.customer_wait_since < now - timedelta(hours=hours),
            )
            .order_by(c.c.customer_wait_since)
            .limit(ctx.settings.dispatch_batch_size)
            .with_for_update(of=c, skip_locked=True)
        )
    ).all()
    for row in rows:
        state = CalloutState(row.state)
        values, detail = action_rules.on_wait_timeout(state, now, hours, row.customer_wait_action)
        await uow.session.execute(
            update(c).where(c.c.id == row.id).values(updated_at=now, **values)
        )
        if detail is not None:
            await uow.session.execute(
                tables.callout_action.insert().values(
                    action_rules.history_entry(
                        row.id,
                        "recipient_update_timed_out",
                        SYSTEM_ACTOR,
                        now,
                        state,
                        state,
                        detail,
                    )
                )
            )
    await uow.commit()
    return len(rows)


async def recalculate(
    ctx: Context,
    uow: UnitOfWork,
    serial_item_id: uuid.UUID,
    actor: str,
    visible: queries.Visible = None,
) -> dict[str, Any]:
    """ "Recalculate messages" for one serial item: re-plan every workflow it has or
    should have; sent, completed and cancelled callouts stay as they are."""
    query = select(tables.serial_item).where(tables.serial_item.c.id == serial_item_id)
    item = (await uow.session.execute(query)).first()
    if item is None or not queries.may_see(visible, item.org_unit):
        raise NotFound(f"no serial item with id {serial_item_id}", field="serial_item_id")
    await lock_planning(uow, [item.product_id, item.pinned_service_type_id])
    # Read again, held: an item event committed in between is planned as it is now,
    # and one arriving now waits for this recalculation.
    item = (await uow.session.execute(query.with_for_update(read=True))).one()
    await lock_planning(uow, [item.product_id, item.pinned_service_type_id])
    before = await _snapshots(uow, serial_item_id)
    planned = (await ctx.planner.replan_items(uow, [item])).get(item.id, 0)
    changes = domain.recalculation_changes(before, await _snapshots(uow, serial_item_id))
    now = ctx.clock.now()
    if changes:
        await uow.session.execute(
            tables.callout_action.insert(),
            [
                action_rules.history_entry(
                    change.callout_id,
                    "recalculate",
                    actor,
                    now,
                    change.from_state,
                    change.to_state,
                    change.detail,
                )
                for change in changes
            ],
        )
    counts = Counter(change.kind for change in changes)
    log.info(
        "recalculated callouts",
        extra={"serial_item_id": str(serial_item_id), "actor": actor, "workflows": planned},
    )
    await uow.commit()
    return {
        "serial_item_id": str(serial_item_id),
        "workflows": planned,
        **{kind: counts[kind] for kind in ("created", "moved", "updated", "withdrawn")},
    }


async def _snapshots(
    uow: UnitOfWork, serial_item_id: uuid.UUID
) -> dict[uuid.UUID, domain.CalloutSnapshot]:
    c = tables.callout.c
    rows = await uow.session.execute(
        select(c.id, c.state, c.scheduled_for, c.customer_id, c.org_unit, c.error).where(
            c.serial_item_id == serial_item_id
        )
    )
    return {
        row.id: domain.CalloutSnapshot(
            CalloutState(row.state), row.scheduled_for, row.customer_id, row.org_unit, row.error
        )
        for row in rows
    }


async def _hold_customer_of(uow: UnitOfWork, callout_id: uuid.UUID) -> None:
    """Lock the callout's customer projection row (shared) before the callout itself.

    "Update recipient" compares the projected customer version with the one the user
    saved; a customer snapshot arriving at that moment upserts the row and then looks
    for callouts waiting for it. Without the lock each could miss the other's
    uncommitted write and the callout would wait forever; with it, one goes first and
    the other sees its write. Customer row, then callouts: the snapshot handler's order.
    """
    c, cust = tables.callout.c, tables.customer.c
    await uow.session.execute(
        select(cust.id)
        .where(cust.id == select(c.customer_id).where(c.id == callout_id).scalar_subquery())
        .with_for_update(read=True)
    )


async def _has_completion_message(uow: UnitOfWork, row: Row[Any]) -> bool:
    service_type = (await queries.service_types(uow, [row.service_type_id])).get(
        row.service_type_id
    )
    if service_type is None:
        return False
    return outgoing.has_completion_message(service_type, row.step_id)


async def _projected_send_to(uow: UnitOfWork, customer_id: uuid.UUID) -> str | None:
    cust = tables.customer
    row = (await uow.session.execute(select(cust).where(cust.c.id == customer_id))).first()
    if row is None:
        return None
    return domain.send_to(row.emails, row.mobiles, row.allowed_methods, row.preferred_method)
