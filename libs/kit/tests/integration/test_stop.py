"""A stopping process stops: a part that will not (a loop that ignores its cancellation,
as a step stuck on an unreachable dependency would) is given a bounded time, then left."""

from __future__ import annotations

import asyncio

import pytest

from aftersales_kit import runtime as runtime_module

from ..conftest import RuntimeFactory


async def test_a_loop_that_ignores_cancellation_does_not_hold_the_stop(
    make_runtime: RuntimeFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(runtime_module, "STOP_STEP_SECONDS", 0.5)
    runtime = make_runtime()
    released = asyncio.Event()

    async def stubborn() -> None:
        while not released.is_set():
            try:
                await asyncio.sleep(3600)
            except asyncio.CancelledError:
                await released.wait()  # like a close() waiting on a broker that is away

    runtime.add_loop("stubborn", stubborn)
    await runtime.start()
    await asyncio.sleep(0)

    stopping = asyncio.create_task(runtime.stop())
    done, _ = await asyncio.wait({stopping}, timeout=30)
    released.set()
    assert stopping in done, "the runtime did not stop"
    stopping.result()  # and raised nothing
