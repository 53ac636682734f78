"""No Docker engine runs where the tests run, so the compose file is checked against the
code instead: each service's command, port and environment must be what the code reads."""

from __future__ import annotations

import importlib
import re
import tomllib
from pathlib import Path
from typing import Any

import pytest
import yaml

from aftersales_testing.stack import SERVICES, ServiceProcess

ROOT = Path(__file__).resolve().parents[2]
COMPOSE: dict[str, Any] = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
DATABASES = set(
    re.findall(r"CREATE DATABASE (\w+);", (ROOT / "deploy/postgres/init.sql").read_text())
)
PACKAGE_OF = {
    "notifications-sender": "notifications",
    "notifications-sms-sender": "notifications",
}


def _package(process: ServiceProcess) -> str:
    return PACKAGE_OF.get(process.name, process.name)


def _scripts(package: str) -> dict[str, str]:
    pyproject = tomllib.loads((ROOT / "services" / package / "pyproject.toml").read_text())
    scripts: dict[str, str] = pyproject["project"]["scripts"]
    return scripts


@pytest.mark.parametrize("process", SERVICES, ids=lambda p: p.name)
def test_service_command_port_and_environment_match_the_code(
    process: ServiceProcess, monkeypatch: pytest.MonkeyPatch
) -> None:
    service = COMPOSE["services"][process.name]
    assert service["command"] == [process.command]
    assert process.command in _scripts(_package(process))

    env: dict[str, str] = service["environment"]
    assert env[f"{process.env_prefix}{process.port_setting}"] == str(process.port)
    assert str(process.port) in service.get("expose", []) + [
        p.split(":")[-1] for p in service.get("ports", [])
    ]

    settings_cls = importlib.import_module(f"{_package(process)}.settings").Settings
    fields = set(settings_cls.model_fields)
    for name, value in env.items():
        if name == "OTEL_EXPORTER_OTLP_ENDPOINT":
            continue
        assert name.startswith(process.env_prefix), f"{name} is not read by {process.name}"
        assert name.removeprefix(process.env_prefix).lower() in fields, f"{name}: no such setting"
        monkeypatch.setenv(name, str(value))
    settings = settings_cls()  # the compose environment is valid for the code
    if "DATABASE_URL" in {n.removeprefix(process.env_prefix) for n in env}:
        assert settings.database_url.rsplit("/", 1)[-1] in DATABASES


@pytest.mark.parametrize(
    "process", [p for p in SERVICES if p.migrations_package], ids=lambda p: p.name
)
def test_every_database_is_migrated_before_its_service_starts(process: ServiceProcess) -> None:
    migrate = COMPOSE["services"][f"{process.name}-migrate"]
    command = " ".join(migrate["command"])
    assert f"aftersales-migrate {process.name}" in command
    depends = COMPOSE["services"][process.name]["depends_on"]
    assert depends[f"{process.name}-migrate"]["condition"] == "service_completed_successfully"


def test_only_the_gateway_publishes_an_application_port() -> None:
    published = {name for name, s in COMPOSE["services"].items() if s.get("ports") and "build" in s}
    assert published == {"gateway"}


@pytest.mark.parametrize("sender", ["notifications-sender", "notifications-sms-sender"])
def test_the_senders_run_several_replicas(sender: str) -> None:
    assert COMPOSE["services"][sender]["deploy"]["replicas"] >= 2
