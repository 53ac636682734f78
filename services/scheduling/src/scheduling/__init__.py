"""Aftersales scheduling service."""
