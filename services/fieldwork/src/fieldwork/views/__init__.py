"""Field work: views."""
