"""Which serial items a service type applies to: the service-link rule."""

from __future__ import annotations

import uuid

from aftersales_contracts.servicetypes import (
    ApprovalMethod,
    ServiceLinkDefinition,
    ServiceTypeChanged,
)
from aftersales_schedule import applies_to, link_products, linked_products

MAIN, RELATED, OTHER = uuid.uuid4(), uuid.uuid4(), uuid.uuid4()


def link(
    main: uuid.UUID = MAIN,
    *,
    apply_to_main: bool = True,
    related: tuple[uuid.UUID, ...] = (),
    pre_code: str | None = None,
) -> ServiceLinkDefinition:
    return ServiceLinkDefinition(
        main_product_id=main,
        apply_to_main_product=apply_to_main,
        related_product_ids=list(related),
        pre_code=pre_code,
    )


def service_type(
    *links: ServiceLinkDefinition, enabled: bool = True, deleted: bool = False
) -> ServiceTypeChanged:
    return ServiceTypeChanged(
        service_type_id=uuid.uuid4(),
        version=1,
        system_name="annual_inspection",
        display_name="Annual inspection",
        enabled=enabled,
        approval_method=ApprovalMethod.MANUAL,
        print_tag=None,
        steps=[],
        links=list(links),
        deleted=deleted,
    )


def test_the_main_product_when_apply_to_main_product_is_set() -> None:
    t = service_type(link(apply_to_main=True))
    assert applies_to(t, MAIN)
    assert not applies_to(t, OTHER)


def test_not_the_main_product_when_apply_to_main_product_is_unset() -> None:
    t = service_type(link(apply_to_main=False, related=(RELATED,)))
    assert not applies_to(t, MAIN)
    assert applies_to(t, RELATED)


def test_related_products_apply_whatever_the_main_product_flag() -> None:
    for flag in (True, False):
        t = service_type(link(apply_to_main=flag, related=(RELATED,)))
        assert applies_to(t, RELATED)
        assert not applies_to(t, OTHER)


def test_any_link_may_match() -> None:
    t = service_type(link(OTHER, apply_to_main=False, related=(RELATED,)), link(MAIN))
    assert applies_to(t, MAIN)
    assert applies_to(t, RELATED)
    assert not applies_to(t, OTHER)
    assert linked_products(t.links) == {MAIN, RELATED}


def test_a_pinned_type_applies_whatever_the_product() -> None:
    t = service_type(link(MAIN))
    assert applies_to(t, OTHER, pinned_service_type_id=t.service_type_id)
    assert not applies_to(t, OTHER, pinned_service_type_id=uuid.uuid4())
    assert applies_to(service_type(), OTHER, pinned_service_type_id=None) is False
    unlinked = service_type()
    assert applies_to(unlinked, OTHER, pinned_service_type_id=unlinked.service_type_id)


def test_a_disabled_or_deleted_type_applies_to_nothing_not_even_pinned_items() -> None:
    for t in (service_type(link(), enabled=False), service_type(link(), deleted=True)):
        assert not applies_to(t, MAIN)
        assert not applies_to(t, MAIN, pinned_service_type_id=t.service_type_id)


def test_a_pre_code_narrows_a_link_to_its_action_code() -> None:
    t = service_type(link(pre_code="INSP"), link(OTHER, pre_code=None))
    assert applies_to(t, MAIN, action_code="INSP")
    assert not applies_to(t, MAIN, action_code="REPAIR")
    # A link without a pre-code matches every action code, and items without one.
    assert applies_to(t, OTHER, action_code="REPAIR")
    assert applies_to(t, OTHER)
    # An item without an action code does not match a link with a pre-code (issue 17,
    # item 8: before, it matched every pre-coded link, so pre-codes narrowed nothing).
    assert not applies_to(t, MAIN)
    # Candidates are every linked product, pre-codes aside.
    assert linked_products(t.links) == {MAIN, OTHER}


def test_two_links_of_one_product_with_different_pre_codes() -> None:
    t = service_type(link(pre_code="INSP"), link(pre_code="SERV", related=(RELATED,)))
    assert applies_to(t, MAIN, action_code="INSP")
    assert applies_to(t, MAIN, action_code="SERV")
    assert not applies_to(t, RELATED, action_code="INSP")
    assert applies_to(t, RELATED, action_code="SERV")
    # A pinned item gets the type whatever its action code.
    assert applies_to(t, OTHER, pinned_service_type_id=t.service_type_id)


def test_link_products() -> None:
    assert link_products(link(apply_to_main=True, related=(RELATED,))) == {MAIN, RELATED}
    assert link_products(link(apply_to_main=False, related=(RELATED,))) == {RELATED}
