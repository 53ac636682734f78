"""Fuzzing every OpenAPI with schemathesis, with every service a process (issue 13).

Each service's own document is fuzzed against the service itself, with the identity the
gateway would sign (an unrestricted admin): every operation, public or not. The public
API is fuzzed through the gateway with an admin's bearer token: the gateway's own
routes (``/auth``, ``/auth/users``, ``/api/{path}``) and each service's public
operations under ``/api``, so forwarding is fuzzed too. Cases are schema-valid and
schema-invalid (schemathesis' positive and negative modes), derandomized: the same cases
every run. Every answer must be

- no server error (``not_a_server_error``),
- a status the operation documents (``status_code_conformance``), with the documented
  content type and body (``content_type_conformance``, ``response_schema_conformance``);

and every protected operation, called without credentials, answers 401 (auth is not
ignored). Failures are collected over every operation, not stopped at the first, and
listed with a curl command to reproduce each.

``AFTERSALES_FUZZ_EXAMPLES`` sets the cases per operation (default 20 on each service,
half that through the gateway); ``bench/fuzz.py`` runs the same with more.
"""

from __future__ import annotations

import asyncio
import os
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

import asyncpg
import httpx
import pytest
import requests
import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from schemathesis.checks import not_a_server_error
from schemathesis.core.result import Err
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from aftersales_kit.identity import Caller
from aftersales_kit.signed_identity import IDENTITY_HEADER, Keyring, sign
from aftersales_testing import stack as stack_module
from aftersales_testing.infrastructure import database_url
from aftersales_testing.stack import Stack
from gateway.domain import ROUTES

pytestmark = pytest.mark.e2e

MAX_EXAMPLES = int(os.environ.get("AFTERSALES_FUZZ_EXAMPLES", "20"))
# Through the gateway every request also costs a token lookup and a second hop: fewer
# cases there, since the same operations were fuzzed on the service itself.
THROUGH_GATEWAY_EXAMPLES = max(MAX_EXAMPLES // 2, 5)
# The services behind the gateway whose documents are fuzzed.
SERVICES = ("catalog", "servicetypes", "scheduling", "notifications", "fieldwork", "campaigns")
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
]
# Probes and scrapers: open by design (aftersales_kit.internal_auth.OPEN_PATHS).
OPEN_PATHS = frozenset({"/healthz", "/readyz", "/metrics"})
# Signing in needs no token; signing out would revoke the fuzzer's own token (it is
# fuzzed for its 401 only).
NOT_FUZZED = frozenset({"POST /auth/logout"})
PUBLIC = frozenset({"POST /auth/token", "POST /auth/session"})

Credentials = Callable[[], dict[str, str]]


@dataclass
class Tally:
    """What one fuzzed document came to."""

    name: str
    operations: int = 0
    requests: int = 0
    server_errors: int = 0
    failures: dict[str, str] = field(default_factory=dict)  # one example per kind

    def record(self, key: str, example: str, *, server_error: bool) -> None:
        self.server_errors += server_error
        self.failures.setdefault(key, example)

    def report(self) -> str:
        lines = [f"{key}\n    {example}" for key, example in sorted(self.failures.items())]
        return f"{self.name}: {len(self.failures)} kinds of failure\n" + "\n".join(lines)


def document(url: str) -> dict[str, Any]:
    raw: dict[str, Any] = httpx.get(f"{url}/openapi.json", timeout=30, trust_env=False).json()
    return raw


def _session() -> requests.Session:
    session = requests.Session()
    session.trust_env = False  # loopback only: no proxy from the environment
    return session


Operation = schemathesis.APIOperation[Any, Any, Any, Any]
Case = schemathesis.Case[Any]
# The same cases every run (CI stays stable), none remembered between runs, no shrinking.
SETTINGS = settings(
    derandomize=True, database=None, deadline=None, suppress_health_check=list(HealthCheck)
)


def _operations(raw: dict[str, Any], keep: Callable[[str, str], bool]) -> Iterator[Operation]:
    for result in schemathesis.openapi.from_dict(raw).get_all_operations():
        if isinstance(result, Err):
            raise result.err()  # a document schemathesis cannot read is a failure too
        operation = result.ok()
        if operation.path not in OPEN_PATHS and keep(operation.method.upper(), operation.path):
            yield operation


def _describe(case: Case, response: schemathesis.Response) -> str:
    body = response.content[:300].decode("utf-8", "replace")
    return f"{response.status_code} {body}\n    {case.as_curl_command()}"


def fuzz(
    name: str,
    raw: dict[str, Any],
    base_url: str,
    credentials: Credentials,
    *,
    max_examples: int = MAX_EXAMPLES,
    keep: Callable[[str, str], bool] = lambda method, path: True,
) -> Tally:
    """Every operation of ``raw`` that ``keep`` keeps, ``max_examples`` cases each, sent to
    ``base_url`` with fresh ``credentials()``; each failure recorded, none raised."""
    tally = Tally(name)
    session = _session()
    for operation in _operations(raw, lambda m, p: keep(m, p) and f"{m} {p}" not in NOT_FUZZED):
        tally.operations += 1
        _fuzz_operation(operation, tally, session, base_url, credentials, max_examples)
    return tally


