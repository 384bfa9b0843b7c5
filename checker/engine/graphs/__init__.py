"""Analyses of the explored graph: liveness lassos, recoverability closures, unfolding."""
