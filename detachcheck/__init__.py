"""detachcheck: a formal, executable model of the OpenStack Nova/Cinder volume-detach protocol,
with a model checker.

The model lives in `detachcheck.fsm`, the properties in `detachcheck.properties`, the engine in
`detachcheck.checker`; `detachcheck.cli` is the command line.
"""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("detachcheck")
except PackageNotFoundError:  # running from a checkout that is not installed
    __version__ = "0+unknown"
