"""Field work: planning."""
