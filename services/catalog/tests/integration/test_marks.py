"""Marks from other services on the serial-item list: service types that apply and pending
campaigns, projected from events published on the real broker; and the list's customer
filters."""

from __future__ import annotations

import uuid
from typing import Any

import httpx
from faststream.rabbit import RabbitBroker

from aftersales_contracts.campaigns import CampaignCaseClosed, CampaignCaseOpened, CaseOutcome
from aftersales_contracts.envelope import Envelope, Message
from aftersales_contracts.servicetypes import (
    ApprovalMethod,
    ServiceLinkDefinition,
    ServiceTypeChanged,
)
from aftersales_contracts.topology import EVENTS_EXCHANGE
from aftersales_kit.broker import exchange
from aftersales_kit.metrics import REGISTRY
from aftersales_schedule import applies_to
from aftersales_testing.waiting import consumed, eventually
from catalog.settings import Settings

from .helpers import customer, n, product
from .test_serial_items import item


class Broker:
    """Publishes other services' events the way their relays would, and waits until
    catalog has consumed one (the inbox barrier: its effect is committed with it)."""

    def __init__(self, client: httpx.AsyncClient, settings: Settings) -> None:
        self.client = client
        self.runtime = client._transport.app.state.runtime  # type: ignore[attr-defined]
        self.broker: RabbitBroker = self.runtime.broker
        self.prefix = settings.broker_prefix

    async def send(self, envelope: Envelope[Any]) -> Envelope[Any]:
        await self.broker.publish(
            envelope.to_json_dict(),
            exchange=exchange(EVENTS_EXCHANGE, self.prefix),
            routing_key=envelope.type,
            persist=True,
            mandatory=True,
            message_id=str(envelope.message_id),
            content_type="application/json",
        )
        return envelope

    async def publish(self, payload: Message) -> Envelope[Any]:
        return await self.send(Envelope.wrap(payload))

    async def applied(self, *envelopes: Envelope[Any]) -> None:
        for envelope in envelopes:
            await consumed(self.runtime.sessionmaker, envelope.message_id)

    async def twice(self, envelope: Envelope[Any]) -> None:
        """Deliver ``envelope`` twice, as a redelivery would, and return once catalog has
        taken both off its queue (the second one skipped by the inbox)."""
        before = self.duplicates(envelope.type)
        await self.send(envelope)
        await self.send(envelope)
        await self.applied(envelope)

        async def skipped() -> float:
            return self.duplicates(envelope.type)

        await eventually(skipped, lambda n: n > before, what=f"{envelope.type} skipped")

    def duplicates(self, message_type: str) -> float:
        """How many messages of this type this process's consumers skipped as duplicates."""
        return sum(
            sample.value
            for metric in REGISTRY.collect()
            if metric.name == "aftersales_messages"
            for sample in metric.samples
            if sample.name.endswith("_total")
            and sample.labels.get("outcome") == "duplicate"
            and sample.labels.get("type") == message_type
        )


def service_type(
    type_id: uuid.UUID,
    version: int,
    links: list[ServiceLinkDefinition],
    *,
    name: str = "Yearly check",
    enabled: bool = True,
) -> ServiceTypeChanged:
    return ServiceTypeChanged(
        service_type_id=type_id,
        version=version,
        system_name=f"st-{n()}",
        display_name=name,
        enabled=enabled,
        approval_method=ApprovalMethod.AUTOMATIC,
        print_tag=None,
        steps=[],
        links=links,
    )


def link(
    main: dict[str, Any],
    *,
    apply: bool,
    related: tuple[dict[str, Any], ...] = (),
    pre_code: str | None = None,
) -> ServiceLinkDefinition:
    return ServiceLinkDefinition(
        main_product_id=main["id"],
        apply_to_main_product=apply,
        related_product_ids=[p["id"] for p in related],
        pre_code=pre_code,
    )


async def serials(client: httpx.AsyncClient, **params: Any) -> list[str]:
    """Every serial number the list shows for these filters, page by page."""
    found: list[str] = []
    cursor = None
    while True:
        query = params | ({"cursor": cursor} if cursor else {})
        response = await client.get("/serial-items", params=query)
        assert response.status_code == 200, response.text
        page = response.json()
        found += [x["serial_number"] for x in page["items"]]
        cursor = page["next_cursor"]
        if cursor is None:
            return sorted(found)


