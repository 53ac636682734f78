"""The whole system as separate processes, as ``make run`` starts them, with this run's
own databases, queue names, ports and mail directory."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from aftersales_testing.infrastructure import Infrastructure
from aftersales_testing.smtp_sink import free_port
from aftersales_testing.stack import (
    SERVICES,
    Stack,
    StackConfig,
    drop_databases,
    environment,
    prepare_databases,
)


@pytest.fixture(scope="session")
def stack(
    infra: Infrastructure, run_id: str, broker_prefix: str, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Stack]:
    import os
    import subprocess

    base = tmp_path_factory.mktemp("e2e")
    config = StackConfig(
        postgres_url=infra.postgres_url,
        amqp_url=infra.amqp_url,
        database_prefix=f"e2e_{run_id}_",
        broker_prefix=broker_prefix,
        port_offset=10000,
        smtp_port=free_port(),
        mail_dir=base / "mail",
        log_dir=base / "logs",
        extra_env={
            "SCHEDULING_DISPATCH_INTERVAL_SECONDS": "0.2",
            "CATALOG_OUTBOX_POLL_SECONDS": "0.1",
        },
    )
    prepare_databases(config)
    gateway = next(s for s in SERVICES if s.name == "gateway")
    subprocess.run(
        ["gateway", "seed-dev-user"],
        env=os.environ | environment(config, gateway),
        check=True,
        capture_output=True,
    )
    stack = Stack(config)
    try:
        with stack.running(timeout=90):
            yield stack
    except Exception:
        for log in sorted((base / "logs").glob("*.log")):
            print(f"===== {log.name}\n{log.read_text()[-4000:]}")
        raise
    finally:
        drop_databases(config)


@pytest.fixture(scope="session")
def gateway_url(stack: Stack) -> str:
    return stack.config.url("gateway")


@pytest.fixture(scope="session")
def mail_dir(stack: Stack) -> Path:
    return stack.config.mail_dir
