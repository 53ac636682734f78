"""The fault suite: its own RabbitMQ node and PostgreSQL cluster, the whole system on them.

A separate pytest run (``make test`` runs ``pytest tests-e2e/faults`` on its own), so the
e2e tree's run does not collect it: it takes minutes and needs no shared infrastructure.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from pathlib import Path

import pytest

from aftersales_testing.fault_suite import fault_stack
from aftersales_testing.private_infra import (
    MissingBinary,
    PrivateInfrastructure,
    private_infrastructure,
)
from aftersales_testing.stack import Stack

HERE = Path(__file__).parent

# The suite's own AMQP client fails to connect while the broker is down, on purpose; one
# ERROR line per attempt would bury the table of counts.
logging.getLogger("aiormq.connection").setLevel(logging.CRITICAL)


def pytest_ignore_collect(collection_path: Path, config: pytest.Config) -> bool | None:
    # Collected only when a run names this tree (or a path in it), not by `pytest tests-e2e`.
    named = [Path(str(arg).split("::", 1)[0]).resolve() for arg in config.args]
    if any(p == HERE or HERE in p.parents for p in named):
        return None
    return True if HERE in collection_path.resolve().parents else None


@pytest.fixture(scope="session")
def private_infra() -> Iterator[PrivateInfrastructure]:
    try:
        with private_infrastructure() as infra:
            yield infra
    except MissingBinary as error:
        # Not a skip: CI must install what the suite needs (.ci/run does).
        pytest.fail(str(error), pytrace=False)


@pytest.fixture(scope="session")
def stack(
    private_infra: PrivateInfrastructure, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Stack]:
    base = tmp_path_factory.mktemp("faults")
    try:
        with fault_stack(private_infra, base) as running:
            yield running
    except Exception:
        for log in sorted((base / "logs").glob("*.log")):
            print(f"===== {log.name}\n{log.read_text()[-4000:]}")
        raise
