"""Notifications: renders and sends messages for any requester, and keeps the sent log."""
