"""Which serial items a service type applies to: the service-link rule, pure.

The rule (servicetypes' README repeats it for users):

- A deleted or disabled type applies to nothing, pinned items included.
- An item that pins the type (catalog's "service type" field of one serial item) gets it
  whatever its product.
- Otherwise the type applies when one of its links matches the item's product: the
  link's main product when "apply to main product" is set, or one of its related
  products. A main product without "apply to main product" only carries the link.
- A link's pre-code narrows it to one action code: when the caller knows the action
  code (``action_code``), a link with another pre-code does not match. A serial item by
  itself has no action code, so matching an item (``action_code=None``) ignores pre-codes.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable

from aftersales_contracts.servicetypes import ServiceLinkDefinition, ServiceTypeChanged


def link_products(link: ServiceLinkDefinition) -> set[uuid.UUID]:
    """The products one link applies its type to."""
    main = {link.main_product_id} if link.apply_to_main_product else set()
    return main | set(link.related_product_ids)


def linked_products(
    links: Iterable[ServiceLinkDefinition], action_code: str | None = None
) -> set[uuid.UUID]:
    """Every product the links apply their type to (for ``action_code``, when given)."""
    return {
        product
        for link in links
        if _pre_code_matches(link, action_code)
        for product in link_products(link)
    }


def applies_to(
    service_type: ServiceTypeChanged,
    product_id: uuid.UUID,
    *,
    pinned_service_type_id: uuid.UUID | None = None,
    action_code: str | None = None,
) -> bool:
    """True when ``service_type`` applies to an item of ``product_id`` that pins
    ``pinned_service_type_id`` (or none)."""
    if service_type.deleted or not service_type.enabled:
        return False
    if pinned_service_type_id == service_type.service_type_id:
        return True
    return product_id in linked_products(service_type.links, action_code)


def _pre_code_matches(link: ServiceLinkDefinition, action_code: str | None) -> bool:
    return action_code is None or link.pre_code is None or link.pre_code == action_code
