"""The documents' consumer of field work's own events (``fieldwork.document-triggers``): a
completed protocol goes to the flagged contact, ready for invoicing notes the work order's
offer, a booking outside working hours is told to the planners."""

from __future__ import annotations

from aftersales_contracts import fieldwork, topology
from aftersales_contracts.envelope import Envelope
from aftersales_kit.inbox import Consumer
from aftersales_kit.runtime import ServiceRuntime
from aftersales_kit.uow import UnitOfWork
from fieldwork.context import Context
from fieldwork.documents import handlers


def register(runtime: ServiceRuntime, ctx: Context) -> None:
    """Attach this feature's consumer to ``runtime``."""

    async def on_protocol_completed(
        uow: UnitOfWork, envelope: Envelope[fieldwork.ProtocolCompleted]
    ) -> None:
        event = envelope.payload
        await handlers.send_protocol_automatically(
            uow, ctx, event.protocol_id, by=event.completed_by
        )

    async def on_case_ready_for_invoicing(
        uow: UnitOfWork, envelope: Envelope[fieldwork.ServiceCaseReadyForInvoicing]
    ) -> None:
        await handlers.note_work_order_offer(uow, ctx, envelope.payload.case_id)

    async def on_order_booked(
        uow: UnitOfWork, envelope: Envelope[fieldwork.ServiceOrderBooked]
    ) -> None:
        event = envelope.payload
        await handlers.note_bookings_outside_hours(
            uow, ctx, event.order.order_id, by=event.changed_by
        )

    triggers = Consumer(topology.FIELDWORK_DOCUMENT_TRIGGERS, runtime.uow)
    triggers.on(fieldwork.ProtocolCompleted, on_protocol_completed)
    triggers.on(fieldwork.ServiceCaseReadyForInvoicing, on_case_ready_for_invoicing)
    triggers.on(fieldwork.ServiceOrderBooked, on_order_booked)
    runtime.add_consumer(triggers)
