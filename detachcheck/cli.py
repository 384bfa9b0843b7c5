"""The `detachcheck` command line.

Bad input gets one line on stderr and exit 2, never a traceback.
"""

from __future__ import annotations

import argparse
import shutil
import sys
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any, NoReturn

from rich.console import Console
from rich.progress import Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

from detachcheck import __version__
from detachcheck.checker.compare import compare
from detachcheck.checker.engine.progress import Progress as ProgressCallback
from detachcheck.checker.engine.progress import Status
from detachcheck.checker.fuzz import fuzz
from detachcheck.checker.outputs.diagrams import write_diagrams
from detachcheck.checker.outputs.html import to_html
from detachcheck.checker.outputs.matrix import build_matrix, matrix_markdown, matrix_table
from detachcheck.checker.outputs.render import compare_text, print_text, replay_data, replay_text, to_json, to_markdown
from detachcheck.checker.outputs.report import FAILING, failing
from detachcheck.checker.outputs.summary import update_readme
from detachcheck.checker.run import CheckResult, report_stem, run_check
from detachcheck.checker.trace import TraceError, replay, to_trace
from detachcheck.fsm.releases import RELEASES
from detachcheck.fsm.system import MAX_REQUESTS, MAX_VOLUMES
from detachcheck.fsm.variants import VARIANTS
from detachcheck.properties import all_properties

FORMATS = ("text", "markdown", "json")
ALL = "all"


class OneLineParser(argparse.ArgumentParser):
    """An ArgumentParser whose errors are one line and exit 2."""

    def error(self, message: str) -> NoReturn:
        self.exit(2, f"{self.prog}: error: {message}\n")


def _bounded(name: str, low: int, high: int | None) -> type:
    def parse(text: str) -> int:
        try:
            value = int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"{name} must be an integer, got {text!r}") from None
        if value < low or (high is not None and value > high):
            span = f"{low}..{high}" if high is not None else f">= {low}"
            raise argparse.ArgumentTypeError(f"{name} must be {span}, got {value}")
        return value
    parse.__name__ = name
    return parse  # type: ignore[return-value]


def _scenario_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--volumes", type=_bounded("--volumes", 1, MAX_VOLUMES), default=1,
                        help=f"data volumes besides the root volume (1..{MAX_VOLUMES}, default 1)")
    parser.add_argument("--requests", type=_bounded("--requests", 1, MAX_REQUESTS), default=2,
                        help=f"detach requests that may race (1..{MAX_REQUESTS}, default 2)")
    parser.add_argument("--operator", action="store_true",
                        help="let operator recovery (reset-state, force-detach) interleave")
    parser.add_argument("--detach-only", action="store_true",
                        help="no instance operations (stop, start, reboot, shelve, unshelve, crash, restart)")
    parser.add_argument("--max-states", type=_bounded("--max-states", 1, None), default=None,
                        help="stop exploring after N states (verdicts then say 'unknown')")
    parser.add_argument("--max-seconds", type=_bounded("--max-seconds", 1, None), default=None,
                        help="stop after about N seconds, with a partial report (unsettled verdicts: 'unknown')")
    parser.add_argument("--no-symmetry", dest="symmetry", action="store_false",
                        help="explore every state (default: one per permutation of data volumes and requests)")
    parser.add_argument("--format", default="text", choices=FORMATS, help="stdout format (default: text)")


