"""Org units' own sending settings (SMTP server, from address, logo, footer)."""
