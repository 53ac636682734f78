"""The gateway's user accounts, as the gateway pushes them: where users are told of field
work's events, and which orders they may hear of."""
