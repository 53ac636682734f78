"""The API process's message entrypoints: catalog's customers and org units, and the
send requests; each parses the envelope and calls a use case."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from aftersales_contracts.catalog import (
    CustomerChanged,
    CustomerRegistered,
    CustomersRegistered,
    OrgUnitChanged,
    each_customer,
)
from aftersales_contracts.envelope import Envelope
from aftersales_contracts.notifications import SendMessage, SendMessages
from aftersales_contracts.topology import NOTIFICATIONS_CATALOG_EVENTS, NOTIFICATIONS_SEND_REQUESTS
from aftersales_kit.clock import Clock
from aftersales_kit.inbox import Consumer, OneByOne
from aftersales_kit.runtime import ServiceRuntime
from aftersales_kit.uow import UnitOfWork
from notifications import visibility
from notifications.sending import customers, handlers
from notifications.settings import Settings


def api_consumers(runtime: ServiceRuntime, clock: Clock, settings: Settings) -> list[Consumer]:
    """What the API process consumes: the customer register, the org units and the send
    requests."""

    # Envelope[Any]: one handler for three payload classes (Envelope is invariant).
    async def on_customers(uow: UnitOfWork, envelopes: Sequence[Envelope[Any]]) -> None:
        # A change carries the same snapshot as the registration: the same upsert-if-newer.
        await customers.project_customers(
            each_customer(e.payload for e in envelopes),
            uow,
            now=clock.now(),
            sms_ready=settings.sms_configured,
        )

    async def on_org_unit_changed(uow: UnitOfWork, envelope: Envelope[OrgUnitChanged]) -> None:
        await visibility.project_org_unit(envelope.payload, uow, now=clock.now())

    async def on_send_messages(uow: UnitOfWork, envelopes: Sequence[Envelope[Any]]) -> None:
        # Each request as its own command says, under the command that carried it (a
        # set's requests share its trace and correlation); one transaction and one commit
        # for the batch.
        requests: list[SendMessage] = []
        carriers: list[Envelope[Any]] = []
        for envelope in envelopes:
            carried = envelope.payload
            for request in carried.messages if isinstance(carried, SendMessages) else [carried]:
                requests.append(request)
                carriers.append(envelope)
        try:
            await handlers.request_messages(
                requests,
                uow,
                now=clock.now(),
                sms_ready=settings.sms_configured,
                settings=settings,
                each=lambda index: send_requests.serving(uow, carriers[index]),
            )
        except handlers.RaceLost as lost:
            raise OneByOne(str(lost)) from lost

    catalog_events = Consumer(NOTIFICATIONS_CATALOG_EVENTS, runtime.uow)
    # Customers come in bulk after an import (a set event for each batch of rows it
    # created): a batch per transaction.
    catalog_events.on_batch(CustomerRegistered, on_customers)
    catalog_events.on_batch(CustomerChanged, on_customers)
    catalog_events.on_batch(CustomersRegistered, on_customers, entities="customers")
    catalog_events.on(OrgUnitChanged, on_org_unit_changed)
    # Send requests come in bursts (a day's due callouts, a campaign) and as a steady
    # stream: a batch per transaction, gathered for the kit's 20 ms. At 200 requests a
    # second a 2 ms wait made batches of one, each paying a transaction and its relay
    # (the API 3.5 ms of CPU a request against 2.3 with 20 ms; bench/README.md), for
    # 20 ms less on an idle system's request.
    send_requests = Consumer(NOTIFICATIONS_SEND_REQUESTS, runtime.uow, batch_wait_seconds=0.02)
    send_requests.on_batch(SendMessage, on_send_messages)
    # A requester's batch in one command (decision 102): weighed by its requests, so a
    # batch is still about 32 requests' worth and a bigger set is a transaction alone.
    send_requests.on_batch(SendMessages, on_send_messages, entities="messages")
    return [catalog_events, send_requests]
