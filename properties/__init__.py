"""What must hold: one function per property, registered by its decorator.

Add a property by adding one decorated function to one of these modules.
"""

from properties import at_rest, liveness, safety, witnesses  # noqa: F401  (registers)
from properties.registry import KINDS, REGISTRY, Property

__all__ = ["KINDS", "REGISTRY", "Property", "all_properties"]


def all_properties() -> tuple[Property, ...]:
    """Every registered property, in declaration order."""
    return tuple(REGISTRY.values())
