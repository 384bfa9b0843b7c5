"""The pytest plugin (entry point `pytest11`).

- `pytest --detachcheck [--detachcheck-release all|NAME ...] [--detachcheck-property ID ...]`
  collects one test per release and property, e.g. `available_implies_not_in_guest[pike]`: a
  violated property (or a witness never reached) fails with its counterexample, an `unknown` one
  is skipped with the reason.
- The `detachcheck` fixture checks releases and fix proposals (`Release.with_switches`) in a test.

Without `--detachcheck` and without the fixture the plugin adds two options and does nothing else:
the model is not even imported.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import pytest

if TYPE_CHECKING:
    from detachcheck.api import Check, Comparison
    from detachcheck.fsm.releases import Release

_CACHE = pytest.StashKey[dict[Any, Any]]()


def pytest_addoption(parser: pytest.Parser) -> None:
    """--detachcheck and its selection options."""
    group = parser.getgroup("detachcheck", "model-check the Nova/Cinder volume-detach protocol")
    group.addoption("--detachcheck", action="store_true", default=False,
                    help="collect one test per release and property (they fail with the counterexample)")
    group.addoption("--detachcheck-release", action="extend", nargs="+", default=None, metavar="NAME",
                    help="releases or variants to check, or 'all' (default: pike)")
    group.addoption("--detachcheck-property", action="extend", nargs="+", default=None, metavar="ID",
                    help="properties to check (default: all)")
    group.addoption("--detachcheck-volumes", type=int, default=1, metavar="N",
                    help="data volumes besides the root volume (default: 1)")
    group.addoption("--detachcheck-requests", type=int, default=2, metavar="M",
                    help="detach requests that may race (default: 2)")
    group.addoption("--detachcheck-detach-only", action="store_true", default=False,
                    help="no instance operations interleave (smaller, faster)")
    group.addoption("--detachcheck-max-states", type=int, default=None, metavar="N",
                    help="stop each search after N states (unsettled properties are skipped)")


def _selection(config: pytest.Config) -> tuple[list[str], list[str]]:
    """The releases and property ids asked for; UsageError (one line) for an unknown one."""
    from detachcheck.fsm.releases import RELEASES
    from detachcheck.fsm.variants import VARIANTS
    from detachcheck.properties import all_properties

    names = config.getoption("detachcheck_release") or ["pike"]
    releases = list(RELEASES) if "all" in names else list(dict.fromkeys(names))
    for name in releases:
        if name not in RELEASES and name not in VARIANTS:
            raise pytest.UsageError(f"--detachcheck-release: unknown release {name!r} "
                                    f"(choose from all, {', '.join([*RELEASES, *VARIANTS])})")
    known = [p.id for p in all_properties()]
    ids = list(dict.fromkeys(config.getoption("detachcheck_property") or known))
    for pid in ids:
        if pid not in known:
            raise pytest.UsageError(f"--detachcheck-property: unknown property {pid!r} (see `detachcheck properties`)")
    return releases, ids


def _scenario(config: pytest.Config) -> dict[str, Any]:
    return {"volumes": config.getoption("detachcheck_volumes"), "requests": config.getoption("detachcheck_requests"),
            "detach_only": config.getoption("detachcheck_detach_only"),
            "max_states": config.getoption("detachcheck_max_states")}


@pytest.hookimpl(tryfirst=True)  # before -k and -m deselect
def pytest_collection_modifyitems(session: pytest.Session, config: pytest.Config, items: list[pytest.Item]) -> None:
    """Under --detachcheck, add one item per release and property."""
    if not config.getoption("detachcheck"):
        return
    releases, ids = _selection(config)
    config.stash[_CACHE] = {}
    model = Model.from_parent(session, name="detachcheck", nodeid="detachcheck")
    for release in releases:
        for pid in ids:
            items.append(PropertyItem.from_parent(model, name=f"{pid}[{release}]", release=release,
                                                 property_id=pid, selected=ids))


class Model(pytest.Collector):
    """The parent of the property items (their node ids read `detachcheck::ID[RELEASE]`)."""

    def collect(self) -> list[pytest.Item]:
        return []


class PropertyFailure(Exception):
    """A property violated (or a witness never reached) in a release."""


class PropertyItem(pytest.Item):
    """One property in one release."""

    def __init__(self, *, release: str, property_id: str, selected: list[str], **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.release = release
        self.property_id = property_id
        self.selected = selected

    def _check(self) -> Check:
        from detachcheck.api import check

        cache = self.config.stash[_CACHE]
        if self.release not in cache:
            cache[self.release] = check(self.release, properties=self.selected, **_scenario(self.config))
        return cache[self.release]

    def runtest(self) -> None:
        result = self._check()
        verdict = result[self.property_id]
        if verdict.verdict == "unknown":
            pytest.skip(f"{self.property_id} is unknown in {self.release}: the search was stopped before settling it")
        if verdict.verdict == "not witnessed":
            raise PropertyFailure(f"{self.property_id} (sometimes) is never witnessed in {self.release}: "
                                  f"no reachable state shows that {verdict.meaning}")
        if verdict.verdict == "violated":
            raise PropertyFailure(f"{self.property_id} ({verdict.kind}) is violated in {self.release} in "
                                  f"{verdict.length} steps: {verdict.meaning}\n{verdict.explanation}")

    def repr_failure(self, excinfo: pytest.ExceptionInfo[BaseException], style: Any = None) -> str:
        if isinstance(excinfo.value, PropertyFailure):
            return str(excinfo.value)
        return super().repr_failure(excinfo, style)

    def reportinfo(self) -> tuple[str, int | None, str]:
        return "detachcheck", None, self.name


class DetachCheck:
    """The `detachcheck` fixture: check releases and fix proposals, cached for the whole session."""

    def __init__(self, cache: dict[Any, Any]) -> None:
        self._cache = cache

    def release(self, name: str) -> Release:
        """A release or a variant (from `fsm/variants.py`) by name."""
        from detachcheck.fsm.releases import RELEASES
        from detachcheck.fsm.variants import VARIANTS

        if name in VARIANTS:
            return VARIANTS[name].release()
        if name not in RELEASES:
            raise ValueError(f"unknown release {name!r}")
        return RELEASES[name]

    def variant(self, base: str, summary: str = "a fix proposal", name: str | None = None,
                **switches: bool) -> Release:
        """A fix proposal: `base` with some switches changed (`Release.with_switches`)."""
        return self.release(base).with_switches(name or f"{base}+proposal", summary, **switches)

    @staticmethod
    def _key(release: str | Release) -> Any:
        return release if isinstance(release, str) else (release.name, tuple(sorted(release.switches.items())))

    def check(self, release: str | Release, **scenario: Any) -> Check:
        """`detachcheck.check` (same keywords), cached."""
        from detachcheck.api import check

        key = ("check", self._key(release), tuple(sorted(scenario.items())))
        if key not in self._cache:
            self._cache[key] = check(release, **scenario)
        return self._cache[key]

    def compare(self, base: str | Release, variant: str | Release, **scenario: Any) -> Comparison:
        """`detachcheck.compare` (same keywords), cached: `.fixed`, `.broken`, `.flips`."""
        from detachcheck.api import compare

        key = ("compare", self._key(base), self._key(variant), tuple(sorted(scenario.items())))
        if key not in self._cache:
            self._cache[key] = compare(base, variant, **scenario)
        return self._cache[key]


_FIXTURE_CACHE = pytest.StashKey[dict[Any, Any]]()


@pytest.fixture
def detachcheck(request: pytest.FixtureRequest) -> DetachCheck:
    """Check releases and fix proposals: `detachcheck.variant("pike", detach_lock=True)`,
    `detachcheck.compare("pike", fix, detach_only=True).fixed`."""
    stash = request.config.stash
    if _FIXTURE_CACHE not in stash:
        stash[_FIXTURE_CACHE] = {}
    return DetachCheck(stash[_FIXTURE_CACHE])