async def types_of(client: httpx.AsyncClient, serial_item: dict[str, Any]) -> list[dict[str, Any]]:
    response = await client.get(f"/serial-items/{serial_item['id']}")
    assert response.status_code == 200, response.text
    return list(response.json()["service_types"])


async def test_service_types_apply_by_link_and_pin_stale_versions_ignored(
    client: httpx.AsyncClient, settings: Settings
) -> None:
    bus = Broker(client, settings)
    main, related, other = await product(client), await product(client), await product(client)
    type_id = uuid.uuid4()
    on_main = await item(client, product_id=main["id"])
    on_related = await item(client, product_id=related["id"])
    unrelated = await item(client, product_id=other["id"])
    pinned = await item(client, product_id=other["id"], pinned_service_type_id=str(type_id))
    # Before servicetypes has said anything, nothing is marked (not even the pinned item).
    assert await types_of(client, pinned) == []
    assert await serials(client, service_type_id=str(type_id)) == []

    await bus.applied(
        await bus.publish(service_type(type_id, 2, [link(main, apply=True, related=(related,))]))
    )
    mark = {"id": str(type_id), "name": "Yearly check"}
    for marked in (on_main, on_related, pinned):
        assert await types_of(client, marked) == [mark]
    assert await types_of(client, unrelated) == []
    expected = sorted(x["serial_number"] for x in (on_main, on_related, pinned))
    assert await serials(client, service_type_id=str(type_id)) == expected
    assert await serials(client, service_type_id=str(type_id), limit=1) == expected
    listed = (await client.get("/serial-items", params={"product_id": main["id"]})).json()
    assert [x["service_types"] for x in listed["items"]] == [[mark]]

    # Version 4: no longer applied to the main product, and renamed.
    await bus.applied(
        await bus.publish(
            service_type(type_id, 4, [link(main, apply=False, related=(related,))], name="Check")
        )
    )
    assert await types_of(client, on_main) == []
    assert await types_of(client, on_related) == [{"id": str(type_id), "name": "Check"}]

    # Version 3 arrives late: it must not undo version 4.
    await bus.applied(
        await bus.publish(service_type(type_id, 3, [link(main, apply=True, related=(related,))]))
    )
    assert await types_of(client, on_main) == []
    assert await types_of(client, on_related) == [{"id": str(type_id), "name": "Check"}]

    # Disabled: applies to nothing, the pinned item included.
    await bus.applied(
        await bus.publish(
            service_type(type_id, 5, [link(main, apply=True, related=(related,))], enabled=False)
        )
    )
    for was_marked in (on_main, on_related, pinned):
        assert await types_of(client, was_marked) == []
    assert await serials(client, service_type_id=str(type_id)) == []


async def test_two_types_on_one_item_and_a_duplicate_delivery(
    client: httpx.AsyncClient, settings: Settings
) -> None:
    bus = Broker(client, settings)
    p = await product(client)
    first, second = uuid.uuid4(), uuid.uuid4()
    i = await item(client, product_id=p["id"])
    await bus.twice(Envelope.wrap(service_type(first, 1, [link(p, apply=True)], name="A check")))
    await bus.applied(
        await bus.publish(service_type(second, 1, [link(p, apply=True)], name="B check"))
    )
    assert await types_of(client, i) == [
        {"id": str(first), "name": "A check"},
        {"id": str(second), "name": "B check"},
    ]