def _fuzz_operation(
    operation: Operation,
    tally: Tally,
    session: requests.Session,
    base_url: str,
    credentials: Credentials,
    max_examples: int,
) -> None:
    cases = st.one_of(
        operation.as_strategy(schemathesis.GenerationMode.POSITIVE),
        operation.as_strategy(schemathesis.GenerationMode.NEGATIVE),
    )

    @settings(SETTINGS, max_examples=max_examples, phases=[Phase.explicit, Phase.generate])
    @given(case=cases)
    def run(case: Case) -> None:
        headers = credentials()
        response = case.call(base_url=base_url, session=session, headers=headers, timeout=30)
        tally.requests += 1
        try:
            case.validate_response(response, checks=CHECKS, headers=headers)
        except (Exception, BaseExceptionGroup) as error:
            # Every failure is kept, not only the first: one run lists them all.
            for failure in getattr(error, "exceptions", None) or [error]:
                title = getattr(failure, "title", type(failure).__name__)
                tally.record(
                    f"{operation.label}: {title} ({response.status_code})",
                    _describe(case, response),
                    server_error=response.status_code >= 500,
                )

    run()


def unauthenticated(
    name: str,
    raw: dict[str, Any],
    base_url: str,
    *,
    keep: Callable[[str, str], bool] = lambda method, path: True,
) -> Tally:
    """Every operation ``keep`` keeps, called with a valid case but no credentials: each
    must answer 401 (the check is ours: the services' documents declare no security
    scheme, the gateway's only where a token is read)."""
    tally = Tally(f"{name} without credentials")
    session = _session()
    for operation in _operations(raw, lambda m, p: keep(m, p) and f"{m} {p}" not in PUBLIC):
        tally.operations += 1
        _call_without_credentials(operation, tally, session, base_url)
    return tally


def _call_without_credentials(
    operation: Operation, tally: Tally, session: requests.Session, base_url: str
) -> None:
    @settings(SETTINGS, max_examples=1, phases=[Phase.generate])
    @given(case=operation.as_strategy(schemathesis.GenerationMode.POSITIVE))
    def run(case: Case) -> None:
        response = case.call(base_url=base_url, session=session, timeout=30)
        tally.requests += 1
        if response.status_code != 401:
            tally.record(
                f"{operation.label}: answered without credentials",
                _describe(case, response),
                server_error=response.status_code >= 500,
            )

    run()


def signed_admin() -> dict[str, str]:
    """The identity the gateway signs for an unrestricted admin, fresh (it lives 60 s)."""
    caller = Caller("fuzzer", frozenset({"admin"}), None)
    token = sign(caller, Keyring.of(stack_module.INTERNAL_SECRET), now=time.time())
    return {IDENTITY_HEADER: token}


def bearer(gateway_url: str, username: str = "dev", password: str = "dev") -> Credentials:
    response = httpx.post(
        f"{gateway_url}/auth/token",
        json={"username": username, "password": password},
        timeout=30,
        trust_env=False,
    )
    response.raise_for_status()
    headers = {"Authorization": f"Bearer {response.json()['access_token']}"}
    return lambda: dict(headers)


def public(service: str) -> Callable[[str, str], bool]:
    """A service's operations the gateway forwards (``/api/<resource>``)."""
    return lambda method, path: ROUTES.get(path.split("/")[1]) == service


def forget_failed_sign_ins(stack: Stack) -> None:
    """The fuzzer's failed sign-ins all come from 127.0.0.1; forgotten, so that the address
    is not locked out for the tests after this one (a run of its own has its own database)."""

    async def forget() -> None:
        name = stack.config.database_name("gateway")
        connection = await asyncpg.connect(
            database_url(stack.config.postgres_url, name, "postgresql")
        )
        try:
            await connection.execute("DELETE FROM signin_throttle")
        finally:
            await connection.close()

    asyncio.run(forget())


def _assert_clean(tally: Tally) -> None:
    print(
        f"{tally.name}: {tally.operations} operations, {tally.requests} requests,"
        f" {tally.server_errors} server errors"
    )
    assert tally.operations > 0, f"{tally.name}: no operation fuzzed"
    assert not tally.failures, tally.report()


@pytest.mark.parametrize("service", SERVICES)
def test_each_services_own_openapi(stack: Stack, service: str) -> None:
    url = stack.config.url(service)
    _assert_clean(fuzz(service, document(url), url, signed_admin))


def test_the_gateways_own_routes(stack: Stack, gateway_url: str) -> None:
    try:
        tally = fuzz("gateway", document(gateway_url), gateway_url, bearer(gateway_url))
    finally:
        forget_failed_sign_ins(stack)
    _assert_clean(tally)


@pytest.mark.parametrize("service", SERVICES)
def test_each_services_public_operations_through_the_gateway(
    stack: Stack, gateway_url: str, service: str
) -> None:
    raw = document(stack.config.url(service))
    tally = fuzz(
        f"{service} through the gateway",
        raw,
        f"{gateway_url}/api",
        bearer(gateway_url),
        max_examples=THROUGH_GATEWAY_EXAMPLES,
        keep=public(service),
    )
    _assert_clean(tally)


@pytest.mark.parametrize("service", SERVICES)
def test_auth_is_not_ignored(stack: Stack, gateway_url: str, service: str) -> None:
    url = stack.config.url(service)
    raw = document(url)
    _assert_clean(unauthenticated(service, raw, url))
    through = unauthenticated(
        f"{service} through the gateway", raw, f"{gateway_url}/api", keep=public(service)
    )
    _assert_clean(through)


def test_the_gateways_own_routes_need_a_token(gateway_url: str) -> None:
    _assert_clean(unauthenticated("gateway", document(gateway_url), gateway_url))
