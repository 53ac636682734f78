"""The recipient of a callout (issue 17): the list's "Send to" by the rule notifications
sends by, "update recipient and synchronize", and a wait for a customer version that
never comes timing out."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import httpx
import pytest

from aftersales_contracts.catalog import CustomerChanged
from aftersales_kit.clock import FixedClock
from aftersales_testing.builders import customer_registered
from aftersales_testing.messaging import publish
from aftersales_testing.waiting import eventually
from scheduling import actions, tables
from scheduling.domain import CalloutState
from scheduling.settings import Settings

from .seed import Seed

S = CalloutState
MOBILE = "+46701234567"


@pytest.fixture
async def seed(app_client: httpx.AsyncClient) -> Seed:
    seed = Seed(app_client)
    await seed.world()
    return seed


async def _customer(seed: Seed, **values: Any) -> None:
    """Sets the seed's customer projection's communication settings."""
    async with seed.runtime.sessionmaker() as session, session.begin():
        await session.execute(
            tables.customer.update()
            .where(tables.customer.c.id == seed.customer_id)
            .values(**values)
        )


async def _send_to(seed: Seed) -> dict[str, str | None]:
    response = await seed.list()
    assert response.status_code == 200, response.text
    return {row["id"]: row["send_to"] for row in response.json()["items"]}


async def _publish_version_2(seed: Seed, settings: Settings) -> None:
    """Catalog's CustomerChanged, version 2: a new e-mail address."""
    snapshot = customer_registered(
        customer_id=seed.customer_id, version=2, customer_number="C-1", emails=["ada@example.net"]
    )
    event = CustomerChanged(**snapshot.model_dump())
    broker = seed.client.app.state.runtime.broker  # type: ignore[attr-defined]
    await publish(broker, settings.broker_prefix, event)


async def _history(seed: Seed, callout: str) -> list[dict[str, Any]]:
    response = await seed.client.get(f"/callouts/{callout}/history")
    assert response.status_code == 200, response.text
    return list(response.json())


# --- "Send to" ----------------------------------------------------------------------------


async def test_send_to_is_where_notifications_will_send(seed: Seed) -> None:
    # Allows only SMS, no preference, an e-mail address on file: the SMS is what goes.
    await _customer(seed, allowed_methods=["sms"], preferred_method=None)
    waiting = await seed.callout(S.AWAITING_APPROVAL)
    # A copy read earlier (synchronize) no longer says where it would go now.
    stale = await seed.callout(S.APPROVED, send_to="ada@example.com")
    sent = await seed.callout(S.SENT, send_to="ada@example.com")
    shown = await _send_to(seed)
    assert shown == {waiting: MOBILE, stale: MOBILE, sent: "ada@example.com"}
    assert (await seed.client.get(f"/callouts/{waiting}")).json()["send_to"] == MOBILE

    # Every address (notifications e-mails all of them); nothing where it would be blocked.
    await _customer(
        seed, allowed_methods=["email"], emails=["ada@example.com", "lovelace@example.com"]
    )
    assert (await _send_to(seed))[waiting] == "ada@example.com, lovelace@example.com"
    await _customer(seed, allowed_methods=[])
    assert (await _send_to(seed))[waiting] is None


# --- "Update recipient and synchronize" ---------------------------------------------------


