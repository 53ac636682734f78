"""Campaigns: cases."""
