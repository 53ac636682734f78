"""Scheduling's use cases: projections, planning, dispatching due callouts, results."""

from __future__ import annotations

import functools
import logging
import uuid
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, time
from typing import Any, TypeVar
from zoneinfo import ZoneInfo

from opentelemetry import trace
from sqlalchemy import (
    DateTime,
    Row,
    Select,
    Table,
    TextClause,
    bindparam,
    cast,
    func,
    literal,
    select,
    update,
)
from sqlalchemy.dialects.postgresql import insert

from aftersales_contracts.catalog import (
    CustomerRegistered,
    OrgUnitChanged,
    SerialItemRegistered,
)
from aftersales_contracts.envelope import Envelope
from aftersales_contracts.notifications import (
    BlockReason,
    BusinessObject,
    ChannelChoice,
    InlineContent,
    MessageBlocked,
    MessageFailed,
    MessageSent,
    Recipient,
    SendMessage,
)
from aftersales_contracts.servicetypes import ServiceTypeChanged
from aftersales_kit.clock import Clock
from aftersales_kit.db import compiled_once
from aftersales_kit.problems import Conflict, NotFound
from aftersales_kit.uow import UnitOfWork
from scheduling import domain, queries, tables
from scheduling.domain import Action, CalloutState, Outcome, Purpose
from scheduling.planning import (
    DELETED_REASON,
    NOT_APPLICABLE_REASON,
    Planner,
    lock_planning,
    zone_named,
)
from scheduling.settings import Settings

log = logging.getLogger(__name__)

REQUESTER = "scheduling"
# The snapshot fields scheduling keeps of an item (the rest of the event is not used).
ITEM_PROJECTION = tuple(c.name for c in tables.serial_item.columns if c.name != "id")
BUSINESS_OBJECT_KIND = "scheduling.callout"
# The due time of a callout whose org unit's window never opens (no weekdays).
NEVER = datetime(9999, 12, 31, tzinfo=UTC)


