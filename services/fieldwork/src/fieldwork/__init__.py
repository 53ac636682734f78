"""Aftersales field work: technicians, vehicles, service cases and orders, bookings."""
