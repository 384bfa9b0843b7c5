"""Deadlock freedom: every state with a request in flight has a next step."""

from fsm.view import View
from properties.registry import deadlock


@deadlock("every state with a request in flight has a next step")
def no_deadlock(s: View) -> bool:
    return s.in_flight
