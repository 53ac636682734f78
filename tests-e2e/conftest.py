"""The whole system as separate processes, as ``make run`` starts them, with this run's
own databases, queue names, ports and mail directory."""

from __future__ import annotations

import contextlib
import secrets
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator, Sequence
from pathlib import Path

import httpx
import pytest

from aftersales_testing.builders import unique
from aftersales_testing.infrastructure import Infrastructure
from aftersales_testing.journey import expect, login
from aftersales_testing.otlp_collector import OtlpCollector
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
def collector() -> Iterator[OtlpCollector]:
    """The OTLP receiver every process of the stack exports its spans to."""
    with OtlpCollector() as collector:
        yield collector


@pytest.fixture(scope="session")
def stack(
    infra: Infrastructure,
    run_id: str,
    broker_prefix: str,
    tmp_path_factory: pytest.TempPathFactory,
    collector: OtlpCollector,
) -> Iterator[Stack]:
    import os
    import subprocess

    base = tmp_path_factory.mktemp("e2e")
    config = StackConfig(
        postgres_url=infra.postgres_url,
        amqp_url=infra.amqp_url,
        database_prefix=f"e2e_{run_id}_",
        broker_prefix=broker_prefix,
        # Another offset lets two e2e runs share a machine (parallel work trees).
        port_offset=int(os.environ.get("AFTERSALES_E2E_PORT_OFFSET", "10000")),
        smtp_port=free_port(),
        mail_dir=base / "mail",
        log_dir=base / "logs",
        extra_env={
            "SCHEDULING_DISPATCH_INTERVAL_SECONDS": "0.2",
            "CATALOG_OUTBOX_POLL_SECONDS": "0.1",
            # Every service's settings read it; spans leave in batches every 0.5 s
            # instead of 5 s, so a test sees a trace soon after the request.
            "OTEL_EXPORTER_OTLP_ENDPOINT": collector.endpoint,
            "OTEL_BSP_SCHEDULE_DELAY": "500",
        }
        # The console build the gateway serves: services/console/dist unless named.
        | (
            {"GATEWAY_CONSOLE_DIR": console_dir}
            if (console_dir := os.environ.get("AFTERSALES_CONSOLE_DIR"))
            else {}
        ),
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


SignIn = Callable[..., Awaitable[httpx.AsyncClient]]


@pytest.fixture
async def sign_in(gateway_url: str) -> AsyncIterator[SignIn]:
    """``await sign_in("operator", org_units=("N-1",))``: a client signed in as a new user
    with those roles, made through the gateway's user administration by the seeded admin
    (``dev``), so each test has the users it needs and nothing else."""
    async with contextlib.AsyncExitStack() as clients:
        admin = await clients.enter_async_context(
            httpx.AsyncClient(base_url=gateway_url, timeout=30)
        )
        await login(admin, "dev", "dev")

        async def make(*roles: str, org_units: Sequence[str] = ()) -> httpx.AsyncClient:
            username, password = unique("e2e-"), secrets.token_urlsafe(16)
            user = {"username": username, "password": password, "roles": list(roles)}
            expect(await admin.post("/auth/users", json=user | {"org_units": list(org_units)}), 201)
            client = await clients.enter_async_context(
                httpx.AsyncClient(base_url=gateway_url, timeout=30)
            )
            await login(client, username, password)
            return client

        yield make
