"""Exploring the compiled model: frontier search, the tuple reference, the goal-directed search."""
