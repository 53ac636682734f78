"""Aftersales notifications service."""
