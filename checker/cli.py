"""The `detachcheck` command line.

Bad input gets one line on stderr and exit 2, never a traceback.
"""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Sequence
from pathlib import Path
from typing import NoReturn

from rich.console import Console
from rich.progress import Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

from checker.diagrams import write_diagrams
from checker.explore import Progress as ProgressCallback
from checker.render import print_text, to_json, to_markdown
from checker.report import failing
from checker.run import report_stem, run_check
from checker.summary import update_readme
from fsm.releases import RELEASES
from fsm.system import MAX_REQUESTS, MAX_VOLUMES
from properties import all_properties

FORMATS = ("text", "markdown", "json")


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


def build_parser() -> OneLineParser:
    """The argument parser for every subcommand."""
    parser = OneLineParser(prog="detachcheck",
                           description="Model-check the Nova/Cinder volume-detach protocol.")
    sub = parser.add_subparsers(dest="command", required=True, parser_class=OneLineParser)

    check = sub.add_parser("check", help="explore every reachable state and check the properties")
    check.add_argument("--release", default="pike", choices=sorted(RELEASES),
                       help="Nova release to model (default: pike)")
    check.add_argument("--property", dest="properties", action="append", metavar="ID",
                       choices=[p.id for p in all_properties()],
                       help="check only this property (repeatable; default: all)")
    check.add_argument("--format", default="text", choices=FORMATS, help="stdout format (default: text)")
    check.add_argument("--max-states", type=_bounded("--max-states", 1, None), default=None,
                       help="stop exploring after N states (verdicts then say 'unknown')")
    check.add_argument("--volumes", type=_bounded("--volumes", 1, MAX_VOLUMES), default=1,
                       help=f"data volumes besides the root volume (1..{MAX_VOLUMES}, default 1)")
    check.add_argument("--requests", type=_bounded("--requests", 1, MAX_REQUESTS), default=2,
                       help=f"detach requests that may race (1..{MAX_REQUESTS}, default 2)")
    check.add_argument("--reports", type=Path, default=Path("reports"),
                       help="directory for <release>.md and .json (default: reports)")
    check.add_argument("--strict", action="store_true",
                       help="exit 1 when a property is violated or a witness is not found")

    readme = sub.add_parser("readme", help="rewrite README.md's findings block from a fresh check")
    readme.add_argument("--path", type=Path, default=Path("README.md"))

    diagrams = sub.add_parser("diagrams", help="write each lifecycle's .dot and .svg")
    diagrams.add_argument("--release", default="pike", choices=sorted(RELEASES))
    diagrams.add_argument("--out", type=Path, default=Path("diagrams"))
    diagrams.add_argument("--no-svg", action="store_true", help="write only the .dot files")
    return parser


def _progress(console: Console) -> tuple[ProgressCallback, Progress]:
    """A progress callback that shows a live display once a search has run for a second."""
    display = Progress(SpinnerColumn(), TextColumn("{task.description}"), TimeElapsedColumn(),
                       console=console, transient=True)
    task = display.add_task("exploring", start=True)
    start = time.perf_counter()

    def update(states: int, transitions: int, depth: int) -> None:
        if not display.live.is_started:
            if time.perf_counter() - start < 1.0:
                return
            display.start()
        display.update(task, description=f"exploring: {states} states, {transitions} transitions, depth {depth}")

    return update, display


def cmd_check(args: argparse.Namespace) -> int:
    err = Console(stderr=True)
    update, display = _progress(err)
    try:
        result = run_check(args.release, args.volumes, args.requests, args.properties, args.max_states, update)
    finally:
        display.stop()
    report = result.report
    stem = report_stem(args.release, args.volumes, args.requests)
    try:
        args.reports.mkdir(parents=True, exist_ok=True)
        (args.reports / f"{stem}.md").write_text(to_markdown(report))
        (args.reports / f"{stem}.json").write_text(to_json(report))
    except OSError as exc:
        print(f"detachcheck: error: cannot write reports to {args.reports}: {exc.strerror}", file=sys.stderr)
        return 2
    if args.format == "json":
        sys.stdout.write(to_json(report))
    elif args.format == "markdown":
        sys.stdout.write(to_markdown(report))
    else:
        print_text(report, result.seconds, Console())
    return 1 if args.strict and failing(report) else 0


def cmd_diagrams(args: argparse.Namespace) -> int:
    try:
        written = write_diagrams(args.out, args.release, svg=not args.no_svg)
    except OSError as exc:
        print(f"detachcheck: error: cannot write diagrams to {args.out}: {exc}", file=sys.stderr)
        return 2
    print(f"wrote {len(written)} files to {args.out}")
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


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the `detachcheck` console script."""
    args = build_parser().parse_args(argv)
    commands = {"check": cmd_check, "diagrams": cmd_diagrams, "readme": cmd_readme}
    return commands[args.command](args)


if __name__ == "__main__":
    sys.exit(main())