class Scheduler:
    """The use cases, bound to the settings and the clock they depend on."""

    def __init__(self, settings: Settings, clock: Clock) -> None:
        self.settings = settings
        self.clock = clock
        self.zone = ZoneInfo(settings.time_zone)
        self.planner = Planner(settings, clock)

    # --- projections -------------------------------------------------------------

    async def on_customer_registered(
        self, uow: UnitOfWork, envelope: Envelope[CustomerRegistered]
    ) -> None:
        await self.on_customers(uow, [envelope])

    async def on_customers(
        self, uow: UnitOfWork, envelopes: Sequence[Envelope[CustomerRegistered]]
    ) -> None:
        """Customer snapshots (registered or changed: each carries the whole customer), a
        batch in one transaction: upsert each if newer; callouts waiting for a customer's
        new contact data ("update recipient") are sent again."""
        latest = _newest([e.payload for e in envelopes], lambda c: c.customer_id)
        arrived: dict[uuid.UUID, int] = {}
        for customer_id in sorted(latest):  # one row order everywhere
            c = latest[customer_id]
            values = {
                "id": customer_id,
                "version": c.version,
                "customer_number": c.customer_number,
                "name": c.name,
                "emails": [str(e) for e in c.emails],
                "mobiles": c.mobiles,
                "allowed_methods": [m.value for m in c.allowed_methods],
                "preferred_method": c.preferred_method.value if c.preferred_method else None,
            }
            if await _upsert_newer(uow, tables.customer, values) is not None:
                arrived[customer_id] = c.version
        await self._resend_for_customers(uow, arrived)

    async def on_serial_item_registered(
        self, uow: UnitOfWork, envelope: Envelope[SerialItemRegistered]
    ) -> None:
        await self.on_serial_items(uow, [envelope])

    async def on_serial_items(
        self, uow: UnitOfWork, envelopes: Sequence[Envelope[SerialItemRegistered]]
    ) -> None:
        """Item snapshots (registered, changed, owner changed: each carries the whole
        item), a batch in one transaction: upsert each if newer, then re-plan the items
        that changed together, type by type."""
        latest = _newest([e.payload for e in envelopes], lambda i: i.serial_item_id)
        keys = [k for i in latest.values() for k in (i.product_id, i.pinned_service_type_id)]
        await lock_planning(uow, keys)
        changed = []
        for item_id in sorted(latest):  # one row order everywhere
            item = latest[item_id]
            values = {c: getattr(item, c) for c in ITEM_PROJECTION} | {"id": item_id}
            row = await _upsert_newer(uow, tables.serial_item, values)
            if row is not None:
                changed.append(row)
        await self._replan_items(uow, changed)

    async def on_org_unit_changed(
        self, uow: UnitOfWork, envelope: Envelope[OrgUnitChanged]
    ) -> None:
        unit = envelope.payload
        values = {
            "id": unit.org_unit_id,
            "version": unit.version,
            "code": unit.code,
            "name": unit.name,
            "time_zone": unit.time_zone,
            "parent_id": unit.parent_id,
        }
        await _upsert_newer(uow, tables.org_unit, values)

    async def on_service_type_changed(
        self, uow: UnitOfWork, envelope: Envelope[ServiceTypeChanged]
    ) -> None:
        service_type = envelope.payload
        product_ids = domain.linked_products(service_type.links)
        await lock_planning(uow, [*product_ids, service_type.service_type_id])
        values = {
            "id": service_type.service_type_id,
            "version": service_type.version,
            "definition": service_type.model_dump(mode="json"),
            "plan_cursor": None,  # a new version plans every item again
        }
        if await _upsert_newer(uow, tables.service_type, values) is None:
            return
        # The first batch of items now, with the event; the planning loop does the rest.
        await self.planner.start(uow, service_type)

    async def continue_planning(self, uow: UnitOfWork) -> bool:
        return await self.planner.continue_runs(uow)

    async def extend_horizon(self, uow: UnitOfWork) -> int:
        return await self.planner.extend_horizon(uow)

    # --- planning ------------------------------------------------------------------

    async def _replan_item(self, uow: UnitOfWork, item: Row[Any]) -> int:
        """Re-plan every workflow an item (its projection row) has or should have;
        returns how many workflows it touched."""
        return (await self._replan_items(uow, [item])).get(item.id, 0)

    async def _replan_items(self, uow: UnitOfWork, items: Sequence[Row[Any]]) -> Counter[uuid.UUID]:
        """Re-plan every workflow the items (projection rows) have or should have (the
        shared applicability rule, pinned types included), one batch per type; how many
        workflows each item's planning touched."""
        touched: Counter[uuid.UUID] = Counter()
        if not items:
            return touched
        w = tables.workflow.c
        types = [
            ServiceTypeChanged.model_validate(d)
            for d in (await uow.session.scalars(select(tables.service_type.c.definition))).all()
        ]
        existing = set(
            (
                await uow.session.execute(
                    select(w.service_type_id, w.serial_item_id).where(
                        w.serial_item_id.in_([item.id for item in items])
                    )
                )
            ).tuples()
        )
        for service_type in types:
            type_id = service_type.service_type_id
            applying, withdrawn = [], []
            for item in items:
                if domain.applies_to(
                    service_type,
                    item.product_id,
                    pinned_service_type_id=item.pinned_service_type_id,
                ):
                    applying.append(item)
                elif (type_id, item.id) in existing:
                    withdrawn.append(item.id)
            if applying:
                await self.planner.plan_items(uow, service_type, applying)
            if withdrawn:
                reason = DELETED_REASON if service_type.deleted else NOT_APPLICABLE_REASON
                await self.planner.withdraw(
                    uow, reason, service_type_id=type_id, item_ids=withdrawn
                )
            touched.update(item.id for item in applying)
            touched.update(withdrawn)
        return touched

    # --- sending -------------------------------------------------------------------

    def default_window(self, zone: ZoneInfo | None = None) -> domain.SendingWindow:
        """The service-wide window (settings), for items without org-unit settings."""
        s = self.settings
        return domain.SendingWindow(
            domain.ALL_WEEKDAYS, s.sending_window_start, s.sending_window_end, zone or self.zone
        )

    async def windows(
        self, uow: UnitOfWork, codes: set[str | None]
    ) -> dict[str | None, domain.SendingWindow]:
        """Each org unit's sending window: its own settings in its own time zone, else the
        service-wide window (in the org unit's zone when known); None: no org unit."""
        known = sorted(code for code in codes if code is not None)
        zones: dict[str, ZoneInfo] = {}
        configured: dict[str, Row[Any]] = {}
        if known:
            ou, sw = tables.org_unit.c, tables.sending_window.c
            for code, name in (
                await uow.session.execute(select(ou.code, ou.time_zone).where(ou.code.in_(known)))
            ).all():
                zones[code] = zone_named(name) or self.zone
            for row in (
                await uow.session.execute(
                    select(tables.sending_window).where(sw.org_unit_code.in_(known))
                )
            ).all():
                configured[row.org_unit_code] = row
        result: dict[str | None, domain.SendingWindow] = {}
        for code in codes:
            zone = zones.get(code) if code is not None else None
            own = configured.get(code) if code is not None else None
            if own is not None:
                result[code] = domain.SendingWindow(
                    frozenset(own.weekdays), own.start_time, own.end_time, zone or self.zone
                )
            else:
                result[code] = self.default_window(zone)
        return result

    async def dispatch_due(self, uow: UnitOfWork) -> int:
        """Ask notifications to send every approved callout that is due and inside its org
        unit's sending window; one due outside it waits for the window's next opening.
        Returns how many callouts it handled (sent or deferred)."""
        now = self.clock.now()
        s = self.settings
        c = tables.callout
        rows = (
            await uow.session.execute(
                _send_query(customer_known=True)
                .where(
                    c.c.state == CalloutState.APPROVED,
                    c.c.send_requested_at.is_(None),
                    c.c.due_at <= now,
                )
                .order_by(c.c.due_at)
                .limit(s.dispatch_batch_size)
                .with_for_update(of=c, skip_locked=True)
            )
        ).all()
        windows = await self.windows(uow, {row.org_unit for row in rows})
        for row in rows:
            opening = windows[row.org_unit].next_opening(now)
            if opening != now:
                # Outside the window: due again when it next opens (a window without
                # weekdays never opens; "send now" still sends).
                await uow.session.execute(
                    update(c)
                    .where(c.c.id == row.id)
                    .values(due_at=opening or NEVER, updated_at=now)
                )
                continue
            attempt = row.send_attempt + 1
            uow.send(self._send_request(row, Purpose.INITIAL, attempt))
            await uow.session.execute(
                update(c)
                .where(c.c.id == row.id)
                .values(send_requested_at=now, send_attempt=attempt, updated_at=now)
            )
        await uow.commit()
        return len(rows)

    def _send_request(self, row: Row[Any], purpose: Purpose, attempt: int) -> SendMessage:
        service_type = ServiceTypeChanged.model_validate(row.definition)
        step = next(s for s in service_type.steps if s.step_id == row.step_id)
        messages = step.initial if purpose is Purpose.INITIAL else step.on_completion
        return SendMessage(
            idempotency_key=domain.idempotency_key(row.id, purpose, attempt),
            requester=REQUESTER,
            requester_reference=str(row.id),
            recipient=Recipient(customer_id=row.customer_id),
            channel=ChannelChoice.AUTO,
            content=InlineContent(
                email_subject=messages.email_subject,
                email_body=messages.email_body,
                sms_text=messages.sms_text,
            ),
            values={
                "customer_name": row.customer_name or "",
                "customer_number": row.customer_number or "",
                "serial_number": row.serial_number,
                "serial_item_name": row.name,
                "product_name": row.product_name,
                "product_number": row.product_number,
                "scheduled_date": row.scheduled_for.isoformat(),
                "step_description": step.description,
                "service_type_name": service_type.display_name,
                "org_unit": row.org_unit or "",
            },
            business_object=BusinessObject(
                kind=BUSINESS_OBJECT_KIND, id=str(row.id), version=attempt
            ),
        )

    async def on_message_sent(self, uow: UnitOfWork, envelope: Envelope[MessageSent]) -> None:
        result = envelope.payload
        await self._record_result(
            uow,
            result,
            Outcome.SENT,
            sent_at=envelope.occurred_at,
            send_to=", ".join(result.sent_to),
        )

    async def on_message_failed(self, uow: UnitOfWork, envelope: Envelope[MessageFailed]) -> None:
        result = envelope.payload
        await self._record_result(
            uow,
            result,
            Outcome.FAILED,
            error=result.reason,
            trace_id=result.trace_id or _current_trace_id(),
            error_at=envelope.occurred_at,
        )

    async def on_message_blocked(self, uow: UnitOfWork, envelope: Envelope[MessageBlocked]) -> None:
        result = envelope.payload
        await self._record_result(
            uow,
            result,
            Outcome.BLOCKED,
            block_reason=result.reason,
            error=result.detail,
            # The result carries no trace id: the trace it arrived in is the send's trace.
            trace_id=_current_trace_id(),
            error_at=envelope.occurred_at,
        )

    async def _record_result(
        self,
        uow: UnitOfWork,
        result: MessageSent | MessageFailed | MessageBlocked,
        outcome: Outcome,
        *,
        block_reason: BlockReason | None = None,
        **values: Any,
    ) -> None:
        if result.requester != REQUESTER:
            return  # another requester's result on the shared events exchange
        parsed = domain.parse_idempotency_key(result.idempotency_key)
        if parsed is None:
            return
        callout_id, purpose, attempt = parsed
        c = tables.callout.c
        row = (
            await uow.session.execute(
                select(tables.callout).where(c.id == callout_id).with_for_update()
            )
        ).first()
        if row is None:
            return
        # A result for an older attempt (the callout was resent since) changes nothing.
        if purpose is Purpose.INITIAL:
            current = row.send_attempt == attempt and row.send_requested_at is not None
        else:
            current = row.completion_attempt == attempt and row.completion_requested_at is not None
        if not current:
            return
        target = domain.result_state(purpose, CalloutState(row.state), outcome, block_reason)
        if target is None:
            return
        if purpose is Purpose.COMPLETION:
            # The step's own message keeps its send_to; the completion message has its own id.
            values.pop("send_to", None)
            values.pop("sent_at", None)
            update_values = {"completion_message_id": result.message_id, **values}
        else:
            update_values = {"message_id": result.message_id, **values}
        if outcome is Outcome.SENT:
            update_values |= {"error": None, "trace_id": None, "error_at": None}
        await uow.session.execute(
            update(tables.callout)
            .where(c.id == callout_id)
            .values(state=target, updated_at=self.clock.now(), **update_values)
        )

    # --- user actions and queries --------------------------------------------------

    async def act_on_one(
        self,
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
        outcome = await self._act(uow, action, [callout_id], actor, customer_version, visible)
        if outcome.missing:
            raise NotFound(f"no callout with id {callout_id}")
        if outcome.skipped:
            [skipped] = outcome.skipped
            raise Conflict(skipped["reason"], field="state", state=skipped["state"])
        await uow.commit()
        return await queries.get_callout(uow, callout_id)

    async def act_on_selection(
        self,
        uow: UnitOfWork,
        action: Action,
        ids: list[uuid.UUID],
        actor: str,
        visible: queries.Visible = None,
    ) -> dict[str, Any]:
        """A selection's action: which rows were acted on, which skipped and why; 409 when
        the action does not apply to the selection (no row qualifies, or one row does not
        where the action needs them all)."""
        outcome = await self._act(uow, action, ids, actor, None, visible)
        skipped = outcome.skipped + [
            {"id": str(i), "state": None, "reason": f"no callout with id {i}"}
            for i in outcome.missing
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
                f"none of the selected callouts can be {_PAST[action]}",
                field="ids",
                skipped=skipped,
            )
        await uow.commit()
        return {"acted": outcome.acted, "skipped": skipped}

    async def approve_matching(
        self, uow: UnitOfWork, where: list[Any], actor: str
    ) -> dict[str, Any]:
        """ "Approve all": every callout awaiting approval that matches the list's filter."""
        c = tables.callout
        now = self.clock.now()
        matching = (
            select(c.c.id)
            .select_from(queries.joined())
            .where(*where, c.c.state == CalloutState.AWAITING_APPROVAL)
        )
        # One statement however many match: the update and its audit rows, in the database.
        approved = (
            update(c)
            .where(c.c.id.in_(matching), c.c.state == CalloutState.AWAITING_APPROVAL)
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
        self,
        uow: UnitOfWork,
        action: Action,
        ids: list[uuid.UUID],
        actor: str,
        customer_version: int | None,
        visible: queries.Visible = None,
    ) -> _Outcome:
        c = tables.callout
        now = self.clock.now()
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
            sending = state is CalloutState.APPROVED and row.send_requested_at is not None
            try:
                target = domain.transition(action, state, sending=sending)
            except domain.InvalidTransition as error:
                outcome.skipped.append({"id": str(row.id), "state": state, "reason": str(error)})
                continue
            values, detail, send = await self._effect(
                uow, action, row, target, actor, now, customer_version
            )
            target = values.get("state", state)
            await uow.session.execute(
                update(c).where(c.c.id == row.id).values(updated_at=now, **values)
            )
            await uow.session.execute(
                tables.callout_action.insert().values(
                    _audit(row.id, action.value, actor, now, state, target, detail)
                )
            )
            if send is not None:
                to_send.append((row.id, *send))
            outcome.acted.append({"id": str(row.id), "state": target})
        if to_send:
            joined = {r.id: r for r in await _send_rows(uow, [i for i, _, _ in to_send])}
            for callout_id, purpose, attempt in to_send:
                uow.send(self._send_request(joined[callout_id], purpose, attempt))
        return outcome

    async def _effect(
        self,
        uow: UnitOfWork,
        action: Action,
        row: Row[Any],
        target: CalloutState,
        actor: str,
        now: datetime,
        customer_version: int | None,
    ) -> tuple[dict[str, Any], str | None, tuple[Purpose, int] | None]:
        """What ``action`` writes on ``row``: the column values, an audit detail, and the
        message to send now (purpose and attempt), if any."""
        approved = {"approved_at": row.approved_at or now, "approved_by": row.approved_by or actor}
        retry = {
            "state": CalloutState.APPROVED,
            "due_at": now,
            "send_requested_at": None,
            "resend_at_customer_version": None,
        }
        if action is Action.APPROVE:
            return {"state": target, "approved_at": now, "approved_by": actor}, None, None
        if action is Action.SEND_NOW:
            attempt = row.send_attempt + 1
            values = {
                "state": target,
                **approved,
                "due_at": now,
                "send_requested_at": now,
                "send_attempt": attempt,
            }
            return values, None, (Purpose.INITIAL, attempt)
        if action is Action.CANCEL:
            return {"state": target, "cancelled_at": now, "cancelled_by": actor}, None, None
        if action is Action.MARK_COMPLETED:
            values = {"state": target, "completed_at": now, "completed_by": actor}
            if not await _has_completion_message(uow, row):
                return values, "the step has no on-completion message", None
            attempt = row.completion_attempt + 1
            values |= {"completion_attempt": attempt, "completion_requested_at": now}
            return values, None, (Purpose.COMPLETION, attempt)
        if action is Action.RESEND:
            return retry, None, None
        if action is Action.UPDATE_RECIPIENT:
            projected = await uow.session.scalar(
                select(tables.customer.c.version).where(tables.customer.c.id == row.customer_id)
            )
            if customer_version is not None and (projected or 0) < customer_version:
                # Catalog has the new contact data; its event has not reached us yet.
                detail = f"resend when customer version {customer_version} arrives"
                return {"resend_at_customer_version": customer_version}, detail, None
            return retry, None, None
        if action is Action.SYNCHRONIZE:
            values = {"send_to": await _projected_send_to(uow, row.customer_id)}
            if target is CalloutState.APPROVED and row.state != CalloutState.APPROVED:
                values |= retry
            return values, None, None
        raise AssertionError(f"{action} is not a command")  # SHOW_ERROR is a query

    async def _resend_for_customers(self, uow: UnitOfWork, arrived: dict[uuid.UUID, int]) -> None:
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
        now = self.clock.now()
        for row in rows:
            if row.resend_at_customer_version > arrived[row.customer_id]:
                continue  # waits for a later version still
            state = CalloutState(row.state)
            if domain.refusal(Action.UPDATE_RECIPIENT, state) is not None:
                values: dict[str, Any] = {"resend_at_customer_version": None}
            else:
                values = {
                    "state": CalloutState.APPROVED,
                    "due_at": now,
                    "send_requested_at": None,
                    "resend_at_customer_version": None,
                    "send_to": await _projected_send_to(uow, row.customer_id),
                }
            await uow.session.execute(
                update(c).where(c.c.id == row.id).values(updated_at=now, **values)
            )

    async def recalculate(
        self,
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
        planned = await self._replan_item(uow, item)
        changes = domain.recalculation_changes(before, await _snapshots(uow, serial_item_id))
        now = self.clock.now()
        if changes:
            await uow.session.execute(
                tables.callout_action.insert(),
                [
                    _audit(
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

    # --- sending windows (the "communication workflow settings") --------------------

    async def sending_window(
        self, uow: UnitOfWork, code: str, visible: queries.Visible = None
    ) -> dict[str, Any]:
        """An org unit's window: its own, or the service-wide default it falls back to."""
        zone = await self._known_org_unit(uow, code, visible)
        row = (
            await uow.session.execute(
                select(tables.sending_window).where(tables.sending_window.c.org_unit_code == code)
            )
        ).first()
        window = (await self.windows(uow, {code}))[code]
        return {
            "org_unit_code": code,
            "time_zone": zone.key,
            "weekdays": sorted(window.weekdays),
            "start": window.start,
            "end": window.end,
            "configured": row is not None,
            "updated_at": row.updated_at if row else None,
            "updated_by": row.updated_by if row else None,
            "next_opening": window.next_opening(self.clock.now()),
        }

    async def set_sending_window(
        self,
        uow: UnitOfWork,
        code: str,
        weekdays: frozenset[int],
        start: time,
        end: time,
        actor: str,
        visible: queries.Visible = None,
    ) -> dict[str, Any]:
        zone = await self._known_org_unit(uow, code, visible)
        now = self.clock.now()
        values = {
            "org_unit_code": code,
            "weekdays": sorted(weekdays),
            "start_time": start,
            "end_time": end,
            "updated_at": now,
            "updated_by": actor,
        }
        statement = insert(tables.sending_window).values(values)
        await uow.session.execute(
            statement.on_conflict_do_update(
                index_elements=["org_unit_code"],
                set_={k: statement.excluded[k] for k in values if k != "org_unit_code"},
            )
        )
        await self._reconsider_deferred(uow, code, zone)
        await uow.commit()
        return await self.sending_window(uow, code, visible)

    async def reset_sending_window(
        self, uow: UnitOfWork, code: str, visible: queries.Visible = None
    ) -> dict[str, Any]:
        """Back to the service-wide default window."""
        zone = await self._known_org_unit(uow, code, visible)
        await uow.session.execute(
            tables.sending_window.delete().where(tables.sending_window.c.org_unit_code == code)
        )
        await self._reconsider_deferred(uow, code, zone)
        await uow.commit()
        return await self.sending_window(uow, code, visible)

    async def _reconsider_deferred(self, uow: UnitOfWork, code: str, zone: ZoneInfo) -> None:
        """Callouts the old window deferred are due again from the start of their day (the
        dispatcher applies the new window); nothing already requested moves."""
        c = tables.callout.c
        start_of_day = func.timezone(zone.key, cast(c.scheduled_for, DateTime()))
        await uow.session.execute(
            update(tables.callout)
            .where(
                c.org_unit == code,
                c.state == CalloutState.APPROVED,
                c.send_requested_at.is_(None),
                c.due_at > start_of_day,
            )
            .values(due_at=func.least(c.due_at, start_of_day))
        )

    async def _known_org_unit(
        self, uow: UnitOfWork, code: str, visible: queries.Visible
    ) -> ZoneInfo:
        """The org unit's time zone; 404 for a code the projection does not know or the
        caller may not see."""
        name = await uow.session.scalar(
            select(tables.org_unit.c.time_zone).where(tables.org_unit.c.code == code).limit(1)
        )
        if name is None or not queries.may_see(visible, code):
            raise NotFound(f"no org unit with code {code!r}", field="org_unit_code")
        return zone_named(name) or self.zone


_PAST = {
    Action.APPROVE: "approved",
    Action.SEND_NOW: "sent now",
    Action.MARK_COMPLETED: "marked as completed",
    Action.CANCEL: "cancelled",
    Action.RESEND: "resent",
    Action.UPDATE_RECIPIENT: "sent to an updated recipient",
    Action.SYNCHRONIZE: "synchronized",
    Action.SHOW_ERROR: "shown an error for",
}


@dataclass
class _Outcome:
    acted: list[dict[str, Any]] = field(default_factory=list)
    skipped: list[dict[str, Any]] = field(default_factory=list)
    missing: list[uuid.UUID] = field(default_factory=list)


def _audit(
    callout_id: uuid.UUID,
    action: str,
    actor: str,
    at: datetime,
    from_state: CalloutState,
    to_state: CalloutState,
    detail: str | None = None,
) -> dict[str, Any]:
    return {
        "callout_id": callout_id,
        "action": action,
        "actor": actor,
        "at": at,
        "from_state": from_state,
        "to_state": to_state,
        "detail": detail,
    }


def _current_trace_id() -> str | None:
    context = trace.get_current_span().get_span_context()
    return format(context.trace_id, "032x") if context.is_valid else None


def _send_query(*, customer_known: bool) -> Select[Any]:
    """What a send request needs of each callout: the callout, its item, customer and type.
    ``customer_known``: only callouts whose customer has reached the projection (the
    dispatcher's: one whose customer has not waits a tick)."""
    c, item, cust, st = tables.callout, tables.serial_item, tables.customer, tables.service_type
    joined = c.join(item, item.c.id == c.c.serial_item_id).join(st, st.c.id == c.c.service_type_id)
    joined = (
        joined.join(cust, cust.c.id == c.c.customer_id)
        if customer_known
        else joined.outerjoin(cust, cust.c.id == c.c.customer_id)
    )
    return select(
        c, item, cust.c.name.label("customer_name"), cust.c.customer_number, st.c.definition
    ).select_from(joined)


async def _send_rows(uow: UnitOfWork, ids: list[uuid.UUID]) -> list[Row[Any]]:
    query = _send_query(customer_known=False).where(tables.callout.c.id.in_(ids))
    return list((await uow.session.execute(query)).all())


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
    definition = await uow.session.scalar(
        select(tables.service_type.c.definition).where(
            tables.service_type.c.id == row.service_type_id
        )
    )
    if definition is None:
        return False
    step = next(
        (
            s
            for s in ServiceTypeChanged.model_validate(definition).steps
            if s.step_id == row.step_id
        ),
        None,
    )
    if step is None:
        return False
    m = step.on_completion
    return any((m.email_subject, m.email_body, m.sms_text))


async def _projected_send_to(uow: UnitOfWork, customer_id: uuid.UUID) -> str | None:
    cust = tables.customer
    row = (await uow.session.execute(select(cust).where(cust.c.id == customer_id))).first()
    if row is None:
        return None
    return domain.send_to(row.emails, row.mobiles, row.allowed_methods, row.preferred_method)


Snapshot = TypeVar("Snapshot", CustomerRegistered, SerialItemRegistered)


def _newest(
    snapshots: Sequence[Snapshot], key: Callable[[Snapshot], uuid.UUID]
) -> dict[uuid.UUID, Snapshot]:
    """The newest snapshot (highest version) of each entity a batch carries."""
    latest: dict[uuid.UUID, Snapshot] = {}
    for snapshot in snapshots:
        known = latest.get(key(snapshot))
        if known is None or known.version < snapshot.version:
            latest[key(snapshot)] = snapshot
    return latest


async def _upsert_newer(uow: UnitOfWork, table: Table, values: dict[str, Any]) -> Row[Any] | None:
    """Insert or update a projection row unless it already holds this or a newer version;
    the row as stored, or None when the snapshot was not newer."""
    statement = _upsert_statement(table, tuple(values))
    return (await uow.session.execute(statement, values)).first()


@functools.cache
def _upsert_statement(table: Table, columns: tuple[str, ...]) -> TextClause:
    """One per projection and set of columns, compiled once: every event runs one."""
    statement = insert(table).values({c: bindparam(c) for c in columns})
    return compiled_once(
        statement.on_conflict_do_update(
            index_elements=["id"],
            set_={c: statement.excluded[c] for c in columns if c != "id"},
            where=table.c.version < statement.excluded.version,
        ).returning(*table.columns)
    )


async def get_callout(uow: UnitOfWork, callout_id: uuid.UUID) -> dict[str, Any]:
    return await queries.get_callout(uow, callout_id)
