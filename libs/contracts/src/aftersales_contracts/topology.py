"""The broker topology in one place: exchanges, routing keys, queues and dead letters.

Every service declares the whole topology when it starts, so a queue exists before
anyone publishes to it (RabbitMQ confirms a message with no bound queue and drops it).
Names take a prefix so that test runs never see each other's messages.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from aftersales_contracts import (
    campaigns,
    catalog,
    fieldwork,
    notifications,
    scheduling,
    servicetypes,
)

EVENTS_EXCHANGE = "aftersales.events"
COMMANDS_EXCHANGE = "aftersales.commands"
DEAD_LETTER_EXCHANGE = "aftersales.dead-letter"

# RabbitMQ 3.10 quorum queues have no default delivery limit: without one a poison
# message is redelivered forever.
DELIVERY_LIMIT = 5


@dataclass(frozen=True)
class QueueSpec:
    """A durable quorum queue owned by one consumer, named ``<consumer>.<purpose>``."""

    name: str
    exchange: str
    routing_keys: tuple[str, ...]

    @property
    def dead_letter_name(self) -> str:
        return f"{self.name}.dlq"

    def arguments(self, prefix: str = "") -> dict[str, Any]:
        return {
            "x-queue-type": "quorum",
            "x-delivery-limit": DELIVERY_LIMIT,
            "x-dead-letter-exchange": prefix + DEAD_LETTER_EXCHANGE,
            "x-dead-letter-routing-key": prefix + self.name,
            # at-least-once dead-lettering needs reject-publish overflow.
            "x-dead-letter-strategy": "at-least-once",
            "x-overflow": "reject-publish",
        }


SCHEDULING_CATALOG_EVENTS = QueueSpec(
    "scheduling.catalog-events",
    EVENTS_EXCHANGE,
    (
        catalog.CustomerRegistered.TYPE,
        catalog.CustomersRegistered.TYPE,
        catalog.CustomerChanged.TYPE,
        catalog.SerialItemRegistered.TYPE,
        catalog.SerialItemsRegistered.TYPE,
        catalog.SerialItemChanged.TYPE,
        catalog.SerialItemOwnerChanged.TYPE,
        # The org unit tree: visibility of callouts and each org unit's time zone.
        catalog.OrgUnitChanged.TYPE,
    ),
)
SCHEDULING_SERVICE_TYPE_EVENTS = QueueSpec(
    "scheduling.service-type-events",
    EVENTS_EXCHANGE,
    (servicetypes.ServiceTypeChanged.TYPE,),
)
SCHEDULING_NOTIFICATION_RESULTS = QueueSpec(
    "scheduling.notification-results",
    EVENTS_EXCHANGE,
    (
        notifications.MessageSent.TYPE,
        notifications.MessageFailed.TYPE,
        notifications.MessageBlocked.TYPE,
    ),
)
NOTIFICATIONS_CATALOG_EVENTS = QueueSpec(
    "notifications.catalog-events",
    EVENTS_EXCHANGE,
    # Org units: a projection of codes and the tree, for the org-unit visibility rule.
    (
        catalog.CustomerRegistered.TYPE,
        catalog.CustomersRegistered.TYPE,
        catalog.CustomerChanged.TYPE,
        catalog.OrgUnitChanged.TYPE,
    ),
)
NOTIFICATIONS_SEND_REQUESTS = QueueSpec(
    "notifications.send-requests",
    COMMANDS_EXCHANGE,
    (notifications.SendMessage.TYPE, notifications.SendMessages.TYPE),
)
NOTIFICATIONS_EMAIL_DELIVERIES = QueueSpec(
    "notifications.email-deliveries",
    COMMANDS_EXCHANGE,
    (notifications.DeliverEmail.TYPE,),
)
NOTIFICATIONS_SMS_DELIVERIES = QueueSpec(
    "notifications.sms-deliveries",
    COMMANDS_EXCHANGE,
    (notifications.DeliverSms.TYPE,),
)

CATALOG_SERVICE_TYPE_EVENTS = QueueSpec(
    "catalog.service-type-events",
    EVENTS_EXCHANGE,
    (servicetypes.ServiceTypeChanged.TYPE,),
)
CATALOG_CAMPAIGN_EVENTS = QueueSpec(
    "catalog.campaign-events",
    EVENTS_EXCHANGE,
    (campaigns.CampaignCaseOpened.TYPE, campaigns.CampaignCaseClosed.TYPE),
)

FIELDWORK_CATALOG_EVENTS = QueueSpec(
    "fieldwork.catalog-events",
    EVENTS_EXCHANGE,
    (
        # Customers with their contacts, serial items with their installation address, and
        # the org unit tree: what an order shows and who may see it.
        catalog.CustomerRegistered.TYPE,
        catalog.CustomersRegistered.TYPE,
        catalog.CustomerChanged.TYPE,
        catalog.SerialItemRegistered.TYPE,
        catalog.SerialItemsRegistered.TYPE,
        catalog.SerialItemChanged.TYPE,
        catalog.SerialItemOwnerChanged.TYPE,
        catalog.OrgUnitChanged.TYPE,
        # Products: what a protocol's consumed items name.
        catalog.ProductRegistered.TYPE,
        catalog.ProductChanged.TYPE,
    ),
)
FIELDWORK_SERVICE_TYPE_EVENTS = QueueSpec(
    "fieldwork.service-type-events",
    EVENTS_EXCHANGE,
    (servicetypes.ServiceTypeChanged.TYPE,),
)
FIELDWORK_COMMANDS = QueueSpec(
    "fieldwork.commands",
    COMMANDS_EXCHANGE,
    (fieldwork.OpenServiceOrder.TYPE,),
)
FIELDWORK_NOTIFICATION_RESULTS = QueueSpec(
    "fieldwork.notification-results",
    EVENTS_EXCHANGE,
    # The booking confirmations' sent log: whether each one went out.
    (
        notifications.MessageSent.TYPE,
        notifications.MessageFailed.TYPE,
        notifications.MessageBlocked.TYPE,
    ),
)
SCHEDULING_FIELDWORK_EVENTS = QueueSpec(
    "scheduling.fieldwork-events",
    EVENTS_EXCHANGE,
    # A callout's order: its number when opened, the callout completed with it.
    (
        fieldwork.ServiceOrderCreated.TYPE,
        fieldwork.ServiceOrderCompleted.TYPE,
        fieldwork.ServiceOrderCancelled.TYPE,
    ),
)
NOTIFICATIONS_FIELDWORK_EVENTS = QueueSpec(
    "notifications.fieldwork-events",
    EVENTS_EXCHANGE,
    # Users told of orders created, changed, assigned to them and booked (their choice).
    (
        fieldwork.ServiceOrderCreated.TYPE,
        fieldwork.ServiceOrderChanged.TYPE,
        fieldwork.ServiceOrderBooked.TYPE,
    ),
)
NOTIFICATIONS_SCHEDULING_EVENTS = QueueSpec(
    "notifications.scheduling-events",
    EVENTS_EXCHANGE,
    # The daily digest of an org unit's callouts, for users who chose "service reminder".
    (scheduling.CalloutDigestCompiled.TYPE,),
)

CAMPAIGNS_CATALOG_EVENTS = QueueSpec(
    "campaigns.catalog-events",
    EVENTS_EXCHANGE,
    (
        # Serial items with owner and initial-order customer, customers and products: what
        # a campaign's serial numbers are validated against.
        catalog.CustomerRegistered.TYPE,
        catalog.CustomersRegistered.TYPE,
        catalog.CustomerChanged.TYPE,
        catalog.ProductRegistered.TYPE,
        catalog.ProductChanged.TYPE,
        catalog.SerialItemRegistered.TYPE,
        catalog.SerialItemsRegistered.TYPE,
        catalog.SerialItemChanged.TYPE,
        catalog.SerialItemOwnerChanged.TYPE,
        catalog.OrgUnitChanged.TYPE,
    ),
)
CAMPAIGNS_FIELDWORK_EVENTS = QueueSpec(
    "campaigns.fieldwork-events",
    EVENTS_EXCHANGE,
    # A completed order closes the campaign cases ticked as done at it.
    (fieldwork.ServiceOrderCompleted.TYPE,),
)
FIELDWORK_CAMPAIGN_EVENTS = QueueSpec(
    "fieldwork.campaign-events",
    EVENTS_EXCHANGE,
    # The open campaign cases of the serial items an order touches.
    (campaigns.CampaignCaseOpened.TYPE, campaigns.CampaignCaseClosed.TYPE),
)
FIELDWORK_DOCUMENT_TRIGGERS = QueueSpec(
    "fieldwork.document-triggers",
    EVENTS_EXCHANGE,
    # Field work's own events that send documents and notes: a completed protocol to the
    # order's flagged contact, the work order offered at ready for invoicing, planners
    # told of a booking outside working hours.
    (
        fieldwork.ProtocolCompleted.TYPE,
        fieldwork.ServiceCaseReadyForInvoicing.TYPE,
        fieldwork.ServiceOrderBooked.TYPE,
    ),
)

ALL_QUEUES: tuple[QueueSpec, ...] = (
    SCHEDULING_CATALOG_EVENTS,
    SCHEDULING_SERVICE_TYPE_EVENTS,
    SCHEDULING_NOTIFICATION_RESULTS,
    NOTIFICATIONS_CATALOG_EVENTS,
    NOTIFICATIONS_SEND_REQUESTS,
    NOTIFICATIONS_EMAIL_DELIVERIES,
    NOTIFICATIONS_SMS_DELIVERIES,
    CATALOG_SERVICE_TYPE_EVENTS,
    CATALOG_CAMPAIGN_EVENTS,
    FIELDWORK_CATALOG_EVENTS,
    FIELDWORK_SERVICE_TYPE_EVENTS,
    FIELDWORK_COMMANDS,
    FIELDWORK_NOTIFICATION_RESULTS,
    SCHEDULING_FIELDWORK_EVENTS,
    NOTIFICATIONS_FIELDWORK_EVENTS,
    NOTIFICATIONS_SCHEDULING_EVENTS,
    CAMPAIGNS_CATALOG_EVENTS,
    CAMPAIGNS_FIELDWORK_EVENTS,
    FIELDWORK_CAMPAIGN_EVENTS,
    FIELDWORK_DOCUMENT_TRIGGERS,
)
