"""Sending: send requests become messages (rendered, a channel decided or blocked,
queued for a sender), and the customer projection the send path waits for."""