def build_parser() -> OneLineParser:
    """The argument parser for every subcommand."""
    parser = OneLineParser(prog="detachcheck",
                           description="Model-check the Nova/Cinder volume-detach protocol.")
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    sub = parser.add_subparsers(dest="command", required=True, parser_class=OneLineParser)

    check = sub.add_parser("check", help="explore every reachable state and check the properties")
    check.add_argument("--release", default="pike", choices=[*RELEASES, ALL],
                       help="Nova release to model, or 'all' for the matrix (default: pike)")
    check.add_argument("--property", dest="properties", action="append", metavar="ID",
                       choices=[p.id for p in all_properties()],
                       help="check only this property (repeatable; default: all)")
    _scenario_options(check)
    check.add_argument("--reports", type=Path, default=Path("reports"),
                       help="directory for <release>.md and .json (default: reports)")
    check.add_argument("--strict", action="store_true",
                       help="exit 1 when a property is violated or a witness is not found")

    cmp = sub.add_parser("compare", help="check a release and a variant (a fix) and show what changes")
    choices = [*RELEASES, *VARIANTS]
    cmp.add_argument("base", choices=choices, metavar="BASE", help=f"one of: {', '.join(choices)}")
    cmp.add_argument("variant", choices=choices, metavar="VARIANT", help="a release or a variant")
    _scenario_options(cmp)

    rep = sub.add_parser("replay", help="run a trace of protocol steps and show what each step changed")
    rep.add_argument("trace", type=Path, help="trace file (see README: one STEP[:OUTCOME] [KEY=VALUE ...] a line)")
    rep.add_argument("--release", choices=[*RELEASES, *VARIANTS], default=None,
                     help="overrides the trace's release header")
    rep.add_argument("--volumes", type=_bounded("--volumes", 1, MAX_VOLUMES), default=None)
    rep.add_argument("--requests", type=_bounded("--requests", 1, MAX_REQUESTS), default=None)
    rep.add_argument("--format", default="text", choices=("text", "json"))

    fuzz = sub.add_parser("fuzz", help="Hypothesis stateful testing of a release, cross-checked with the explorer")
    fuzz.add_argument("--release", default="pike", choices=[*RELEASES, *VARIANTS, ALL])
    fuzz.add_argument("--examples", type=_bounded("--examples", 1, None), default=200)
    fuzz.add_argument("--steps", type=_bounded("--steps", 1, None), default=50, help="steps per example")
    fuzz.add_argument("--volumes", type=_bounded("--volumes", 1, 2), default=None,
                      help="data volumes (default: drawn from 1..2)")
    fuzz.add_argument("--requests", type=_bounded("--requests", 1, 2), default=None,
                      help="racing requests (default: drawn from 1..2)")
    fuzz.add_argument("--derandomize", action="store_true", help="a fixed, reproducible run (default: random)")
    fuzz.add_argument("--reports", type=Path, default=Path("reports"), help="where a failing trace is saved")

    readme = sub.add_parser("readme", help="rewrite README.md's findings block from a fresh check")
    readme.add_argument("--path", type=Path, default=Path("README.md"))

    diagrams = sub.add_parser("diagrams", help="write each lifecycle's .dot and .svg")
    diagrams.add_argument("--out", type=Path, default=Path("diagrams"))
    diagrams.add_argument("--no-svg", action="store_true", help="write only the .dot files")
    return parser


class _Display:
    """A progress display on stderr that appears once a check has run for a second: the phase,
    states, states/s, the frontier being expanded and the elapsed time."""

    def __init__(self, console: Console) -> None:
        self.bar = Progress(SpinnerColumn(), TextColumn("{task.description}"), TimeElapsedColumn(),
                            console=console, transient=True)
        self.task = self.bar.add_task("checking")
        self.start = time.perf_counter()

    def callback(self, label: str) -> ProgressCallback:
        begun = time.perf_counter()

        def update(status: Status) -> None:
            now = time.perf_counter()
            if not self.bar.live.is_started:
                if now - self.start < 1.0 or not self.bar.console.is_terminal:
                    return
                self.bar.start()
            rate = status.states / max(now - begun, 1e-9)
            frontier = f", frontier {status.frontier:,}" if status.frontier else ""
            self.bar.update(self.task, description=f"{label}: {status.phase}: {status.states:,} states, "
                                                   f"{rate:,.0f} states/s{frontier}, depth {status.depth}")
        return update

    def stop(self) -> None:
        # Progress.stop() also prints a newline on a non-interactive console: stop the live display only.
        if self.bar.live.is_started:
            self.bar.live.stop()


def _run(args: argparse.Namespace, name: str, display: _Display, properties: list[str] | None = None,
         symmetry: bool | None = None) -> CheckResult:
    variant = VARIANTS[name].release() if name in VARIANTS else None
    base = VARIANTS[name].base if name in VARIANTS else name
    return run_check(base, args.volumes, args.requests, properties, args.max_states,
                     display.callback(name), args.operator, variant, not args.detach_only,
                     max_seconds=args.max_seconds, symmetry=args.symmetry if symmetry is None else symmetry)


def _write(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)


