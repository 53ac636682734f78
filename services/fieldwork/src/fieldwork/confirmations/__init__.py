"""Field work: confirmations."""
