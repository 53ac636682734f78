"""Personal notification preferences: the events a user hears of, and by which channel."""
