"""Every message class by its type, for documentation and for tools that replay messages."""

from __future__ import annotations

from aftersales_contracts import (
    campaigns,
    catalog,
    fieldwork,
    notifications,
    scheduling,
    servicetypes,
)
from aftersales_contracts.envelope import Message

MESSAGES: dict[str, type[Message]] = {
    cls.TYPE: cls
    for cls in (
        catalog.ProductRegistered,
        catalog.CustomerRegistered,
        catalog.SerialItemRegistered,
        catalog.CustomersRegistered,
        catalog.SerialItemsRegistered,
        catalog.ProductChanged,
        catalog.CustomerChanged,
        catalog.CustomerCommunicationChanged,
        catalog.CustomerDeactivated,
        catalog.OrgUnitChanged,
        catalog.SerialItemChanged,
        catalog.SerialItemOwnerChanged,
        catalog.SerialItemDeactivated,
        servicetypes.ServiceTypeChanged,
        campaigns.CampaignCaseOpened,
        campaigns.CampaignCaseClosed,
        fieldwork.ServiceOrderCreated,
        fieldwork.ServiceOrderChanged,
        fieldwork.ServiceOrderBooked,
        fieldwork.ServiceOrderStageChanged,
        fieldwork.ServiceOrderCompleted,
        fieldwork.ServiceOrderCancelled,
        fieldwork.TechnicianChanged,
        fieldwork.VehicleChanged,
        fieldwork.OpenServiceOrder,
        fieldwork.ServiceCaseChanged,
        fieldwork.ProtocolCompleted,
        fieldwork.ServiceCaseReadyForInvoicing,
        notifications.SendMessage,
        notifications.SendMessages,
        notifications.MessageSent,
        notifications.MessageFailed,
        notifications.MessageBlocked,
        scheduling.CalloutDigestCompiled,
        notifications.DeliverEmail,
        notifications.DeliverSms,
    )
}

# Who publishes what: the owning service of each message (its module name).
OWNER: dict[str, str] = {name: name.split(".", 1)[0] for name in MESSAGES}
