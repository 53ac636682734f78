"""Which serial items a service type applies to: the service-link rule, pure.

The rule (servicetypes' README repeats it for users):

- A deleted or disabled type applies to nothing, pinned items included.
- An item that pins the type (catalog's "service type" field of one serial item) gets it
  whatever its product.
- Otherwise the type applies when one of its links matches the item's product: the
  link's main product when "apply to main product" is set, or one of its related
  products. A main product without "apply to main product" only carries the link.
- A link's pre-code narrows it to one action code (seed 000: "further specifies when the
  link takes effect"): a link with a pre-code matches only an item whose action code
  (catalog's ``action_code``) is that code; an item without one matches only links
  without a pre-code. A link without a pre-code matches whatever the action code.
- ``linked_products`` is every product a link names, pre-codes aside: the items a type
  may apply to, for finding candidates; ``applies_to`` decides.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable

from aftersales_contracts.servicetypes import ServiceLinkDefinition, ServiceTypeChanged


def link_products(link: ServiceLinkDefinition) -> set[uuid.UUID]:
    """The products one link applies its type to."""
    main = {link.main_product_id} if link.apply_to_main_product else set()
    return main | set(link.related_product_ids)


def linked_products(links: Iterable[ServiceLinkDefinition]) -> set[uuid.UUID]:
    """Every product the links may apply their type to, whatever their pre-codes."""
    return {product for link in links for product in link_products(link)}


def applies_to(
    service_type: ServiceTypeChanged,
    product_id: uuid.UUID,
    *,
    pinned_service_type_id: uuid.UUID | None = None,
    action_code: str | None = None,
) -> bool:
    """True when ``service_type`` applies to an item of ``product_id`` with ``action_code``
    that pins ``pinned_service_type_id`` (or none)."""
    if service_type.deleted or not service_type.enabled:
        return False
    if pinned_service_type_id == service_type.service_type_id:
        return True
    return any(
        product_id in link_products(link) and pre_code_matches(link, action_code)
        for link in service_type.links
    )


def pre_code_matches(link: ServiceLinkDefinition, action_code: str | None) -> bool:
    """A link without a pre-code matches every item; one with a pre-code, only an item
    of that action code."""
    return link.pre_code is None or link.pre_code == action_code
