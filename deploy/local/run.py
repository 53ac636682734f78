"""``make run``: the whole Aftersales system on this machine, until Ctrl-C."""

from __future__ import annotations

import dataclasses
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

from aftersales_testing.stack import (
    SERVICES,
    Stack,
    StackConfig,
    check_infrastructure,
    environment,
    prepare_databases,
)

ROOT = Path(__file__).resolve().parents[2]


def _docker_engine() -> bool:
    if shutil.which("docker") is None:
        return False
    return subprocess.run(["docker", "info"], capture_output=True, check=False).returncode == 0


def compose_env() -> dict[str, str]:
    """The passwords docker compose starts PostgreSQL and RabbitMQ with (``.env``)."""
    path = ROOT / ".env"
    if not path.exists():
        sys.exit("docker compose needs passwords: cp .env.example .env and fill it in.")
    values: dict[str, str] = {}
    for line in path.read_text().splitlines():
        name, sep, value = line.partition("=")
        if sep and not name.lstrip().startswith("#"):
            values[name.strip()] = value.strip().strip("'\"")
    return values


def ensure_infrastructure(config: StackConfig) -> StackConfig:
    """The config to run on: as given when PostgreSQL and RabbitMQ answer, else on the
    ones docker compose starts, with the passwords from ``.env``."""
    problem = check_infrastructure(config)
    if problem is None:
        return config
    if _docker_engine():
        env = compose_env()
        config = dataclasses.replace(
            config,
            postgres_url=f"postgresql://postgres:{env['POSTGRES_PASSWORD']}@127.0.0.1:5432/postgres",
            amqp_url=f"amqp://{env['RABBITMQ_USER']}:{env['RABBITMQ_PASSWORD']}@127.0.0.1:5672/",
        )
        print("Starting PostgreSQL and RabbitMQ with docker compose ...")
        subprocess.run(
            ["docker", "compose", "up", "-d", "postgres", "rabbitmq"], cwd=ROOT, check=True
        )
        deadline = time.monotonic() + 90
        while check_infrastructure(config) is not None:
            if time.monotonic() > deadline:
                sys.exit("PostgreSQL or RabbitMQ did not come up within 90 s.")
            time.sleep(1)
        return config
    sys.exit(problem)


def main() -> None:
    config = StackConfig(
        postgres_url=os.environ.get("AFTERSALES_POSTGRES_URL", StackConfig.postgres_url),
        amqp_url=os.environ.get("AFTERSALES_AMQP_URL", StackConfig.amqp_url),
        mail_dir=ROOT / "var" / "mail",
    )
    config = ensure_infrastructure(config)
    print("Creating and migrating databases ...")
    prepare_databases(config)
    gateway = next(s for s in SERVICES if s.name == "gateway")
    subprocess.run(
        ["gateway", "seed-dev-user"], env=os.environ | environment(config, gateway), check=True
    )
    stack = Stack(config)
    stopping = False

    def _stop(signum: int, frame: object) -> None:
        nonlocal stopping
        stopping = True

    signal.signal(signal.SIGINT, _stop)
    signal.signal(signal.SIGTERM, _stop)
    try:
        stack.start()
        stack.wait_ready(90)
        gateway_url = config.url("gateway")
        print(
            "\nAftersales is up.\n"
            f"  Console:               {gateway_url}/   (sign in as dev / dev)\n"
            f"  Public API (gateway):  {gateway_url}/api   (document: /api/openapi.json)\n"
            f"  Internal services:     "
            + ", ".join(f"{s.name} :{config.port(s)}" for s in SERVICES if s.name != "gateway")
            + "\n"
            f"  Customers' mail:       {config.mail_dir}/*.eml (SMTP sink :{config.smtp_port})\n"
            f"  Customers' SMS:        {config.sms_dir}/*.json (fake provider {config.sms_url})\n"
            "  Try it:                make demo   (in another terminal)\n"
            "  Stop:                  Ctrl-C\n",
            flush=True,
        )
        while not stopping:
            for name, process in stack.processes.items():
                if process.poll() is not None:
                    print(f"{name} exited with code {process.returncode}; stopping.", flush=True)
                    stopping = True
            time.sleep(0.5)
    finally:
        print("Stopping ...", flush=True)
        stack.stop()


if __name__ == "__main__":
    main()
