"""Servicetypes: service types, their scheduled steps, message templates and service links."""
