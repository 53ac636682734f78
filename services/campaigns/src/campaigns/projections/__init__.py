"""Campaigns: projections of catalog's org units, customers, products and serial items."""
