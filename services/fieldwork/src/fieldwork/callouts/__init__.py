"""Field work: callouts."""
