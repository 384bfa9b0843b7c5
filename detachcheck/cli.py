"""The `detachcheck` command line.

Bad input gets one line on stderr and exit 2, never a traceback.
"""

from __future__ import annotations

import argparse
import errno
import functools
import os
import shutil
import sys
import time
from collections.abc import Sequence
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any, NoReturn

from rich.console import Console
from rich.progress import Progress, SpinnerColumn, TaskID, TextColumn, TimeElapsedColumn

from detachcheck import __version__
from detachcheck.checker.compare import compare
from detachcheck.checker.engine.searches.progress import DONE, Status
from detachcheck.checker.engine.searches.progress import Progress as ProgressCallback
from detachcheck.checker.exports.tabulate import TabulateError
from detachcheck.checker.exports.write import FORMATS as EXPORT_FORMATS
from detachcheck.checker.exports.write import build_export, write_export
from detachcheck.checker.outputs.diagrams import graphviz_missing, write_diagrams
from detachcheck.checker.outputs.files import OutputError, check_dir, check_file, write_atomic
from detachcheck.checker.outputs.html import to_html
from detachcheck.checker.outputs.junit import junit_xml
from detachcheck.checker.outputs.matrix import build_matrix, matrix_markdown, matrix_table
from detachcheck.checker.outputs.render import compare_text, print_text, replay_data, replay_text, to_json, to_markdown
from detachcheck.checker.outputs.report import FAILING, UNKNOWN
from detachcheck.checker.outputs.summary import read_readme, update_readme
from detachcheck.checker.run import CheckResult, report_stem, run_check
from detachcheck.checker.trace import TraceError, read_trace, replay, to_trace
from detachcheck.fsm.releases import RELEASES
from detachcheck.fsm.system import MAX_REQUESTS, MAX_VOLUMES
from detachcheck.fsm.variants import VARIANTS
from detachcheck.jobs import Checked, WorkerDied, check_all, default_jobs
from detachcheck.listing import (
    properties_data,
    properties_table,
    releases_data,
    releases_table,
    switches_table,
    variants_epilog,
    variants_table,
)
from detachcheck.properties import all_properties
from detachcheck.terminal import Delayed, deliver, error, stdout_console, warn

if TYPE_CHECKING:
    from detachcheck.checker.stateful import Stats

FORMATS = ("text", "markdown", "json")
ALL = "all"


class OneLineParser(argparse.ArgumentParser):
    """An ArgumentParser whose errors are one line and exit 2."""

    def error(self, message: str) -> NoReturn:
        self.exit(2, f"{self.prog}: error: {' '.join(message.split())}\n")

    def _print_message(self, message: str, file: IO[str] | None = None) -> None:
        """Like argparse's, but a closed or full stdout is an error (argparse ignores it)."""
        if not message:
            return
        if file is None:  # the stream (stdout for --help and --version) is closed
            raise OSError(errno.EBADF, "it is closed")
        file.write(message)


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


