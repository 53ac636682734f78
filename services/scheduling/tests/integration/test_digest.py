"""The daily digest of an org unit's callouts awaiting approval or failed (issue 17 item
11): published once per org unit and local day, with the counts and the callouts."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import httpx
from sqlalchemy import select

from aftersales_kit.messaging_tables import outbox_message
from aftersales_testing.waiting import eventually
from scheduling import digest
from scheduling.domain import CalloutState

from .seed import TODAY, Seed

S = CalloutState


async def _digests(seed: Seed) -> list[dict[str, Any]]:
    async with seed.runtime.sessionmaker() as session:
        bodies = (
            await session.scalars(
                select(outbox_message.c.body).where(
                    outbox_message.c.message_type == "scheduling.callout_digest.compiled",
                    outbox_message.c.body["payload"]["org_unit_code"].astext == seed.org_unit,
                )
            )
        ).all()
    return [b["payload"] for b in bodies]


async def test_an_org_units_digest_goes_once_a_day_with_its_awaiting_and_failed_callouts(
    app_client: httpx.AsyncClient,
) -> None:
    seed = Seed(app_client)
    await seed.world()
    awaiting = await seed.callout(S.AWAITING_APPROVAL, TODAY + timedelta(days=3))
    failed = await seed.callout(S.FAILED, TODAY - timedelta(days=1), step_description="2nd")
    await seed.callout(S.SENT)
    await seed.callout(S.APPROVED)
    ctx = app_client.app.state.context  # type: ignore[attr-defined]
    # The app's own loop may compile it first; either way one digest, however often asked.
    for _ in range(2):
        async with seed.runtime.uow() as uow:
            await digest.compile_due(ctx, uow)
    [compiled] = await eventually(lambda: _digests(seed), what="the digest")
    assert compiled["day"] == TODAY.isoformat()
    assert (compiled["awaiting_approval"], compiled["failed"]) == (1, 1)
    assert [c["callout_id"] for c in compiled["callouts"]] == [failed, awaiting]
    assert compiled["callouts"][0]["state"] == "failed"
    assert compiled["callouts"][0]["step_description"] == "2nd"
    assert compiled["callouts"][0]["serial_number"] == "SN-" + seed.org_unit
    assert compiled["callouts"][0]["customer_name"] == "Ada Lovelace"
    assert await _digests(seed) == [compiled]


async def test_an_org_unit_with_nothing_awaiting_or_failed_gets_no_digest(
    app_client: httpx.AsyncClient,
) -> None:
    seed = Seed(app_client)
    await seed.world()
    await seed.callout(S.SENT)
    ctx = app_client.app.state.context  # type: ignore[attr-defined]
    async with seed.runtime.uow() as uow:
        await digest.compile_due(ctx, uow)
    assert await _digests(seed) == []
