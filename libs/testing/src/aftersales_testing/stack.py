"""The whole system as local processes: what ``make run`` starts and what ``tests-e2e`` drives.

One table (``SERVICES``) says which process runs which console script on which port with
which settings prefix; docker-compose.yml is checked against it by a test.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import secrets
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO
from urllib.parse import urlsplit

import httpx

from aftersales_kit import migrations
from aftersales_testing.infrastructure import HOW_TO_START, _admin, database_url


@dataclass(frozen=True)
class ServiceProcess:
    name: str  # the process name, e.g. "notifications-sender"
    command: str  # the console script
    env_prefix: str
    port: int
    port_setting: str = "HTTP_PORT"
    database: str | None = None  # the service whose database it uses
    migrations_package: str | None = None  # the package holding migrations/


SERVICES: tuple[ServiceProcess, ...] = (
    ServiceProcess(
        "catalog", "catalog", "CATALOG_", 8001, database="catalog", migrations_package="catalog"
    ),
    ServiceProcess(
        "servicetypes",
        "servicetypes",
        "SERVICETYPES_",
        8002,
        database="servicetypes",
        migrations_package="servicetypes",
    ),
    ServiceProcess(
        "scheduling",
        "scheduling",
        "SCHEDULING_",
        8003,
        database="scheduling",
        migrations_package="scheduling",
    ),
    ServiceProcess(
        "notifications",
        "notifications",
        "NOTIFICATIONS_",
        8004,
        database="notifications",
        migrations_package="notifications",
    ),
    ServiceProcess(
        "notifications-sender",
        "notifications-sender",
        "NOTIFICATIONS_",
        8005,
        port_setting="SENDER_HTTP_PORT",
        database="notifications",
    ),
    ServiceProcess(
        "notifications-sms-sender",
        "notifications-sms-sender",
        "NOTIFICATIONS_",
        8006,
        port_setting="SMS_SENDER_HTTP_PORT",
        database="notifications",
    ),
    ServiceProcess(
        "fieldwork",
        "fieldwork",
        "FIELDWORK_",
        8007,
        database="fieldwork",
        migrations_package="fieldwork",
    ),
    ServiceProcess(
        "campaigns",
        "campaigns",
        "CAMPAIGNS_",
        8008,
        database="campaigns",
        migrations_package="campaigns",
    ),
    ServiceProcess(
        "gateway", "gateway", "GATEWAY_", 8000, database="gateway", migrations_package="gateway"
    ),
)
GATEWAY_UPSTREAMS = {
    "CATALOG_URL": "catalog",
    "SERVICETYPES_URL": "servicetypes",
    "SCHEDULING_URL": "scheduling",
    "NOTIFICATIONS_URL": "notifications",
    "FIELDWORK_URL": "fieldwork",
    "CAMPAIGNS_URL": "campaigns",
}


@dataclass
class StackConfig:
    postgres_url: str = "postgresql://postgres@127.0.0.1:5432/postgres"
    amqp_url: str = "amqp://guest:guest@127.0.0.1:5672/"
    database_prefix: str = "aftersales_"
    broker_prefix: str = ""
    port_offset: int = 0
    smtp_port: int = 1025
    mail_dir: Path = Path("var/mail")
    # The fake SMS provider (``notifications-fake-sms``), on ``sms_port + port_offset``;
    # it writes each SMS as a JSON file next to the mail directory (``var/sms``).
    sms_port: int = 8070
    log_dir: Path | None = None  # None: the processes write to this terminal
    json_logs: bool = False
    extra_env: dict[str, str] = field(default_factory=dict)

    def port(self, service: ServiceProcess) -> int:
        return service.port + self.port_offset

    @property
    def sms_dir(self) -> Path:
        return self.mail_dir.parent / "sms"

    @property
    def sms_url(self) -> str:
        return f"http://127.0.0.1:{self.sms_port + self.port_offset}"

    def database_name(self, service: str) -> str:
        return f"{self.database_prefix}{service}"

    def url(self, name: str) -> str:
        service = next(s for s in SERVICES if s.name == name)
        return f"http://127.0.0.1:{self.port(service)}"


def answers(url: str, default_port: int) -> bool:
    parts = urlsplit(url)
    try:
        with socket.create_connection(
            (parts.hostname or "127.0.0.1", parts.port or default_port), 2
        ):
            return True
    except OSError:
        return False


# One secret for every process this Python process starts (make run, the e2e stack, the
# fault suite, a restart): the gateway signs with it and the services check it, so the
# local system runs the signed path a deployment runs. Random: nothing to leak or reuse.
INTERNAL_SECRET = secrets.token_urlsafe(32)


def environment(config: StackConfig, service: ServiceProcess) -> dict[str, str]:
    p = service.env_prefix
    env = {
        f"{p}{service.port_setting}": str(config.port(service)),
        f"{p}LOG_JSON": "true" if config.json_logs else "false",
        f"{p}INTERNAL_SECRET": INTERNAL_SECRET,
    }
    if service.database:
        env[f"{p}DATABASE_URL"] = database_url(
            config.postgres_url, config.database_name(service.database)
        )
    if service.name != "gateway":
        env[f"{p}AMQP_URL"] = config.amqp_url
        env[f"{p}BROKER_PREFIX"] = config.broker_prefix
    if service.env_prefix == "NOTIFICATIONS_":
        env["NOTIFICATIONS_SMTP_PORT"] = str(config.smtp_port)
        env["NOTIFICATIONS_SMS_PROVIDER_URL"] = config.sms_url
    if service.env_prefix == "FIELDWORK_":
        # Protocol photos beside the mail and SMS the run produced (var/ for make run, the
        # run's own directory in tests), never in the working tree's shared var/attachments.
        env["FIELDWORK_ATTACHMENTS_DIR"] = str(config.mail_dir.parent / "attachments")
    if service.name == "gateway":
        for setting, upstream in GATEWAY_UPSTREAMS.items():
            env[f"GATEWAY_{setting}"] = config.url(upstream)
    return env | config.extra_env


def prepare_databases(config: StackConfig) -> None:
    """Create every service database that is missing, and migrate it to the head."""
    import importlib

    for service in SERVICES:
        if service.migrations_package is None or service.database is None:
            continue
        name = config.database_name(service.database)
        with contextlib.suppress(Exception):  # exists already
            asyncio.run(_admin(config.postgres_url, f'CREATE DATABASE "{name}"'))
        package = importlib.import_module(service.migrations_package)
        script_location = Path(package.__file__ or "").parent / "migrations"
        migrations.upgrade(database_url(config.postgres_url, name), script_location)


def drop_databases(config: StackConfig) -> None:
    for name in {s.database for s in SERVICES if s.database}:
        asyncio.run(
            _admin(
                config.postgres_url,
                f'DROP DATABASE IF EXISTS "{config.database_name(name)}" WITH (FORCE)',
            )
        )


def _bin(command: str) -> str:
    candidate = Path(sys.executable).parent / command
    return str(candidate) if candidate.exists() else command


class Stack:
    """Starts the SMTP sink, the fake SMS provider and every service process; stops them
    all on exit."""

    def __init__(self, config: StackConfig) -> None:
        self.config = config
        self.processes: dict[str, subprocess.Popen[bytes]] = {}

    def _spawn(self, name: str, argv: list[str], env: dict[str, str]) -> None:
        # Without a log directory the processes share this terminal (``make run``).
        output: IO[bytes] | None = None
        if self.config.log_dir is not None:
            self.config.log_dir.mkdir(parents=True, exist_ok=True)
            output = (self.config.log_dir / f"{name}.log").open("ab")
        self.processes[name] = subprocess.Popen(
            argv,
            env=os.environ | env,
            stdout=output,
            stderr=subprocess.STDOUT if output is not None else None,
            start_new_session=True,  # Ctrl-C reaches the stack, which stops them in order
        )

    def start(self) -> None:
        self.config.mail_dir.mkdir(parents=True, exist_ok=True)
        self._spawn(
            "smtp-sink",
            [
                sys.executable,
                "-m",
                "aftersales_testing.smtp_sink",
                "--host",
                "127.0.0.1",
                "--port",
                str(self.config.smtp_port),
                "--dir",
                str(self.config.mail_dir),
            ],
            {},
        )
        self._spawn(
            "fake-sms",
            [
                _bin("notifications-fake-sms"),
                "--host",
                "127.0.0.1",
                "--port",
                str(self.config.sms_port + self.config.port_offset),
                "--dir",
                str(self.config.sms_dir),
            ],
            {},
        )
        for service in SERVICES:
            self._spawn(service.name, [_bin(service.command)], environment(self.config, service))

    def restart(self, name: str) -> None:
        """Start a service process again once it has ended (killed, crashed, stopped), as a
        supervisor would; the fault suite uses it after each SIGKILL."""
        service = next(s for s in SERVICES if s.name == name)
        process = self.processes.get(name)
        if process is not None and process.poll() is None:
            raise RuntimeError(f"{name} is still running (pid {process.pid})")
        self._spawn(service.name, [_bin(service.command)], environment(self.config, service))

    def wait_ready(self, timeout: float = 60.0) -> None:
        deadline = time.monotonic() + timeout
        pending = {s.name: f"http://127.0.0.1:{self.config.port(s)}/readyz" for s in SERVICES}
        while pending:
            for name, process in self.processes.items():
                if process.poll() is not None:
                    raise RuntimeError(f"{name} exited with code {process.returncode}")
            for name, url in list(pending.items()):
                with contextlib.suppress(httpx.HTTPError):
                    if httpx.get(url, timeout=1.0).status_code == 200:
                        del pending[name]
            if time.monotonic() > deadline:
                raise TimeoutError(f"not ready after {timeout}s: {', '.join(pending)}")
            time.sleep(0.2)

    def stop(self, timeout: float = 15.0) -> None:
        for process in self.processes.values():
            if process.poll() is None:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(process.pid, signal.SIGTERM)
        deadline = time.monotonic() + timeout
        for process in self.processes.values():
            try:
                process.wait(max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(process.pid, signal.SIGKILL)
                process.wait()
        self.processes.clear()

    @contextlib.contextmanager
    def running(self, timeout: float = 60.0) -> Iterator[Stack]:
        try:
            self.start()
            self.wait_ready(timeout)
            yield self
        finally:
            self.stop()


def check_infrastructure(config: StackConfig) -> str | None:
    """None when PostgreSQL and RabbitMQ answer, else what to do about it."""
    missing = [
        name
        for name, url, port in (
            ("PostgreSQL", config.postgres_url, 5432),
            ("RabbitMQ", config.amqp_url, 5672),
        )
        if not answers(url, port)
    ]
    if not missing:
        return None
    return f"{' and '.join(missing)} not answering.\n{HOW_TO_START}"
