"""Field work: service protocols, their lines and attachments."""
