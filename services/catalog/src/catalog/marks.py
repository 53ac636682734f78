"""Marks on serial items from other services: which service types apply to an item and
its pending campaign cases, kept as projections of servicetypes' and campaigns' events.

Rules (``aftersales_schedule.applicability``, shared with servicetypes and scheduling):
an enabled service type applies to an item whose product one of the type's links names,
when that link has no pre-code or a pre-code equal to the item's ``action_code`` (an
item without one matches only links without a pre-code), and to an item that pins it. A
disabled or deleted type applies to nothing, pinned items included. A type catalog has
not heard of yet shows on nothing. An item has a pending campaign while one of its cases
is open.

The projection keeps, per type and product, the pre-codes of the links naming the
product (``service_type_product.pre_codes``; null when one of them has none, so every
item matches), and the filters below ask the same in SQL; the integration tests check
them against ``aftersales_schedule.applies_to`` on a table of cases. Rows projected
before migration 0008 are null until the type's next version.
"""

from __future__ import annotations

import uuid
from collections import defaultdict
from datetime import UTC, datetime

from sqlalchemy import ColumnElement, Table, and_, any_, delete, exists, not_, or_, select
from sqlalchemy.dialects.postgresql import insert

from aftersales_contracts.campaigns import CampaignCaseClosed, CampaignCaseOpened
from aftersales_contracts.envelope import Envelope
from aftersales_contracts.servicetypes import ServiceLinkDefinition, ServiceTypeChanged
from aftersales_kit.projections import upsert_if_newer
from aftersales_kit.uow import UnitOfWork
from aftersales_schedule.applicability import link_products
from catalog import tables
from catalog.schemas import CampaignMark, SerialItemOut, SerialItemView, ServiceTypeMark

# --- projections (the consumers' handlers; the inbox makes each apply once) -------------


async def on_service_type_changed(uow: UnitOfWork, envelope: Envelope[ServiceTypeChanged]) -> None:
    event = envelope.payload
    p = tables.service_type_product
    stored = await upsert_if_newer(
        uow.session,
        tables.service_type,
        {
            "id": event.service_type_id,
            "name": event.display_name,
            "enabled": event.enabled,
            "version": event.version,
            "updated_at": datetime.now(UTC),
        },
    )
    if stored is None:
        return  # a stale version arriving after a newer one leaves the projection alone
    await uow.session.execute(delete(p).where(p.c.service_type_id == event.service_type_id))
    products = product_pre_codes(event.links)
    if products:
        await uow.session.execute(
            insert(p).values(
                [
                    {
                        "service_type_id": event.service_type_id,
                        "product_id": product,
                        "pre_codes": None if codes is None else sorted(codes),
                    }
                    for product, codes in products.items()
                ]
            )
        )


def product_pre_codes(links: list[ServiceLinkDefinition]) -> dict[uuid.UUID, set[str] | None]:
    """Every product the links name, with the pre-codes an item's action code must be one
    of, or None when a link names it without a pre-code (which matches every item)."""
    found: dict[uuid.UUID, set[str] | None] = {}
    for link in links:
        for product in link_products(link):
            codes = found.setdefault(product, set())
            if link.pre_code is None:
                found[product] = None
            elif codes is not None:
                codes.add(link.pre_code)
    return found


async def on_campaign_case_opened(uow: UnitOfWork, envelope: Envelope[CampaignCaseOpened]) -> None:
    event = envelope.payload
    # A case already known (its close came first) stays as it is: closed is final.
    await uow.session.execute(
        insert(tables.campaign_case)
        .values(
            id=event.case_id,
            campaign_id=event.campaign_id,
            serial_item_id=event.serial_item_id,
            campaign_code=event.campaign_code,
            campaign_name=event.campaign_name,
            opened_at=envelope.occurred_at,
        )
        .on_conflict_do_nothing(index_elements=["id"])
    )


async def on_campaign_case_closed(uow: UnitOfWork, envelope: Envelope[CampaignCaseClosed]) -> None:
    event = envelope.payload
    c = tables.campaign_case
    statement = insert(c).values(
        id=event.case_id,
        campaign_id=event.campaign_id,
        serial_item_id=event.serial_item_id,
        campaign_code=event.campaign_code,
        campaign_name=event.campaign_name,
        outcome=event.outcome.value,
        closed_at=envelope.occurred_at,
    )
    await uow.session.execute(
        statement.on_conflict_do_update(
            index_elements=["id"],
            set_={
                k: statement.excluded[k]
                for k in ("campaign_code", "campaign_name", "outcome", "closed_at")
            },
            where=c.c.closed_at.is_(None),
        )
    )


# --- reads ------------------------------------------------------------------------------


def _applies(service_type: Table, item: Table) -> ColumnElement[bool]:
    p = tables.service_type_product
    return and_(
        service_type.c.enabled,
        or_(
            service_type.c.id == item.c.pinned_service_type_id,
            # Correlated to both outer tables, however deeply this condition is nested.
            exists()
            .where(
                p.c.service_type_id == service_type.c.id,
                p.c.product_id == item.c.product_id,
                # ``pre_code_matches``: no pre-code, or the item's action code (a null
                # action code is never equal, so it matches only null pre_codes).
                or_(p.c.pre_codes.is_(None), item.c.action_code == any_(p.c.pre_codes)),
            )
            .correlate_except(p),
        ),
    )


def service_type_applies(service_type_id: uuid.UUID) -> ColumnElement[bool]:
    """A filter on ``serial_item``: the service type applies to the item."""
    st = tables.service_type
    return exists().where(st.c.id == service_type_id, _applies(st, tables.serial_item))


def has_pending_campaign(pending: bool) -> ColumnElement[bool]:
    """A filter on ``serial_item``: the item has (or has not) an open campaign case."""
    c = tables.campaign_case
    open_case = exists().where(
        c.c.serial_item_id == tables.serial_item.c.id, c.c.closed_at.is_(None)
    )
    return open_case if pending else not_(open_case)


async def views(uow: UnitOfWork, items: list[SerialItemOut]) -> list[SerialItemView]:
    """The items with their marks, in two queries whatever the number of items."""
    ids = [i.id for i in items]
    types: dict[uuid.UUID, list[ServiceTypeMark]] = defaultdict(list)
    cases: dict[uuid.UUID, list[CampaignMark]] = defaultdict(list)
    if ids:
        si, st, c = tables.serial_item, tables.service_type, tables.campaign_case
        rows = await uow.session.execute(
            select(si.c.id.label("item_id"), st.c.id, st.c.name)
            .select_from(si.join(st, _applies(st, si)))
            .where(si.c.id.in_(ids))
            .order_by(st.c.name, st.c.id)
        )
        for r in rows:
            types[r.item_id].append(ServiceTypeMark(id=r.id, name=r.name))
        rows = await uow.session.execute(
            select(c)
            .where(c.c.serial_item_id.in_(ids), c.c.closed_at.is_(None))
            .order_by(c.c.campaign_name, c.c.id)
        )
        for r in rows:
            cases[r.serial_item_id].append(
                CampaignMark(
                    campaign_id=r.campaign_id,
                    case_id=r.id,
                    code=r.campaign_code,
                    name=r.campaign_name,
                )
            )
    return [
        SerialItemView(**i.model_dump(), service_types=types[i.id], pending_campaigns=cases[i.id])
        for i in items
    ]