async def test_update_recipient_and_synchronize_rereads_once_catalog_has_it(
    seed: Seed, settings: Settings
) -> None:
    failed = await seed.callout(S.FAILED, send_attempt=1, send_to="old@example.com")
    sent = await seed.callout(S.SENT, send_to="old@example.com")
    cancelled = await seed.callout(S.CANCELLED)
    blocked = await seed.callout(S.BLOCKED_BY_ALLOWED_METHODS)
    path = "/callouts/{}/update-recipient-and-synchronize"

    # The version scheduling has already: re-read now; the state stays, nothing is sent.
    now = await seed.client.post(path.format(failed), json={"customer_version": 1})
    assert now.status_code == 200, now.text
    body = now.json()
    assert (body["state"], body["send_to"], body["resend_at_customer_version"]) == (
        "failed",
        "ada@example.com",
        None,
    )
    assert (await seed.row(failed)).send_to == "ada@example.com"

    # A version not here yet: it waits for it.
    later = await seed.client.post(path.format(sent), json={"customer_version": 2})
    assert later.status_code == 200, later.text
    body = later.json()
    assert (body["state"], body["resend_at_customer_version"], body["customer_wait_action"]) == (
        "sent",
        2,
        "update_recipient_and_synchronize",
    )
    for refused in (cancelled, blocked):
        response = await seed.client.post(path.format(refused), json={"customer_version": 2})
        assert (response.status_code, response.json()["field"]) == (409, "state")

    await _publish_version_2(seed, settings)

    async def synchronized() -> Any:
        row = await seed.row(sent)
        return row if row.resend_at_customer_version is None else None

    row = await eventually(synchronized, what="the recipient re-read at version 2")
    assert (row.state, row.send_to, row.customer_wait_since) == (S.SENT, "ada@example.net", None)
    assert await seed.send_requests(sent) == []
    assert await seed.send_requests(failed) == []
    [entry] = [e for e in await _history(seed, sent) if e["action"] != "recalculate"]
    assert (entry["action"], entry["detail"]) == (
        "update_recipient_and_synchronize",
        "synchronize when customer version 2 arrives",
    )
    # On a selection it re-reads at once.
    selected = await seed.client.post(
        "/callouts/actions/update-recipient-and-synchronize", json={"ids": [failed, cancelled]}
    )
    assert [r["id"] for r in selected.json()["acted"]] == [failed]


# --- a customer version that never comes ----------------------------------------------------


async def test_an_update_recipient_whose_version_never_comes_times_out(
    seed: Seed, settings: Settings, clock: FixedClock
) -> None:
    ctx = seed.client.app.state.context  # type: ignore[attr-defined]
    hours = settings.recipient_update_timeout_hours
    never = await seed.callout(S.BLOCKED_BY_ALLOWED_METHODS, send_attempt=1)
    arrives = await seed.callout(S.FAILED, send_attempt=1)
    for callout, version in ((never, 99), (arrives, 2)):
        response = await seed.client.post(
            f"/callouts/{callout}/update-recipient", json={"customer_version": version}
        )
        assert response.json()["resend_at_customer_version"] == version

    async def time_out() -> None:
        async with seed.runtime.uow() as uow:
            await actions.time_out_customer_waits(ctx, uow)

    # The normal path: the version arrives within the wait and the callout is resent.
    await _publish_version_2(seed, settings)

    async def resent() -> list[dict[str, Any]]:
        return await seed.send_requests(arrives)

    [request] = await eventually(resent, what="the callout resent at version 2")
    assert request["idempotency_key"] == f"callout:{arrives}:2"

    clock.advance(timedelta(hours=hours) - timedelta(minutes=1))
    await time_out()
    assert (await seed.row(never)).resend_at_customer_version == 99  # still waiting

    clock.advance(timedelta(minutes=2))
    await time_out()
    row = await seed.row(never)
    expected = f"the recipient's update did not arrive within {hours:g} hours"
    assert (row.state, row.resend_at_customer_version, row.error) == (
        S.BLOCKED_BY_ALLOWED_METHODS,
        None,
        expected,
    )
    assert row.customer_wait_since is None
    error = (await seed.client.get(f"/callouts/{never}/error")).json()
    assert error["reason"] == expected
    entry = (await _history(seed, never))[-1]
    assert (entry["action"], entry["actor"], entry["detail"]) == (
        "recipient_update_timed_out",
        "system",
        expected,
    )
    assert await seed.send_requests(never) == []
    # The callout resent in time is not touched by the timeout.
    done = await seed.row(arrives)
    assert (done.state, done.error) == (S.APPROVED, None)
    # Still fixable the seed's way: update the recipient again.
    again = await seed.client.post(f"/callouts/{never}/update-recipient", json={})
    assert again.json()["state"] == "approved"
