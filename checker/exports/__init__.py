"""The compiled model written for other model checkers (SPIN's Promela, TLA+)."""
