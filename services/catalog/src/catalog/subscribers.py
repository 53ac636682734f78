"""Catalog's consumers: which queue feeds which projection."""

from __future__ import annotations

from aftersales_contracts import campaigns, servicetypes, topology
from aftersales_kit.inbox import Consumer
from aftersales_kit.runtime import ServiceRuntime
from catalog import marks


def register(runtime: ServiceRuntime) -> None:
    type_events = Consumer(topology.CATALOG_SERVICE_TYPE_EVENTS, runtime.uow)
    type_events.on(servicetypes.ServiceTypeChanged, marks.on_service_type_changed)
    runtime.add_consumer(type_events)

    campaign_events = Consumer(topology.CATALOG_CAMPAIGN_EVENTS, runtime.uow)
    campaign_events.on(campaigns.CampaignCaseOpened, marks.on_campaign_case_opened)
    campaign_events.on(campaigns.CampaignCaseClosed, marks.on_campaign_case_closed)
    runtime.add_consumer(campaign_events)
