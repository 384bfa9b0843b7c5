"""What must hold: one function per property, registered by its decorator.

Add a property by adding one decorated function to one of these modules.
"""

# Import order is report order: always, at_rest, deadlock, sometimes.
from detachcheck.properties import safety, at_rest, liveness, witnesses  # noqa: F401, I001  (registers)
from detachcheck.properties.registry import KINDS, REGISTRY, Property

__all__ = ["KINDS", "REGISTRY", "Property", "all_properties"]


def all_properties() -> tuple[Property, ...]:
    """Every registered property, in declaration order."""
    return tuple(REGISTRY.values())
