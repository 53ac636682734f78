"""Field work: resources."""
