"""Aftersales gateway service."""
