"""Campaigns: projections."""