def _path(name: str) -> type:
    """A path option that refuses '' (which would mean the current directory) and NUL characters."""
    def parse(text: str) -> Path:
        if not text:
            raise argparse.ArgumentTypeError(f"{name} must not be empty")
        if "\0" in text:
            raise argparse.ArgumentTypeError(f"{name} must not contain a NUL character")
        return Path(text)
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
                           description="Model-check the Nova/Cinder volume-detach protocol.",
                           epilog="Exit status: 0 the command ran; 1 a violation (check --strict, replay, "
                                  "explain) or a fuzz failure; 2 bad input or an output that cannot be written "
                                  "(one line on stderr); 3 an internal error (a bug) or a worker process killed "
                                  "(out of memory: check --jobs 1), one line on stderr.")
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}",
                        help="print the version and exit")
    sub = parser.add_subparsers(dest="command", required=True, parser_class=OneLineParser, metavar="COMMAND")

    check = sub.add_parser("check", help="explore every reachable state and check the properties")
    check.add_argument("--release", default="pike", choices=[*RELEASES, ALL], metavar="NAME",
                       help="Nova release to model, or 'all' for the matrix (default: pike; "
                            "see `detachcheck releases`)")
    check.add_argument("--property", dest="properties", action="append", metavar="ID",
                       choices=[p.id for p in all_properties()],
                       help="check only this property and its witness (repeatable; default: all; "
                            "see `detachcheck properties`)")
    _scenario_options(check)
    check.add_argument("--reports", type=_path("--reports"), default=Path("reports"), metavar="DIR",
                       help="directory for <release>.md, .json, .html and traces/ (default: reports)")
    check.add_argument("--junit-xml", type=_path("--junit-xml"), default=None, metavar="FILE",
                       help="also write JUnit XML: one test case per release and property")
    check.add_argument("--jobs", type=_bounded("--jobs", 1, None), default=None, metavar="N",
                       help="with --release all, check N releases at once, one process each (default: one "
                            "per processor); each holds its own search: --jobs 1 takes the least memory")
    check.add_argument("--strict", action="store_true",
                       help="exit 1 when a property is violated or unknown, or a witness is not found")

    cmp = sub.add_parser("compare", help="check a release and a variant (a fix) and show what changes",
                         formatter_class=argparse.RawDescriptionHelpFormatter, epilog=variants_epilog())
    choices = [*RELEASES, *VARIANTS]
    cmp.add_argument("base", choices=choices, metavar="BASE", help="a release or a variant (listed below)")
    cmp.add_argument("variant", choices=choices, metavar="VARIANT", help="a release or a variant (listed below)")
    _scenario_options(cmp)
    cmp.add_argument("--jobs", type=_bounded("--jobs", 1, None), default=None, metavar="N",
                     help="check BASE and VARIANT at once when N >= 2, one process each (default: one per "
                          "processor); each holds its own search: --jobs 1 takes the least memory")

    rep = sub.add_parser("replay", help="run a trace of protocol steps and show what each step changed")
    rep.add_argument("trace", type=_path("TRACE"), metavar="TRACE",
                     help="trace file (UTF-8, at most 1 MiB; one STEP[:OUTCOME] [KEY=VALUE ...] a line; see README)")
    rep.add_argument("--release", choices=[*RELEASES, *VARIANTS], default=None, metavar="NAME",
                     help="release or variant; overrides the trace's release header (default: the header, or pike)")
    rep.add_argument("--volumes", type=_bounded("--volumes", 1, MAX_VOLUMES), default=None,
                     help=f"data volumes (1..{MAX_VOLUMES}); overrides the trace's header (default: the header, or 1)")
    rep.add_argument("--requests", type=_bounded("--requests", 1, MAX_REQUESTS), default=None,
                     help=f"detach requests (1..{MAX_REQUESTS}); overrides the trace's header "
                          "(default: the header, or 2)")
    rep.add_argument("--format", default="text", choices=("text", "json"), help="stdout format (default: text)")

    exp = sub.add_parser("explain", help="read a deployment's Nova and Cinder logs about a volume: what happened, "
                                         "what is broken now, how to repair it")
    exp.add_argument("logs", nargs="+", type=_path("LOG"), metavar="LOG",
                     help="log files (plain or .gz, rotated ones too) or directories searched for Nova and Cinder "
                          "logs; several are merged by time")
    exp.add_argument("--release", choices=[*RELEASES, *VARIANTS], default=None, metavar="NAME",
                     help="the Nova release that wrote the logs (default: inferred from them, with the evidence)")
    exp.add_argument("--volume", default=None, metavar="UUID",
                     help="the volume to explain (default: the one volume the logs detach)")
    exp.add_argument("--instance", default=None, metavar="UUID", help="the instance whose volume to explain")
    exp.add_argument("--format", default="text", choices=FORMATS, help="stdout format (default: text)")
    exp.add_argument("--verbose", action="store_true", help="also list the lines no catalogue entry recognises")

    fuzz = sub.add_parser("fuzz", help="Hypothesis stateful testing of a release, cross-checked with the explorer")
    fuzz.add_argument("--release", default="pike", choices=[*RELEASES, *VARIANTS, ALL], metavar="NAME",
                      help="release or variant to drive, or 'all' to draw among the releases (default: pike)")
    fuzz.add_argument("--examples", type=_bounded("--examples", 1, None), default=200,
                      help="random interleavings to run (default: 200)")
    fuzz.add_argument("--steps", type=_bounded("--steps", 1, None), default=50,
                      help="protocol steps per interleaving (default: 50)")
    fuzz.add_argument("--volumes", type=_bounded("--volumes", 1, 2), default=None,
                      help="data volumes (default: drawn from 1..2)")
    fuzz.add_argument("--requests", type=_bounded("--requests", 1, 2), default=None,
                      help="racing requests (default: drawn from 1..2)")
    fuzz.add_argument("--derandomize", action="store_true", help="a fixed, reproducible run (default: random)")
    fuzz.add_argument("--reports", type=_path("--reports"), default=Path("reports"), metavar="DIR",
                      help="a failing trace is saved under DIR/fuzz/<release>/ (default: reports)")

    export = sub.add_parser("export", help="write the composed model as a TLA+ module (+ TLC config) or as Promela")
    export.add_argument("--release", default="pike", choices=[*RELEASES, *VARIANTS], metavar="RELEASE",
                        help="a release or a variant (default: pike)")
    export.add_argument("--volumes", type=_bounded("--volumes", 1, MAX_VOLUMES), default=1,
                        help=f"data volumes besides the root volume (1..{MAX_VOLUMES}, default 1)")
    export.add_argument("--requests", type=_bounded("--requests", 1, MAX_REQUESTS), default=2,
                        help=f"detach requests that may race (1..{MAX_REQUESTS}, default 2)")
    export.add_argument("--operator", action="store_true", help="with operator recovery steps")
    export.add_argument("--detach-only", action="store_true", help="no instance operations")
    export.add_argument("--to", required=True, choices=EXPORT_FORMATS, dest="fmt",
                        help="tla: <Name>.tla + <Name>.cfg for TLC; promela: <name>.pml for SPIN")
    export.add_argument("outdir", type=_path("OUTDIR"), metavar="OUTDIR",
                        help="directory to write into (created if missing)")

    readme = sub.add_parser("readme", help="rewrite README.md's findings block from a fresh check")
    readme.add_argument("--path", type=_path("--path"), default=Path("README.md"), metavar="FILE",
                        help="the README whose findings block is rewritten (default: README.md)")

    diagrams = sub.add_parser("diagrams", help="write each lifecycle's .dot and .svg")
    diagrams.add_argument("--out", type=_path("--out"), default=Path("diagrams"), metavar="DIR",
                          help="directory for the diagrams (default: diagrams)")
    diagrams.add_argument("--no-svg", action="store_true", help="write only the .dot files (no Graphviz needed)")

    props = sub.add_parser("properties", help="list the properties: id, kind and meaning")
    props.add_argument("--format", default="text", choices=("text", "json"), help="stdout format (default: text)")
    rels = sub.add_parser("releases", help="list the releases (version, switches) and the variants")
    rels.add_argument("--format", default="text", choices=("text", "json"), help="stdout format (default: text)")
    return parser


