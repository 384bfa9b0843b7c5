"""`detachcheck fuzz`: run the generated state machine for a while and summarise what it exercised."""

from __future__ import annotations

import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from hypothesis import HealthCheck, configuration, settings
from hypothesis.stateful import run_state_machine_as_test

from detachcheck.checker.stateful import SIZES, Stats, machine_class
from detachcheck.fsm.protocol import STEPS
from detachcheck.fsm.releases import RELEASES, Release
from detachcheck.fsm.variants import VARIANTS

FuzzProgress = Callable[[Stats], None]
"""Called with the running totals after every example."""


@dataclass
class FuzzResult:
    """What a fuzzing run did and, if it failed, the failure and its saved trace."""

    release: str
    stats: Stats
    seconds: float
    never: list[str]
    failure: str | None
    trace: Path | None


def releases_for(name: str) -> dict[str, Release]:
    """The releases a fuzz run draws from."""
    if name == "all":
        return dict(RELEASES)
    return {name: VARIANTS[name].release() if name in VARIANTS else RELEASES[name]}


def fuzz(release: str, examples: int, steps: int, volumes: int | None = None, requests: int | None = None,
         derandomize: bool = False, reports: Path = Path("reports"),
         progress: FuzzProgress | None = None) -> FuzzResult:
    """Run `examples` random interleavings of up to `steps` protocol steps each. Hypothesis keeps
    nothing in the current directory: its storage is a temporary directory, removed afterwards."""
    sizes = tuple(s for s in SIZES if (volumes is None or s[0] == volumes) and (requests is None or s[1] == requests))
    sizes = sizes or ((volumes or 1, requests or 1),)
    stats = Stats()
    trace_dir = reports / "fuzz" / release
    base = {release: RELEASES[VARIANTS[release].base]} if release in VARIANTS else None
    cls = machine_class(releases_for(release), sizes, expect_from=base, trace_dir=trace_dir, stats=stats)
    # Hypothesis counts the machine's set-up (its one @initialize rule) as a step.
    conf = settings(max_examples=examples, stateful_step_count=steps + 1, deadline=None, derandomize=derandomize,
                    database=None, suppress_health_check=list(HealthCheck), print_blob=False)

    class Watched(cls):  # type: ignore[misc, valid-type]
        def teardown(self) -> None:
            if progress is not None:
                progress(stats)

    Watched.__name__ = cls.__name__
    failure = None
    start = time.perf_counter()
    previous = getattr(configuration, "__hypothesis_home_directory", None)
    with tempfile.TemporaryDirectory(prefix="detachcheck-hypothesis-") as home:
        configuration.set_hypothesis_home_dir(home)
        try:
            run_state_machine_as_test(Watched, settings=conf)
        except AssertionError as err:
            failure = str(err).split("\ntrace (replay", 1)[0]
        finally:
            configuration.set_hypothesis_home_dir(previous)
    seconds = time.perf_counter() - start
    declared = sorted({f"{s.name}:{o.name}" for rel in releases_for(release).values() for s in rel.steps()
                       for o in s.outcomes} & {f"{s.name}:{o.name}" for s in STEPS for o in s.outcomes})
    trace = trace_dir / "hypothesis-failure.trace"
    return FuzzResult(release, stats, seconds, [o for o in declared if o not in stats.outcomes], failure,
                      trace if failure and trace.exists() else None)
