"""Campaigns: service_orders."""
