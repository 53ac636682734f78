"""The pytest plugin: real infrastructure, a fresh database per service and names per run.

Use ``service_database("catalog", migrations_dir)`` from a session fixture in a
service's conftest; ``broker_prefix`` keeps this run's exchanges and queues apart.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from aftersales_testing import infrastructure
from aftersales_testing.infrastructure import Infrastructure, InfrastructureUnavailable


@pytest.fixture(scope="session")
def run_id() -> str:
    return infrastructure.new_run_id()


@pytest.fixture(scope="session")
def infra() -> Iterator[Infrastructure]:
    try:
        with infrastructure.provide() as provided:
            yield provided
    except InfrastructureUnavailable as error:
        pytest.fail(str(error), pytrace=False)


@pytest.fixture(scope="session")
def broker_prefix(run_id: str, infra: Infrastructure) -> Iterator[str]:
    """This run's prefix; its queues and exchanges are deleted when the run ends, so
    quorum queues (each a Raft group on the broker) do not pile up run after run."""
    prefix = f"test-{run_id}."
    yield prefix
    asyncio.run(infrastructure.delete_topology(infra.amqp_url, prefix))


@pytest.fixture(scope="session")
def service_database(
    infra: Infrastructure, run_id: str
) -> Iterator[Callable[[str, Path | None], str]]:
    """Factory: create (and migrate) ``<service>_test_<run>``; dropped when the run ends."""
    created: list[str] = []

    def make(service: str, script_location: Path | None) -> str:
        name = f"{service}_test_{run_id}"
        url = infrastructure.create_database(infra.postgres_url, name, script_location)
        created.append(name)
        return url

    yield make
    for name in created:
        infrastructure.drop_database(infra.postgres_url, name)


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    """Append this run's counts to ``$AFTERSALES_TEST_TALLY``: ``make test`` runs one pytest
    per test tree and prints the sum at the end."""
    import json
    import os

    tally = os.environ.get("AFTERSALES_TEST_TALLY")
    if not tally:
        return
    counts = {
        key: len(terminalreporter.stats.get(key, []))
        for key in ("passed", "failed", "error", "skipped")
    }
    with open(tally, "a") as out:
        out.write(json.dumps(counts) + "\n")
