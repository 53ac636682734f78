"""Users told of field work's events: an order assigned to them, booked, created or
changed, by the channels of their personal notification preferences."""
