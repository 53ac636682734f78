"""The service kit: what every Aftersales service is built from."""
