"""Servicetypes' process: ``servicetypes`` (or ``python -m servicetypes.main``) serves HTTP."""

from __future__ import annotations

from fastapi import FastAPI

from aftersales_kit.http import create_app, serve
from aftersales_kit.logging import configure_logging
from aftersales_kit.runtime import ServiceRuntime
from servicetypes.api import routers
from servicetypes.settings import Settings


def build_app(settings: Settings | None = None) -> FastAPI:
    settings = settings or Settings()
    # Servicetypes consumes nothing; it only publishes through its outbox.
    runtime = ServiceRuntime(settings)
    return create_app(runtime, title="Aftersales servicetypes", routers=routers)


def main() -> None:
    settings = Settings()
    configure_logging(settings.service_name, settings.log_level, settings.log_json)
    serve(build_app(settings), settings.http_host, settings.http_port)


if __name__ == "__main__":
    main()
