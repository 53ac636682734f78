"""This feature's consumer: campaigns' case events into the campaign case projection."""

from __future__ import annotations

from functools import partial

from aftersales_contracts import campaigns, topology
from aftersales_kit.inbox import Consumer
from aftersales_kit.runtime import ServiceRuntime
from fieldwork.campaign_cases import handlers
from fieldwork.context import Context


def register(runtime: ServiceRuntime, ctx: Context) -> None:
    """Attach this feature's consumers to ``runtime``."""
    case_events = Consumer(topology.FIELDWORK_CAMPAIGN_EVENTS, runtime.uow)
    # One handler for both types: a batch reaches it whole, opens and closes in delivery
    # order (a release or a campaign's close comes by the thousand).
    handler = partial(handlers.on_case_events, ctx)
    case_events.on_batch(campaigns.CampaignCaseOpened, handler)
    case_events.on_batch(campaigns.CampaignCaseClosed, handler)
    runtime.add_consumer(case_events)
