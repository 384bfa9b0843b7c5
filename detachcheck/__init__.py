"""detachcheck: a formal, executable model of the OpenStack Nova/Cinder volume-detach protocol,
with a model checker.

`from detachcheck import check, compare, replay` is the Python API (`detachcheck.api`, loaded on
first use). The model lives in `detachcheck.fsm`, the properties in `detachcheck.properties`, the
engine in `detachcheck.checker`; `detachcheck.cli` is the command line, `detachcheck.pytest_plugin`
the pytest plugin.
"""

from __future__ import annotations

from importlib.metadata import PackageNotFoundError, version
from typing import Any

__all__ = ["__version__", "check", "compare", "replay"]

try:
    __version__ = version("detachcheck")
except PackageNotFoundError:  # running from a checkout that is not installed
    __version__ = "0+unknown"


def __getattr__(name: str) -> Any:
    """`check`, `compare` and `replay` from `detachcheck.api`, imported only when first used."""
    if name in ("check", "compare", "replay"):
        from detachcheck import api
        return getattr(api, name)
    raise AttributeError(f"module 'detachcheck' has no attribute {name!r}")