class _Display:
    """A progress display on stderr that appears once a check has run for a second: a line for each
    check in flight (several with --jobs), with the phase, states, states/s, the frontier being
    expanded and the elapsed time."""

    def __init__(self, console: Console) -> None:
        self.bar = Progress(SpinnerColumn(), TextColumn("{task.description}"), TimeElapsedColumn(),
                            console=console, transient=True)
        self.start = time.perf_counter()

    def callback(self, label: str) -> ProgressCallback:
        begun = time.perf_counter()
        line: list[TaskID] = []  # this check's line, once shown

        def update(status: Status) -> None:
            if status.phase == DONE:
                if line:
                    self.bar.remove_task(line.pop())
                return
            now = time.perf_counter()
            if not self.bar.live.is_started:
                if now - self.start < 1.0 or not self.bar.console.is_terminal:
                    return
                self.bar.start()
            rate = status.states / max(now - begun, 1e-9)
            frontier = f", frontier {status.frontier:,}" if status.frontier else ""
            text = (f"{label}: {status.phase}: {status.states:,} states, {rate:,.0f} states/s{frontier}, "
                    f"depth {status.depth}")
            if line:
                self.bar.update(line[0], description=text)
            else:  # its clock from when the check began, not from when its line first shows
                line.append(self.bar.add_task(text))
                self.bar.tasks[-1].start_time = self.bar.get_time() - (now - begun)
        return update

    def stop(self) -> None:
        # Progress.stop() also prints a newline on a non-interactive console: stop the live display only.
        if self.bar.live.is_started:
            self.bar.live.stop()