def cmd_check(args: argparse.Namespace) -> int:
    names = list(RELEASES) if args.release == ALL else [args.release]
    display = _Display(Console(stderr=True))
    results: list[CheckResult] = []
    try:
        for name in names:
            results.append(_run(args, name, display, args.properties))
    finally:
        display.stop()
    selected = bool(args.properties)
    stems = [report_stem(n, args.volumes, args.requests, args.operator, not args.detach_only, selected, r.partial)
             for n, r in zip(names, results, strict=True)]
    reports = [r.report for r in results]
    try:
        for stem, report in zip(stems, reports, strict=True):
            _write(args.reports / f"{stem}.md", to_markdown(report))
            _write(args.reports / f"{stem}.json", to_json(report))
            _write(args.reports / f"{stem}.html", to_html(report))
            shutil.rmtree(args.reports / "traces" / stem, ignore_errors=True)  # no stale traces
            for entry in [*report["properties"], *report["incidents"]]:
                if entry["path"] is not None and entry["verdict"] in (*FAILING, "reached"):
                    _write(args.reports / "traces" / stem / f"{entry['id']}.trace", to_trace(report, entry))
        if args.release == ALL:
            matrix = build_matrix(reports, stems)
            partial = any(r.partial for r in results)
            mstem = report_stem("matrix", args.volumes, args.requests, args.operator, not args.detach_only, selected,
                                partial)
            _write(args.reports / f"{mstem}.md", matrix_markdown(matrix))
            _write(args.reports / f"{mstem}.json", to_json(matrix))
    except OSError as exc:
        print(f"detachcheck: error: cannot write reports to {args.reports}: {exc.strerror}", file=sys.stderr)
        return 2
    console = Console()
    console = Console(width=max(console.width, 160 if args.release == ALL else 100))  # never cut a property id
    if args.release == ALL:
        out: Any = build_matrix(reports, stems)
        if args.format == "json":
            sys.stdout.write(to_json(out))
        elif args.format == "markdown":
            sys.stdout.write(matrix_markdown(out))
        else:
            console.print(matrix_table(out))
            console.print(f"seconds: {sum(r.seconds for r in results):.2f}  reports in {args.reports}/")
    elif args.format == "json":
        sys.stdout.write(to_json(reports[0]))
    elif args.format == "markdown":
        sys.stdout.write(to_markdown(reports[0]))
    else:
        print_text(reports[0], results[0].seconds, console)
    return 1 if args.strict and any(failing(r) for r in reports) else 0


def cmd_compare(args: argparse.Namespace) -> int:
    if args.base == args.variant:
        print("detachcheck: error: BASE and VARIANT are the same: nothing to compare", file=sys.stderr)
        return 2
    display = _Display(Console(stderr=True))
    try:
        # States are compared by name across two models: unreduced (canonical forms differ between them)
        base, variant = _run(args, args.base, display, symmetry=False), _run(args, args.variant, display,
                                                                             symmetry=False)
    finally:
        display.stop()
    result = compare(base, variant)
    if args.format == "json":
        sys.stdout.write(to_json(result))
    else:
        compare_text(result, Console(), markdown=args.format == "markdown")
    return 0


def cmd_replay(args: argparse.Namespace) -> int:
    try:
        text = args.trace.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        reason = exc.strerror if isinstance(exc, OSError) else "not UTF-8 text"
        print(f"detachcheck: error: cannot read {args.trace}: {reason}", file=sys.stderr)
        return 2
    try:
        result = replay(text, args.release, args.volumes, args.requests)
    except TraceError as err:
        print(f"detachcheck: error: {args.trace}: {err}", file=sys.stderr)
        if err.enabled:
            print("enabled here: " + "; ".join(err.enabled), file=sys.stderr)
        return 2
    if args.format == "json":
        sys.stdout.write(to_json(replay_data(result)))
    else:
        replay_text(result, Console())
    return 1 if result.violations else 0


def cmd_fuzz(args: argparse.Namespace) -> int:
    result = fuzz(args.release, args.examples, args.steps, args.volumes, args.requests, args.derandomize,
                  args.reports)
    console = Console()
    s = result.stats
    console.print(f"{result.release}: {s.examples} runs (examples, and replays while shrinking), {s.steps} steps, "
                  f"{len(s.states)} distinct states, "
                  f"{len(s.outcomes)} step outcomes exercised, {result.seconds:.1f} s "
                  f"({s.steps / max(result.seconds, 1e-9):,.0f} steps/s)", markup=False, highlight=False)
    console.print("exercised: " + ", ".join(sorted(s.outcomes)), markup=False, highlight=False)
    if result.never:
        console.print("never exercised: " + ", ".join(result.never), markup=False, highlight=False)
    if result.failure:
        console.print(result.failure, markup=False, highlight=False, style="red")
        console.print(f"trace saved: {result.trace}", markup=False)
        return 1
    return 0


def cmd_readme(args: argparse.Namespace) -> int:
    reports = [run_check(name).report for name in RELEASES]
    try:
        changed = update_readme(args.path, reports)
    except (OSError, ValueError) as exc:
        print(f"detachcheck: error: {exc}", file=sys.stderr)
        return 2
    print(f"{args.path}: findings {'updated' if changed else 'unchanged'}")
    return 0


def cmd_diagrams(args: argparse.Namespace) -> int:
    try:
        written = write_diagrams(args.out, svg=not args.no_svg)
    except OSError as exc:
        print(f"detachcheck: error: cannot write diagrams to {args.out}: {exc}", file=sys.stderr)
        return 2
    print(f"wrote {len(written)} files to {args.out}")
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the `detachcheck` console script."""
    args = build_parser().parse_args(argv)
    commands = {"check": cmd_check, "compare": cmd_compare, "diagrams": cmd_diagrams, "readme": cmd_readme,
                "replay": cmd_replay, "fuzz": cmd_fuzz}
    try:
        return commands[args.command](args)
    except KeyboardInterrupt:
        print("detachcheck: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:  # e.g. `detachcheck check --format json | head`
        sys.stderr.close()
        return 0

