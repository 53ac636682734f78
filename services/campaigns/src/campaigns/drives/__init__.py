"""Campaigns: drives."""