def _run(args: argparse.Namespace, name: str, progress: ProgressCallback | None,
         properties: list[str] | None = None, symmetry: bool | None = None) -> CheckResult:
    variant = VARIANTS[name].release() if name in VARIANTS else None
    base = VARIANTS[name].base if name in VARIANTS else name
    result = run_check(base, args.volumes, args.requests, properties, args.max_states, progress, args.operator,
                       variant, not args.detach_only, max_seconds=args.max_seconds,
                       symmetry=args.symmetry if symmetry is None else symmetry)
    if progress is not None:
        progress(Status(DONE, len(result.exploration.states)))
    return result


def _unreduced(args: argparse.Namespace, name: str, progress: ProgressCallback | None) -> CheckResult:
    """A release or variant checked without symmetry (`compare`)."""
    return _run(args, name, progress, symmetry=False)


def _check_release(args: argparse.Namespace, name: str, progress: ProgressCallback | None) -> Checked:
    """One release of `check`: its report and report files (rendered here: in a worker when several
    releases are checked at once)."""
    result = _run(args, name, progress, args.properties)
    stem = report_stem(name, args.volumes, args.requests, args.operator, not args.detach_only,
                       bool(args.properties), partial=result.partial)
    report = result.report
    files = {f"{stem}.md": to_markdown(report), f"{stem}.json": to_json(report), f"{stem}.html": to_html(report)}
    for entry in [*report["properties"], *report["incidents"]]:
        if entry["path"] is not None and entry["verdict"] in (*FAILING, "reached"):
            files[f"traces/{stem}/{entry['id']}.trace"] = to_trace(report, entry)
    return Checked(name, stem, report, files, result.seconds, result.partial)


def strict_failures(report: dict[str, Any]) -> list[str]:
    """What --strict refuses: properties violated, not witnessed or unknown, and vacuous passes."""
    return [p["id"] for p in report["properties"] if p["verdict"] in (*FAILING, UNKNOWN) or p.get("vacuous")]


def _write_reports(args: argparse.Namespace, checked: list[Checked]) -> None:
    """Every report file (each written atomically): each release's, then the matrix."""
    for one in checked:
        shutil.rmtree(args.reports / "traces" / one.stem, ignore_errors=True)  # no stale traces
        for path, text in one.files.items():
            write_atomic(args.reports / path, text)
    if args.release == ALL:
        partial = any(one.partial for one in checked)
        mstem = report_stem("matrix", args.volumes, args.requests, args.operator, not args.detach_only,
                            bool(args.properties), partial=partial)
        matrix = build_matrix([one.report for one in checked], [one.stem for one in checked])
        write_atomic(args.reports / f"{mstem}.md", matrix_markdown(matrix))
        write_atomic(args.reports / f"{mstem}.json", to_json(matrix))


def cmd_check(args: argparse.Namespace) -> int:
    check_dir(args.reports)  # before the search, not after it
    if args.junit_xml is not None:
        check_file(args.junit_xml, "JUnit XML")
    names = list(RELEASES) if args.release == ALL else [args.release]
    display = _Display(Console(stderr=True))
    try:
        checked = check_all(functools.partial(_check_release, args), names, args.jobs or default_jobs(),
                            display.callback)
    finally:
        display.stop()
    _write_reports(args, checked)
    if (missing := graphviz_missing()) is not None:
        warn(f"{missing}; the HTML reports have no diagrams")
    reports = [one.report for one in checked]
    stems = [one.stem for one in checked]
    if args.junit_xml is not None:
        write_atomic(args.junit_xml, junit_xml(reports))
    code = 1 if args.strict and any(strict_failures(r) for r in reports) else 0

    def show() -> None:
        console = stdout_console()
        if args.release == ALL:
            out: Any = build_matrix(reports, stems)
            if args.format == "json":
                sys.stdout.write(to_json(out))
            elif args.format == "markdown":
                sys.stdout.write(matrix_markdown(out))
            else:
                console.print(matrix_table(out, console.width))
                console.print(f"seconds: {sum(one.seconds for one in checked):.2f}  reports in {args.reports}/",
                              markup=False)
        elif args.format == "json":
            sys.stdout.write(to_json(reports[0]))
        elif args.format == "markdown":
            sys.stdout.write(to_markdown(reports[0]))
        else:
            print_text(reports[0], checked[0].seconds, console)
    return deliver(code, show)


