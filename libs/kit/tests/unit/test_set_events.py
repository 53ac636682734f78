"""Set events: bounded, flattened in order, counted by what they carry."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from aftersales_contracts.catalog import (
    MAX_SET_SIZE,
    CustomersRegistered,
    SerialItemsRegistered,
    each_customer,
    each_item,
)
from aftersales_contracts.envelope import Envelope, envelope_of
from aftersales_testing.builders import customer_registered, serial_item_registered


def test_a_set_holds_one_to_max_snapshots() -> None:
    with pytest.raises(ValidationError) as empty:
        SerialItemsRegistered(items=[])
    assert empty.value.errors()[0]["loc"] == ("items",)
    one = serial_item_registered()
    with pytest.raises(ValidationError):
        SerialItemsRegistered(items=[one] * (MAX_SET_SIZE + 1))
    assert len(SerialItemsRegistered(items=[one] * MAX_SET_SIZE)) == MAX_SET_SIZE
    with pytest.raises(ValidationError):
        CustomersRegistered(customers=[])


def test_a_bad_member_makes_the_whole_envelope_invalid() -> None:
    """What a consumer dead-letters as an invalid envelope: a member missing a field."""
    body = Envelope.wrap(SerialItemsRegistered(items=[serial_item_registered()])).to_json_dict()
    del body["payload"]["items"][0]["serial_number"]
    with pytest.raises(ValidationError) as bad:
        envelope_of(SerialItemsRegistered).model_validate(body)
    assert bad.value.errors()[0]["loc"] == ("payload", "items", 0, "serial_number")


def test_single_and_set_events_flatten_in_order() -> None:
    a, b, c = (serial_item_registered() for _ in range(3))
    flat = list(each_item([a, SerialItemsRegistered(items=[b, c])]))
    assert [i.serial_item_id for i in flat] == [
        a.serial_item_id,
        b.serial_item_id,
        c.serial_item_id,
    ]
    x, y = customer_registered(), customer_registered()
    assert list(each_customer([CustomersRegistered(customers=[x]), y])) == [x, y]
