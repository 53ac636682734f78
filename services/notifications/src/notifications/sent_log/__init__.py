"""The sent log: what was sent about one business object, newest first."""
