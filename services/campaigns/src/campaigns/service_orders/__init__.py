"""Campaigns: field work's completed orders close the campaign cases ticked done at them."""
