"""A callout's service order: "create service order" asks field work to open the visit
(a command through the broker), and field work's order events come back to the callout —
the order's number when opened, the callout completed with the order."""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy import select, update

from aftersales_contracts.envelope import Envelope
from aftersales_contracts.fieldwork import (
    OpenServiceOrder,
    ServiceOrderCancelled,
    ServiceOrderCompleted,
    ServiceOrderCreated,
    ServiceOrderSnapshot,
)
from aftersales_kit.problems import Conflict, NotFound
from aftersales_kit.uow import UnitOfWork
from scheduling import action_rules, actions, domain, queries, tables
from scheduling.action_rules import OrderNews
from scheduling.context import Context
from scheduling.domain import Action, CalloutState

# Who acts in the callout's history when field work's event names nobody.
FIELDWORK = "fieldwork"
_ACTOR_LENGTH = 100


async def request(
    ctx: Context,
    uow: UnitOfWork,
    callout_id: uuid.UUID,
    actor: str,
    visible: queries.Visible = None,
) -> dict[str, Any]:
    """ "Create service order": the callout after it; 404 for a callout the caller does not
    see, 409 naming ``state`` (completed or cancelled) or ``service_order`` (one was
    requested or opened already: a callout gets one order)."""
    c = tables.callout
    query = select(c).where(c.c.id == callout_id)
    seen = queries.visible_clause(visible)
    if seen is not None:
        query = query.where(seen)
    row = (await uow.session.execute(query.with_for_update())).first()
    if row is None:
        raise NotFound(f"no callout with id {callout_id}")
    state = CalloutState(row.state)
    try:
        target = domain.transition(Action.CREATE_SERVICE_ORDER, state)
    except domain.InvalidTransition as error:
        raise Conflict(str(error), field="state", state=state) from None
    refusal = action_rules.service_order_refusal(row)
    if refusal is not None:
        raise Conflict(
            f"cannot create a service order: {refusal}",
            field="service_order",
            service_order_id=str(row.service_order_id) if row.service_order_id else None,
            service_order_number=row.service_order_number,
        )
    now = ctx.clock.now()
    effect = action_rules.effect(Action.CREATE_SERVICE_ORDER, row, target, actor, now)
    await uow.session.execute(
        update(c).where(c.c.id == callout_id).values(updated_at=now, **effect.values)
    )
    await uow.session.execute(
        tables.callout_action.insert().values(
            action_rules.history_entry(
                callout_id,
                Action.CREATE_SERVICE_ORDER.value,
                actor,
                now,
                state,
                state,
                effect.detail,
            )
        )
    )
    uow.send(
        OpenServiceOrder(
            callout_id=callout_id,
            customer_id=row.customer_id,
            serial_item_id=row.serial_item_id,
            service_type_id=row.service_type_id,
            service_type_name=row.service_type_name,
            org_unit_id=await _org_unit_id(uow, row.org_unit),
            description=_description(row.service_type_name, row.step_description),
            requested_by=actor,
        )
    )
    await uow.commit()
    return await queries.get_callout(uow, callout_id)


def _description(service_type_name: str | None, step: str | None) -> str | None:
    """What the order says it is for: the type and its step ("Annual service: Inspection")."""
    parts = [p for p in (service_type_name, step) if p]
    return ": ".join(parts) or None


async def _org_unit_id(uow: UnitOfWork, code: str | None) -> uuid.UUID | None:
    """The callout's org unit by id (field work keys org units by id, callouts by code);
    None when the projection does not know the code."""
    if code is None:
        return None
    ou = tables.org_unit.c
    found: uuid.UUID | None = await uow.session.scalar(
        select(ou.id).where(ou.code == code).order_by(ou.id).limit(1)
    )
    return found


# --- field work's events ---------------------------------------------------------------


async def on_order_created(
    ctx: Context, uow: UnitOfWork, envelope: Envelope[ServiceOrderCreated]
) -> None:
    """The order opened for a callout: its number shows on the callout."""
    event = envelope.payload
    await _record(ctx, uow, event.order, event.changed_by, "service_order_opened", "opened")


async def on_order_completed(
    ctx: Context, uow: UnitOfWork, envelope: Envelope[ServiceOrderCompleted]
) -> None:
    """The callout's order was completed: the callout is completed as "mark as completed"
    completes it, on-completion message included."""
    event = envelope.payload
    order = event.order
    recorded = await _record(ctx, uow, order, event.changed_by, None, None)
    if not recorded or order.callout_id is None:
        return
    await actions.complete_for_service_order(
        ctx, uow, order.callout_id, _actor(event.changed_by), order.number
    )


async def on_order_cancelled(
    ctx: Context, uow: UnitOfWork, envelope: Envelope[ServiceOrderCancelled]
) -> None:
    """The callout's order was cancelled: the callout stays as it was; it keeps the
    order's number with the stage ``cancelled`` (and gets no other order)."""
    event = envelope.payload
    await _record(ctx, uow, event.order, event.changed_by, "service_order_cancelled", "cancelled")


async def _record(
    ctx: Context,
    uow: UnitOfWork,
    order: ServiceOrderSnapshot,
    changed_by: str | None,
    history_action: str | None,
    verb: str | None,
) -> bool:
    """Write the order's number and stage on its callout; False when the event is not a
    callout's, the callout is unknown, or the event is older than what the callout shows."""
    if order.callout_id is None:
        return False  # an order opened on its own
    c = tables.callout
    row = (
        await uow.session.execute(select(c).where(c.c.id == order.callout_id).with_for_update())
    ).first()
    if row is None:
        return False
    news = OrderNews(order.order_id, order.number, order.stage.value, order.version)
    values = action_rules.order_values(row, news)
    if values is None:
        return False
    now = ctx.clock.now()
    await uow.session.execute(update(c).where(c.c.id == row.id).values(updated_at=now, **values))
    if history_action is not None:
        state = CalloutState(row.state)
        await uow.session.execute(
            tables.callout_action.insert().values(
                action_rules.history_entry(
                    row.id,
                    history_action,
                    _actor(changed_by),
                    now,
                    state,
                    state,
                    f"service order {order.number} {verb}",
                )
            )
        )
    return True


def _actor(changed_by: str | None) -> str:
    return (changed_by or FIELDWORK)[:_ACTOR_LENGTH]