async def test_pre_codes_narrow_marks_and_the_filter_as_scheduling_does(
    client: httpx.AsyncClient, settings: Settings
) -> None:
    """Issue 17 item 8: a link with a pre-code marks only items of that action code.
    The marks and the ``service_type_id`` filter must agree with scheduling's pure rule
    (``aftersales_schedule.applies_to``) on every type and item of this table of cases
    (those of libs/schedule's test_applicability.py, plus mixed links on one product)."""
    bus = Broker(client, settings)
    main, related, other = await product(client), await product(client), await product(client)
    types = [
        service_type(uuid.uuid4(), 1, links, name=f"T{i}", enabled=enabled)
        for i, (links, enabled) in enumerate(
            [
                ([link(main, apply=True)], True),
                ([link(main, apply=False, related=(related,))], True),
                (
                    [link(other, apply=False, related=(related,)), link(main, apply=True)],
                    True,
                ),
                ([link(main, apply=True, pre_code="INSP"), link(other, apply=True)], True),
                (
                    [
                        link(main, apply=True, pre_code="INSP"),
                        link(main, apply=True, related=(related,), pre_code="SERV"),
                    ],
                    True,
                ),
                # One product under a pre-coded link and a plain one: the plain one wins.
                (
                    [link(main, apply=True, pre_code="INSP"), link(main, apply=True)],
                    True,
                ),
                ([link(main, apply=False, related=(related,), pre_code="INSP")], True),
                ([link(main, apply=True, pre_code="INSP")], False),
                ([], True),
            ]
        )
    ]
    await bus.applied(*[await bus.publish(t) for t in types])

    items = [
        await item(client, product_id=p["id"], action_code=code)
        for p in (main, related, other)
        for code in (None, "INSP", "SERV", "REPAIR")
    ] + [
        await item(
            client,
            product_id=other["id"],
            action_code="REPAIR",
            pinned_service_type_id=str(pinned.service_type_id),
        )
        for pinned in (types[4], types[7], types[8], types[3])
    ]

    def expected(t: ServiceTypeChanged, i: dict[str, Any]) -> bool:
        return applies_to(
            t,
            uuid.UUID(i["product_id"]),
            pinned_service_type_id=(
                uuid.UUID(i["pinned_service_type_id"]) if i["pinned_service_type_id"] else None
            ),
            action_code=i["action_code"],
        )

    marks: dict[str, set[str]] = {}
    for p in (main, related, other):
        response = await client.get("/serial-items", params={"product_id": p["id"], "limit": 100})
        assert response.status_code == 200, response.text
        marks |= {x["id"]: {m["id"] for m in x["service_types"]} for x in response.json()["items"]}
    for i in items:
        want = {str(t.service_type_id) for t in types if expected(t, i)}
        assert marks[i["id"]] == want, (i["product_id"], i["action_code"], i["id"])
    for t in types:
        want_serials = sorted(i["serial_number"] for i in items if expected(t, i))
        assert await serials(client, service_type_id=str(t.service_type_id)) == want_serials, t
        assert (
            await serials(client, service_type_id=str(t.service_type_id), limit=2) == want_serials
        )
    # Spot checks, so the table cannot pass by both sides being wrong the same way.
    on_main = {i["action_code"]: i for i in items[:4]}
    assert {m["name"] for m in await types_of(client, on_main[None])} == {"T0", "T2", "T5"}
    assert {m["name"] for m in await types_of(client, on_main["INSP"])} == {
        "T0",
        "T2",
        "T3",
        "T4",
        "T5",
    }
    assert (
        await serials(client, service_type_id=str(types[6].service_type_id))
        == [x["serial_number"] for x in items if x["product_id"] == related["id"]][1:2]
    )

    # A newer version without the pre-code marks every item of the product again.
    t3 = types[3]
    await bus.applied(
        await bus.publish(service_type(t3.service_type_id, 2, [link(main, apply=True)], name="T3"))
    )
    assert await serials(client, service_type_id=str(t3.service_type_id)) == sorted(
        [x["serial_number"] for x in items[:4]] + [items[15]["serial_number"]]
    )


