"""Templates, a send request's attachments and reports (PDF)."""
