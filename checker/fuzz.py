"""`detachcheck fuzz`: run the generated state machine for a while, with progress and a summary."""

from __future__ import annotations

import time
from dataclasses import dataclass
from pathlib import Path

from hypothesis import HealthCheck, settings
from hypothesis.stateful import run_state_machine_as_test
from rich.console import Console
from rich.progress import Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

from detachcheck.checker.stateful import SIZES, Stats, machine_class
from detachcheck.fsm.protocol import STEPS
from detachcheck.fsm.releases import RELEASES, Release
from detachcheck.fsm.variants import VARIANTS


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
         derandomize: bool = False, reports: Path = Path("reports")) -> FuzzResult:
    """Run `examples` random interleavings of up to `steps` steps each."""
    sizes = tuple(s for s in SIZES if (volumes is None or s[0] == volumes) and (requests is None or s[1] == requests))
    sizes = sizes or ((volumes or 1, requests or 1),)
    stats = Stats()
    trace_dir = reports / "fuzz" / release
    base = {release: RELEASES[VARIANTS[release].base]} if release in VARIANTS else None
    cls = machine_class(releases_for(release), sizes, expect_from=base, trace_dir=trace_dir, stats=stats)
    conf = settings(max_examples=examples, stateful_step_count=steps, deadline=None, derandomize=derandomize,
                    database=None, suppress_health_check=list(HealthCheck), print_blob=False)
    failure = None
    start = time.perf_counter()
    with Progress(SpinnerColumn(), TextColumn("{task.description}"), TimeElapsedColumn(),
                  console=Console(stderr=True), transient=True) as bar:
        task = bar.add_task("fuzzing")

        class Watched(cls):  # type: ignore[misc, valid-type]
            def teardown(self) -> None:
                bar.update(task, description=f"fuzzing {release}: {stats.examples} runs, {stats.steps} steps, "
                                             f"{len(stats.states)} states")

        Watched.__name__ = cls.__name__
        try:
            run_state_machine_as_test(Watched, settings=conf)
        except AssertionError as err:
            failure = str(err).split("\ntrace (replay", 1)[0]
    seconds = time.perf_counter() - start
    declared = sorted({f"{s.name}:{o.name}" for rel in releases_for(release).values() for s in rel.steps()
                       for o in s.outcomes} & {f"{s.name}:{o.name}" for s in STEPS for o in s.outcomes})
    trace = trace_dir / "hypothesis-failure.trace"
    return FuzzResult(release, stats, seconds, [o for o in declared if o not in stats.outcomes], failure,
                      trace if failure and trace.exists() else None)
