"""What a callout's order waits for and is opened with: pure rules."""

from __future__ import annotations

import uuid

from aftersales_contracts.fieldwork import OpenServiceOrder
from fieldwork.callouts import domain
from fieldwork.callouts.domain import Known

COMMAND = OpenServiceOrder(
    callout_id=uuid.uuid4(),
    customer_id=uuid.uuid4(),
    serial_item_id=uuid.uuid4(),
    service_type_id=uuid.uuid4(),
    org_unit_id=uuid.uuid4(),
    description="Annual inspection: 1st reminder",
    requested_by="olle",
)
ALL = Known(customer=True, serial_item=True, service_type=True, org_unit=True)


def test_it_waits_for_its_customer_and_serial_item_only() -> None:
    assert domain.waiting_for(COMMAND, ALL) is None
    assert domain.waiting_for(COMMAND, Known(True, True, False, False)) is None
    assert domain.waiting_for(COMMAND, Known(False, True, True, True)) == (
        f"customer {COMMAND.customer_id}"
    )
    assert domain.waiting_for(COMMAND, Known(False, False, True, True)) == (
        f"customer {COMMAND.customer_id}, serial item {COMMAND.serial_item_id}"
    )


def test_the_order_is_prefilled_with_what_field_work_knows() -> None:
    assert domain.draft_fields(COMMAND, ALL) == {
        "customer_id": COMMAND.customer_id,
        "serial_item_id": COMMAND.serial_item_id,
        "description": "Annual inspection: 1st reminder",
        "callout_id": COMMAND.callout_id,
        "service_type_id": COMMAND.service_type_id,
        "org_unit_id": COMMAND.org_unit_id,
    }
    bare = domain.draft_fields(
        COMMAND.model_copy(update={"description": None}), Known(True, True, False, False)
    )
    assert bare == {
        "customer_id": COMMAND.customer_id,
        "serial_item_id": COMMAND.serial_item_id,
        "description": "",
        "callout_id": COMMAND.callout_id,
    }