def cmd_compare(args: argparse.Namespace) -> int:
    if args.base == args.variant:
        return error("BASE and VARIANT are the same: nothing to compare")
    display = _Display(Console(stderr=True))
    try:
        # States are compared by name across two models: unreduced (canonical forms differ between them)
        base, variant = check_all(functools.partial(_unreduced, args), [args.base, args.variant],
                                  args.jobs or default_jobs(), display.callback)
    finally:
        display.stop()
    result = compare(base, variant)

    def show() -> None:
        if args.format == "json":
            sys.stdout.write(to_json(result))
        else:
            compare_text(result, stdout_console(), markdown=args.format == "markdown")
    return deliver(0, show)


def cmd_replay(args: argparse.Namespace) -> int:
    try:
        text = read_trace(args.trace)
    except TraceError as err:
        return error(f"cannot read {args.trace}: {err.reason}")
    try:
        with Delayed("replaying", total=1) as bar:
            result = replay(text, args.release, args.volumes, args.requests,
                            progress=lambda done, total: bar.update(done, f"replaying {done} of {total} steps"))
    except TraceError as err:
        enabled = f"; enabled here: {'; '.join(err.enabled)}" if err.enabled else ""
        return error(f"{args.trace}: {err}{enabled}")

    def show() -> None:
        if args.format == "json":
            sys.stdout.write(to_json(replay_data(result)))
        else:
            replay_text(result, stdout_console())
    return deliver(1 if result.violations else 0, show)


def cmd_explain(args: argparse.Namespace) -> int:
    # the log reader: loaded by this command only
    from detachcheck.explain.pipeline import explain_logs
    from detachcheck.explain.render import print_text as print_explanation
    from detachcheck.explain.render import to_json as explanation_json
    from detachcheck.explain.render import to_markdown as explanation_markdown
    from detachcheck.explain.report import build as build_explanation
    from detachcheck.explain.sources import InputError

    try:
        with Delayed("reading the logs") as bar:
            bar.update()
            explanation = explain_logs(args.logs, args.release, args.volume, args.instance)
            data = build_explanation(explanation, args.verbose)
    except InputError as exc:
        return error(str(exc))
    except OSError as exc:
        return error(f"cannot read the logs: {exc.strerror or exc}")

    def show() -> None:
        if args.format == "json":
            sys.stdout.write(explanation_json(data))
        elif args.format == "markdown":
            sys.stdout.write(explanation_markdown(data))
        else:
            print_explanation(data, stdout_console())
    return deliver(1 if data["violated"] else 0, show)


def cmd_fuzz(args: argparse.Namespace) -> int:
    from detachcheck.checker.fuzz import fuzz  # Hypothesis: loaded by this command only

    check_dir(args.reports, "fuzz traces")
    with Delayed("fuzzing", total=args.examples) as bar:
        def progress(stats: Stats) -> None:
            bar.update(stats.examples, f"fuzzing {args.release}: {stats.steps} steps, {len(stats.states)} states")
        result = fuzz(args.release, args.examples, args.steps, args.volumes, args.requests, args.derandomize,
                      args.reports, progress)
    s = result.stats
    if s.steps == 0:
        warn("no protocol step was exercised: nothing was tested (raise --examples or --steps)")

    def show() -> None:
        console = stdout_console()
        console.print(f"{result.release}: {s.examples} runs (examples, and replays while shrinking), {s.steps} "
                      f"steps, {len(s.states)} distinct states, {len(s.outcomes)} step outcomes exercised, "
                      f"{result.seconds:.1f} s ({s.steps / max(result.seconds, 1e-9):,.0f} steps/s)",
                      markup=False, highlight=False)
        console.print("exercised: " + (", ".join(sorted(s.outcomes)) or "nothing"), markup=False, highlight=False)
        if result.never:
            console.print("never exercised: " + ", ".join(result.never), markup=False, highlight=False)
        if result.failure:
            console.print(result.failure, markup=False, highlight=False, style="red")
            console.print(f"trace saved: {result.trace}", markup=False)
    return deliver(1 if result.failure else 0, show)


