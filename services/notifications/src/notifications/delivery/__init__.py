"""Delivery: the e-mail and SMS senders, their SMTP and SMS provider adapters, and
their pacing (rate limits, retry backoff)."""
