"""No Docker engine runs where the tests run, so the compose file is checked against the
code instead: each service's command, port and environment must be what the code reads;
against the compose specification's schema (and ``docker compose config`` where the
client has the plugin); and for its passwords, which come from ``.env``."""

from __future__ import annotations

import importlib
import json
import re
import secrets
import shutil
import subprocess
import tomllib
from importlib.resources import files
from pathlib import Path
from typing import Any

import jsonschema  # type: ignore[import-untyped]
import pytest
import yaml

from aftersales_testing.stack import SERVICES, ServiceProcess

ROOT = Path(__file__).resolve().parents[2]
COMPOSE_FILE = ROOT / "docker-compose.yml"
ENV_EXAMPLE = ROOT / ".env.example"
# ${NAME}, ${NAME:?message}, ${NAME?message}, ${NAME:-default}, ${NAME-default}; $$ is a $.
VARIABLE = re.compile(r"\$\{(?P<name>\w+)(?:(?P<op>:?[?-])(?P<arg>[^}]*))?\}")


def example_variables() -> dict[str, str]:
    pairs = [
        line.split("=", 1)
        for line in ENV_EXAMPLE.read_text().splitlines()
        if line.strip() and not line.startswith("#")
    ]
    return {name.strip(): value.strip() for name, value in pairs}


def interpolate(text: str, env: dict[str, str]) -> str:
    """Compose's interpolation, for the forms above; a required variable left unset or
    empty fails, as ``docker compose`` does."""

    def substitute(match: re.Match[str]) -> str:
        name, op, arg = match["name"], match["op"], match["arg"]
        value = env.get(name)
        if op in (":?", "?") and (value is None or (op == ":?" and value == "")):
            raise KeyError(f"required variable {name} is missing a value: {arg}")
        if op == ":-" and not value:
            return str(arg)
        if op == "-" and value is None:
            return str(arg)
        return value or ""

    return VARIABLE.sub(substitute, text.replace("$$", "\0")).replace("\0", "$")


# Letters and digits, as .env.example asks: they go into URLs unescaped.
GENERATED_ENV = {name: secrets.token_hex(16) for name in example_variables()}
COMPOSE: dict[str, Any] = yaml.safe_load(interpolate(COMPOSE_FILE.read_text(), GENERATED_ENV))
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


# --- passwords ---------------------------------------------------------------------------


def test_every_variable_compose_reads_is_documented_and_required() -> None:
    text = COMPOSE_FILE.read_text()
    used = {m["name"] for m in VARIABLE.finditer(text)}
    documented = example_variables()
    assert used == set(documented), "every ${VAR} in docker-compose.yml is in .env.example"
    required = {m["name"] for m in VARIABLE.finditer(text) if m["op"] == ":?"}
    assert required == used, "each variable refuses to be empty at least once (${VAR:?...})"
    # No password is shipped: the example's values are empty, so compose refuses it as is.
    assert all(value == "" for value in documented.values()), documented
    with pytest.raises(KeyError, match="POSTGRES_PASSWORD"):
        interpolate(text, documented)


def test_no_default_credentials_and_no_infrastructure_open_to_the_network() -> None:
    text = COMPOSE_FILE.read_text()
    assert "guest" not in text
    assert "POSTGRES_HOST_AUTH_METHOD" not in text
    for name, service in COMPOSE["services"].items():
        for port in service.get("ports", []):
            if name != "gateway":
                assert port.startswith("127.0.0.1:"), f"{name} publishes {port} beyond this machine"
    passwords = {GENERATED_ENV["POSTGRES_PASSWORD"], GENERATED_ENV["RABBITMQ_PASSWORD"]}
    for name, service in COMPOSE["services"].items():
        for variable, value in service.get("environment", {}).items():
            if variable.endswith(("DATABASE_URL", "AMQP_URL")):
                assert any(p in str(value) for p in passwords), f"{name}: {variable}"


def test_the_compose_file_follows_the_compose_specification() -> None:
    schema_file = files("check_jsonschema") / "builtin_schemas/vendor/compose-spec.json"
    schema = json.loads(schema_file.read_text())
    validator = jsonschema.validators.validator_for(schema)(schema)
    errors = [f"{list(e.absolute_path)}: {e.message}" for e in validator.iter_errors(COMPOSE)]
    assert not errors
    broken = {"services": {"gateway": {"image": "x", "depends_on": {"a": {"condition": "soon"}}}}}
    assert list(validator.iter_errors(broken)), "the schema check must be able to fail"


def _compose_client() -> list[str] | None:
    docker = shutil.which("docker")
    if (
        docker
        and subprocess.run([docker, "compose", "version"], capture_output=True).returncode == 0
    ):
        return [docker, "compose"]
    legacy = shutil.which("docker-compose")
    return [legacy] if legacy else None


def test_docker_compose_accepts_the_file_with_an_env_file(tmp_path: Path) -> None:
    client = _compose_client()
    if client is None:
        pytest.skip("no docker compose client here (the schema test above still ran)")
    env_file = tmp_path / "compose.env"
    env_file.write_text("".join(f"{k}={v}\n" for k, v in GENERATED_ENV.items()))
    base = [*client, "--project-directory", str(ROOT), "-f", str(COMPOSE_FILE)]
    ok = subprocess.run(
        [*base, "--env-file", str(env_file), "config", "-q"], capture_output=True, text=True
    )
    assert ok.returncode == 0, ok.stderr
    empty = tmp_path / "empty.env"
    empty.write_text("")
    refused = subprocess.run(
        [*base, "--env-file", str(empty), "config", "-q"], capture_output=True, text=True
    )
    assert refused.returncode != 0


@pytest.mark.parametrize("process", SERVICES, ids=lambda p: p.name)
def test_every_process_gets_the_one_internal_secret(process: ServiceProcess) -> None:
    # The gateway signs with it, the services and senders check it: one value for all, so
    # a service never refuses the gateway's identity, and never runs without a secret.
    env = COMPOSE["services"][process.name]["environment"]
    secret = GENERATED_ENV["AFTERSALES_INTERNAL_SECRET"]
    assert env[f"{process.env_prefix}INTERNAL_SECRET"] == secret
