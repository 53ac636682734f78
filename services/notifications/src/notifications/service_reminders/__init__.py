"""Personal "service reminder" notifications: scheduling's daily digest of an org unit's
callouts, told to the users who chose it and may see that org unit."""
