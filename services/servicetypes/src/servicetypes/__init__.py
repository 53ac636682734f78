"""Aftersales servicetypes service."""
