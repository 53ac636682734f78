"""``aftersales-migrate <service>``: apply a service's migrations to its configured database.

By convention a service package ``<service>`` has ``<service>.settings.Settings`` and its
Alembic history in ``<service>/migrations``; containers run this before the service.
"""

from __future__ import annotations

import argparse
import importlib
from pathlib import Path

from aftersales_kit import migrations


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("service", help="the service package, e.g. catalog")
    parser.add_argument("--revision", default="head")
    args = parser.parse_args(argv)
    package = importlib.import_module(args.service)
    settings = importlib.import_module(f"{args.service}.settings").Settings()
    script_location = Path(package.__file__ or "").parent / "migrations"
    migrations.upgrade(settings.database_url, script_location, args.revision)
    print(f"{args.service}: migrated to {args.revision}")


if __name__ == "__main__":
    main()