async def test_pending_campaigns(client: httpx.AsyncClient, settings: Settings) -> None:
    bus = Broker(client, settings)
    p = await product(client)
    recalled, retrofitted, untouched = [await item(client, product_id=p["id"]) for _ in range(3)]
    recall, retrofit = uuid.uuid4(), uuid.uuid4()

    def case(target: dict[str, Any], campaign: uuid.UUID, case_id: uuid.UUID) -> dict[str, Any]:
        name = "Valve recall" if campaign == recall else "New firmware"
        return {
            "case_id": case_id,
            "campaign_id": campaign,
            "serial_item_id": target["id"],
            "campaign_code": name.upper().replace(" ", "-"),
            "campaign_name": name,
        }

    recall_case, retrofit_case, second_case = uuid.uuid4(), uuid.uuid4(), uuid.uuid4()
    # A duplicate delivery: still one case.
    await bus.twice(Envelope.wrap(CampaignCaseOpened(**case(recalled, recall, recall_case))))
    await bus.applied(
        await bus.publish(CampaignCaseOpened(**case(retrofitted, retrofit, retrofit_case))),
        await bus.publish(CampaignCaseOpened(**case(recalled, retrofit, second_case))),
    )

    got = (await client.get(f"/serial-items/{recalled['id']}")).json()
    assert got["pending_campaigns"] == [
        {
            "campaign_id": str(retrofit),
            "case_id": str(second_case),
            "code": "NEW-FIRMWARE",
            "name": "New firmware",
        },
        {
            "campaign_id": str(recall),
            "case_id": str(recall_case),
            "code": "VALVE-RECALL",
            "name": "Valve recall",
        },
    ]
    everything = sorted(x["serial_number"] for x in (recalled, retrofitted, untouched))
    in_product = {"product_id": p["id"]}
    pending = sorted(x["serial_number"] for x in (recalled, retrofitted))
    assert await serials(client, **in_product, has_pending_campaign="true", limit=1) == pending
    assert await serials(client, **in_product, has_pending_campaign="false") == [
        untouched["serial_number"]
    ]
    assert await serials(client, **in_product) == everything

    # Closing a case ends it; a close that arrives before its open wins over the open.
    early = uuid.uuid4()
    closed = case(untouched, recall, early)
    await bus.applied(
        await bus.publish(
            CampaignCaseClosed(
                **case(retrofitted, retrofit, retrofit_case), outcome=CaseOutcome.COMPLETED
            )
        ),
        await bus.publish(CampaignCaseClosed(**closed, outcome=CaseOutcome.CANCELLED)),
    )
    # The open comes only once the close is applied, so the order is the one named.
    await bus.applied(await bus.publish(CampaignCaseOpened(**closed)))
    assert (await client.get(f"/serial-items/{retrofitted['id']}")).json()[
        "pending_campaigns"
    ] == []
    assert await serials(client, **in_product, has_pending_campaign="true") == [
        recalled["serial_number"]
    ]


async def test_customer_name_search_and_initial_order_customer(client: httpx.AsyncClient) -> None:
    token = n()
    acme = await customer(client, name=f"Acme {token} AB")
    acme_too = await customer(client, name=f"ACME{token.upper()} Holding")
    other = await customer(client, name="Someone 50% Else")
    orderer = await customer(client)
    p = await product(client)
    a1 = await item(client, product_id=p["id"], owner_customer_id=acme["id"])
    a2 = await item(
        client,
        product_id=p["id"],
        owner_customer_id=acme_too["id"],
        initial_order_customer_id=orderer["id"],
    )
    o = await item(
        client,
        product_id=p["id"],
        owner_customer_id=other["id"],
        initial_order_customer_id=orderer["id"],
    )
    # The ordering customer's name does not match: the search is by owner.
    await item(client, product_id=p["id"], owner_customer_id=orderer["id"])

    acmes = sorted(x["serial_number"] for x in (a1, a2))
    assert await serials(client, customer_name=f"acme {token}") == [a1["serial_number"]]
    assert await serials(client, customer_name=token, limit=1) == acmes
    assert await serials(client, customer_name=token, sort="-created_at", limit=1) == acmes
    assert await serials(client, customer_name="50%", product_id=p["id"]) == [o["serial_number"]]
    assert await serials(client, customer_name=f"x{token}") == []
    assert await serials(client, initial_order_customer_id=orderer["id"], limit=1) == sorted(
        x["serial_number"] for x in (a2, o)
    )
    assert await serials(client, initial_order_customer_id=orderer["id"], customer_name=token) == [
        a2["serial_number"]
    ]


async def test_bad_filter_values_name_the_field(client: httpx.AsyncClient) -> None:
    for params, field in (
        ({"service_type_id": "x"}, "query.service_type_id"),
        ({"has_pending_campaign": "maybe"}, "query.has_pending_campaign"),
        ({"initial_order_customer_id": "42"}, "query.initial_order_customer_id"),
        ({"customer_name": "x" * 201}, "query.customer_name"),
    ):
        bad = await client.get("/serial-items", params=params)
        assert bad.status_code == 422, bad.text
        assert bad.json()["field"] == field, bad.text
