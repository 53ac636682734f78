"""Field work: orders."""