def cmd_export(args: argparse.Namespace) -> int:
    check_dir(args.outdir, "the export")
    release = VARIANTS[args.release].release() if args.release in VARIANTS else RELEASES[args.release]
    try:
        export = build_export(release, args.volumes, args.requests, args.operator, not args.detach_only)
    except TabulateError as exc:
        return error(f"a property cannot be exported: {exc}")
    try:
        written = write_export(export, args.fmt, args.outdir)
    except OSError as exc:
        return error(f"cannot write to {args.outdir}: {exc.strerror}")
    model = export.model

    def show() -> None:
        stdout_console().print(f"wrote {', '.join(str(p) for p in written)}: {len(model.system.slots)} variables, "
                               f"{len(model.actions)} actions, {len(export.props.invariants)} invariants",
                               markup=False, highlight=False)
    return deliver(0, show)


def _report_only(name: str, progress: ProgressCallback | None) -> Checked:
    """A release at the default scenario, its report data only (`readme`)."""
    result = run_check(name, progress=progress)
    return Checked(name, name, result.report, {}, result.seconds, result.partial)


def cmd_readme(args: argparse.Namespace) -> int:
    try:
        read_readme(args.path)  # before nine checks, not after them
    except ValueError as exc:
        return error(str(exc))
    check_file(args.path, "the README")
    checked = check_all(_report_only, list(RELEASES), default_jobs(), lambda name: lambda status: None)
    reports = [one.report for one in checked]
    try:
        changed = update_readme(args.path, reports)
    except ValueError as exc:
        return error(str(exc))
    return deliver(0, lambda: print(f"{args.path}: findings {'updated' if changed else 'unchanged'}"))


def cmd_diagrams(args: argparse.Namespace) -> int:
    check_dir(args.out, "diagrams")
    if not args.no_svg and (missing := graphviz_missing()) is not None:
        return error(f"{missing}, or use --no-svg for the .dot files only")
    written = write_diagrams(args.out, svg=not args.no_svg)
    return deliver(0, lambda: print(f"wrote {len(written)} files to {args.out}"))


def cmd_properties(args: argparse.Namespace) -> int:
    if args.format == "json":
        return deliver(0, lambda: sys.stdout.write(to_json(properties_data())))
    return deliver(0, lambda: stdout_console().print(properties_table()))


def cmd_releases(args: argparse.Namespace) -> int:
    if args.format == "json":
        return deliver(0, lambda: sys.stdout.write(to_json(releases_data())))

    def show() -> None:
        console = stdout_console()
        console.print(releases_table())
        console.print(switches_table())
        console.print(variants_table())
    return deliver(0, show)


COMMANDS = {"check": cmd_check, "compare": cmd_compare, "diagrams": cmd_diagrams, "readme": cmd_readme,
            "replay": cmd_replay, "explain": cmd_explain, "fuzz": cmd_fuzz, "properties": cmd_properties,
            "releases": cmd_releases, "export": cmd_export}


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the `detachcheck` console script: returns the exit status, never raises."""
    try:
        args = build_parser().parse_args(argv)
    except SystemExit as exc:  # --help, --version, or a usage error (already one line on stderr)
        code = exc.code if isinstance(exc.code, int) else 2
        return deliver(code, lambda: None)
    except OSError as exc:  # --help or --version to a closed or full stdout
        return error(f"cannot write to standard output: {exc.strerror or exc}")
    try:
        return COMMANDS[args.command](args)
    except OutputError as exc:
        return error(str(exc))
    except WorkerDied as exc:  # not a bug: the system took a worker away
        error(str(exc))
        return 3
    except KeyboardInterrupt:
        error("interrupted")
        return 130
    except BrokenPipeError:  # a reader on stderr that left
        return 0
    except Exception as exc:  # a bug: still one line, and the way to see more
        if os.environ.get("DETACHCHECK_TRACEBACK"):
            raise
        error(f"internal error: {type(exc).__name__}: {exc} (a bug: please report it; "
              "DETACHCHECK_TRACEBACK=1 shows the traceback)")
        return 3
