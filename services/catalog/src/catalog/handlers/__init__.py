"""Catalog's use cases, a module per resource: each runs in a unit of work and records
its event in the outbox (``rows`` holds what they share)."""
