"""Catalog's HTTP routes, a router per resource: each parses, calls a use case, answers.

Versioned resources answer with ``ETag: "<version>"``; a change names the version it was
based on in ``If-Match`` (``aftersales_kit.versioning``: 428 without it where required,
400 when malformed, 412 when stale), so two editors never overwrite each other. Lists
are keyset pages (``aftersales_kit.pagination``: ``{items, next_cursor}``).
"""

from __future__ import annotations

from catalog.api import customers, import_jobs, org_units, products, serial_items

routers = [
    products.router,
    customers.router,
    org_units.router,
    serial_items.router,
    import_jobs.router,
]
