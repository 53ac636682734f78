"""Service cases (seed 002): the case, its trips, its status, review and closure."""
