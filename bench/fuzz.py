"""The long fuzz run: schemathesis over every OpenAPI, as tests-e2e/test_fuzz.py does in
``make test`` but with more cases per operation, and a count per service instead of a
pass or fail.

Starts the whole system as processes (``aftersales_testing.stack``, as ``make run`` does,
on its own databases, queue names and ports), signs in the seeded admin, and fuzzes each
service's own document against the service (with the identity the gateway signs), the
gateway's own routes, and each service's public operations through the gateway; then
calls every protected operation without credentials (each must answer 401). Prints, per
document: operations fuzzed, requests made, server errors, other failures (an
undocumented status, content type or body), and one example of each failure with a curl
command. Exits 1 when anything failed.

Usage: uv run python bench/fuzz.py [EXAMPLES]   (cases per operation, default 50)
"""

from __future__ import annotations

import asyncio
import importlib.util
import os
import platform
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from types import ModuleType

from aftersales_testing import infrastructure
from aftersales_testing.smtp_sink import free_port
from aftersales_testing.stack import (
    SERVICES,
    Stack,
    StackConfig,
    drop_databases,
    environment,
    prepare_databases,
)

POSTGRES = os.environ.get(
    "AFTERSALES_TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/postgres"
)
AMQP = os.environ.get("AFTERSALES_TEST_AMQP_URL", "amqp://guest:guest@127.0.0.1:5672/")
TEST_FUZZ = Path(__file__).parent.parent / "tests-e2e" / "test_fuzz.py"


def load_fuzzer() -> ModuleType:
    """tests-e2e/test_fuzz.py, whose fuzzing this runs longer (one fuzzer, not two)."""
    spec = importlib.util.spec_from_file_location("aftersales_test_fuzz", TEST_FUZZ)
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


def main() -> int:
    examples = int(sys.argv[1]) if len(sys.argv) > 1 else 50
    fz = load_fuzzer()
    run_id = infrastructure.new_run_id()
    base = Path(tempfile.mkdtemp(prefix="aftersales-fuzz-"))
    config = StackConfig(
        postgres_url=POSTGRES,
        amqp_url=AMQP,
        database_prefix=f"bench_fuzz_{run_id}_",
        broker_prefix=f"bench-fuzz-{run_id}.",
        port_offset=20000,
        smtp_port=free_port(),
        mail_dir=base / "mail",
        log_dir=base / "logs",
    )
    prepare_databases(config)
    gateway = next(s for s in SERVICES if s.name == "gateway")
    subprocess.run(
        ["gateway", "seed-dev-user"],
        env=os.environ | environment(config, gateway),
        check=True,
        capture_output=True,
    )
    print(
        f"fuzzing with {examples} cases per operation ({platform.machine()},"
        f" {os.cpu_count()} cores, Python {platform.python_version()}); logs in {base}/logs"
    )
    tallies = []
    started = time.monotonic()
    try:
        with Stack(config).running(timeout=120) as stack:
            gateway_url = config.url("gateway")
            for service in fz.SERVICES:
                url = config.url(service)
                tallies.append(
                    fz.fuzz(service, fz.document(url), url, fz.signed_admin, max_examples=examples)
                )
            tallies.append(
                fz.fuzz(
                    "gateway",
                    fz.document(gateway_url),
                    gateway_url,
                    fz.bearer(gateway_url),
                    max_examples=examples,
                )
            )
            # Its failed sign-ins (all from 127.0.0.1) would lock the address out.
            fz.forget_failed_sign_ins(stack)
            tallies.extend(
                fz.fuzz(
                    f"{service} via gateway",
                    fz.document(config.url(service)),
                    f"{gateway_url}/api",
                    fz.bearer(gateway_url),
                    max_examples=examples,
                    keep=fz.public(service),
                )
                for service in fz.SERVICES
            )
            for service in fz.SERVICES:
                raw = fz.document(config.url(service))
                tallies.append(fz.unauthenticated(service, raw, config.url(service)))
                tallies.append(
                    fz.unauthenticated(
                        f"{service} via gateway",
                        raw,
                        f"{gateway_url}/api",
                        keep=fz.public(service),
                    )
                )
            tallies.append(fz.unauthenticated("gateway", fz.document(gateway_url), gateway_url))
    finally:
        drop_databases(config)
        asyncio.run(infrastructure.delete_topology(AMQP, config.broker_prefix))
    elapsed = time.monotonic() - started

    print(f"\n{'document':<48} {'operations':>10} {'requests':>9} {'5xx':>5} {'failures':>8}")
    for tally in tallies:
        print(
            f"{tally.name:<48} {tally.operations:>10} {tally.requests:>9}"
            f" {tally.server_errors:>5} {len(tally.failures):>8}"
        )
    fuzzed = [t for t in tallies if not t.name.endswith("without credentials")]
    print(
        f"{'total (fuzzed)':<48} {sum(t.operations for t in fuzzed):>10}"
        f" {sum(t.requests for t in fuzzed):>9} {sum(t.server_errors for t in tallies):>5}"
        f" {sum(len(t.failures) for t in tallies):>8}"
    )
    print(f"in {elapsed:.0f} s")
    failed = [t for t in tallies if t.failures]
    for tally in failed:
        print("\n" + tally.report())
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
