"""Aftersales campaigns: service campaigns and the cases they open, one per serial number."""
