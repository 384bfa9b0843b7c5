"""Our explorer against TLC and SPIN on the same compiled model: states/s and peak memory.

    python bench/compare.py [--releases pike,queens,master] [--sizes v1r1,v1r2,v1r3,v2r2,v2r3,v3r3]
                            [--max-states 350000] [--large-sizes v2r3,v3r3] [--timeout 1200]
                            [--detach-only] [--out reports]

Per release and size (a size over --max-states, and every size at least as large in volumes
and requests, is skipped), each measured in a fresh process so that its peak RSS is its own:
- ours, the search alone: the frontier `search` checking every exported invariant, compile time
  excluded; without symmetry, and with it (for the memory of the default check's reduced model);
- ours, the whole `detachcheck check` data path: `run_check` (compose, compile, search, every
  property kind, likelihood, recovery, report data), without and with symmetry (with it, the
  rate counts the full states the reduced ones stand for);
- TLC on the TLA+ export, `-workers 1` and `-workers 2` (a wrapper module checks every
  invariant in every state and names those violated: `checker/exports/tools.py`);
- SPIN on the Promela export: pan compiled -O2 -DSAFETY -DNOREDUCE, `-m` raised until the
  search is complete, `-w` sized to the state count, `-c0` to go on after violations.
It asserts equal distinct-state counts (SPIN: ours + 1) and equal sets of violated
invariants, and writes `<out>/bench.md` and `<out>/bench.png`. Then, per release and
--large-sizes, ours alone as a user runs it: `detachcheck check` (symmetry on, the default), the
whole command's wall time and peak RSS, against the goal of a minute each.
"""

from __future__ import annotations

import argparse
import datetime
import json
import math
import os
import platform
import subprocess
import sys
import tempfile
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path

DEFAULT_RELEASES = "pike,queens,master"
DEFAULT_SIZES = "v1r1,v1r2,v1r3,v2r2,v2r3,v3r3"
DEFAULT_LARGE = "v2r3,v3r3"
LARGE_GOAL = 60.0
"""Seconds the whole command may take at the large sizes (the goal)."""
TOOLS = ("search", "search-sym", "check", "check-sym", "tlc1", "tlc2", "spin")
LABELS = {"search": "ours: search", "search-sym": "ours: search, symmetry", "check": "ours: whole check",
          "check-sym": "ours: whole check, symmetry",
          "tlc1": "TLC -workers 1",
          "tlc2": "TLC -workers 2", "spin": "SPIN"}


# --- the adapters to our engine ---------------------------------------------------------------

def ours_search(release: str, volumes: int, requests: int, processes: bool, max_states: int,
                symmetry: bool = False) -> dict:
    """Our frontier search alone, with every exported invariant checked in every state (as SPIN's
    assertions and TLC's invariants are), compile time excluded; with `symmetry`, reduced as the
    default check is (its states: the full count they stand for, counted after the timed search)."""
    from detachcheck.checker.engine.compiled.compile import compile_system
    from detachcheck.checker.engine.compiled.frontier import tables_for
    from detachcheck.checker.engine.compiled.pack import packing_for
    from detachcheck.checker.engine.compiled.symmetry import symmetry_for
    from detachcheck.checker.engine.graphs.unfold import full_count
    from detachcheck.checker.engine.searches.search import search
    from detachcheck.fsm.system import compose
    from detachcheck.properties import all_properties

    exported = _exported_ids()
    model = compile_system(compose(_release(release), volumes, requests, processes=processes))
    tables = tables_for(model, packing_for(model))
    sym = symmetry_for(model, tables.packing) if symmetry else None
    base = rss_bytes()
    start = time.perf_counter()
    run = search(model, [p for p in all_properties() if p.id in exported], max_states=max_states, symmetry=sym,
                 tables=tables)
    seconds = time.perf_counter() - start
    states = full_count(run, sym) if sym is not None and run.complete else len(run.states)
    return {"states": states, "stored": len(run.states), "complete": run.complete, "seconds": seconds,
            "violated": sorted(set(run.found) & exported), "base_bytes": base}


def rss_bytes() -> int:
    """This process's resident memory now: the interpreter and libraries loaded, before the timed work."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) * 1024
    return 0


def ours_check(release: str, volumes: int, requests: int, processes: bool, max_states: int,
               symmetry: bool = False) -> dict:
    """The whole `detachcheck check` data path, timed from composing to the report data: every
    property kind, likelihood and recovery; without symmetry unless asked."""
    from detachcheck.checker.run import run_check
    from detachcheck.fsm.variants import VARIANTS

    before = rss_bytes()
    start = time.perf_counter()
    variant = VARIANTS[release].release() if release in VARIANTS else None
    base = VARIANTS[release].base if release in VARIANTS else release
    result = run_check(base, volumes, requests, max_states=max_states, variant=variant, processes=processes,
                       symmetry=symmetry)
    seconds = time.perf_counter() - start
    search = result.report["search"]
    full = search.get("symmetry", {}).get("full_states") if symmetry else None
    found = {p["id"] for p in result.report["properties"] if p["verdict"] == "violated"}
    return {"states": full or len(result.exploration.states), "stored": len(result.exploration.states),
            "complete": result.exploration.complete, "seconds": seconds, "violated": sorted(found & _exported_ids()),
            "base_bytes": before}
# ----------------------------------------------------------------------------------------------


def _release(name: str):  # noqa: ANN202
    from detachcheck.fsm.releases import RELEASES
    from detachcheck.fsm.variants import VARIANTS
    return VARIANTS[name].release() if name in VARIANTS else RELEASES[name]


def _exported_ids() -> set[str]:
    from detachcheck.checker.exports.invariants import EXPORTED_KINDS
    from detachcheck.properties import all_properties
    return {p.id for p in all_properties() if p.kind in EXPORTED_KINDS}


def child(kind: str, release: str, volumes: int, requests: int, processes: bool, max_states: int) -> None:
    """One of our measurements, in this fresh process: its figures as JSON, the last line on stdout."""
    if kind in ("search", "search-sym"):
        figures = ours_search(release, volumes, requests, processes, max_states, symmetry=kind == "search-sym")
    else:
        figures = ours_check(release, volumes, requests, processes, max_states, symmetry=kind == "check-sym")
    print(json.dumps(figures))


@dataclass
class Row:
    """One release and size: each tool's figures."""

    release: str
    size: str
    states: int = 0
    violated: list[str] = field(default_factory=list)
    figures: dict[str, dict] = field(default_factory=dict)
    """tool -> {states, seconds, peak_bytes, ...}"""
    skipped: str = ""
    large: bool = False
    """One of --large-sizes: only `detachcheck check` itself, figures under "command"."""


def parse_size(size: str) -> tuple[int, int]:
    volumes, requests = size[1:].split("r")
    return int(volumes), int(requests)


def measure_ours(kind: str, release: str, size: str, processes: bool, max_states: int, timeout: float) -> dict:
    """One of ours in a fresh process; its peak RSS measured as the other tools' is (`run_measured`)."""
    from detachcheck.checker.exports.tools import run_measured

    volumes, requests = parse_size(size)
    cmd = [sys.executable, str(Path(__file__).resolve()), "--child", kind, release, str(volumes), str(requests),
           "1" if processes else "0", str(max_states)]
    run = run_measured(cmd, Path.cwd(), timeout)
    if run.returncode != 0:
        raise RuntimeError(f"{kind} {release} {size}: {run.stdout.strip().splitlines()[-1:]}")
    figures = json.loads(run.stdout.strip().splitlines()[-1])
    figures["peak_bytes"] = run.peak_bytes
    return figures


def bench_one(release: str, size: str, processes: bool, max_states: int, timeout: float, tools: list[str]) -> Row:
    """Every tool on one release and size, cross-checked."""
    from detachcheck.checker.exports.tools import compile_pan, run_spin, run_tlc
    from detachcheck.checker.exports.write import build_export, write_export

    row = Row(release, size)
    search = measure_ours("search", release, size, processes, max_states, timeout)
    if not search["complete"]:
        row.skipped = f"over --max-states {max_states}"
        return row
    row.states, row.violated = search["states"], search["violated"]
    row.figures["search"] = search
    for kind in ("search-sym", "check", "check-sym"):
        if kind in tools:
            row.figures[kind] = measure_ours(kind, release, size, processes, max_states, timeout)
    volumes, requests = parse_size(size)
    export = build_export(_release(release), volumes, requests, processes=processes)
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp)
        tla = write_export(export, "tla", out)[0]
        pml = write_export(export, "promela", out)[0]
        for workers in (1, 2):
            if f"tlc{workers}" in tools:
                r = run_tlc(tla, workers=workers, timeout=timeout)
                row.figures[f"tlc{workers}"] = {"states": r.states, "seconds": r.seconds, "peak_bytes": r.peak_bytes,
                                                 "violated": sorted(r.violated)}
        if "spin" in tools:
            start = time.perf_counter()
            with tempfile.TemporaryDirectory() as build:
                compile_pan(pml, Path(build))
            built = time.perf_counter() - start
            bits = max(16, math.ceil(math.log2(row.states + 1)) + 1)
            r = run_spin(pml, depth=10_000, hash_bits=bits, timeout=timeout)
            row.figures["spin"] = {"states": r.states - 1, "seconds": r.seconds, "peak_bytes": r.peak_bytes,
                                   "violated": sorted(r.violated), "build_seconds": built, "hash_bits": bits}
    for tool, fig in row.figures.items():  # the cross-check
        if fig["states"] != row.states or sorted(fig["violated"]) != row.violated:
            raise AssertionError(f"{release} {size}: {LABELS[tool]} found {fig['states']} states and "
                                 f"{fig['violated']}, ours {row.states} and {row.violated}")
    return row


def bench_large(release: str, size: str, processes: bool, timeout: float) -> Row:
    """`detachcheck check` as a user runs it at a large size: wall time and peak RSS of the command."""
    from detachcheck.checker.exports.tools import run_measured

    volumes, requests = parse_size(size)
    row = Row(release, size, large=True)
    with tempfile.TemporaryDirectory() as tmp:
        cmd = [sys.executable, "-m", "detachcheck", "check", "--release", release, "--volumes", str(volumes),
               "--requests", str(requests), "--format", "json", "--reports", tmp]
        if not processes:
            cmd.append("--detach-only")
        run = run_measured(cmd, Path.cwd(), timeout)
    if run.returncode != 0:
        raise RuntimeError(f"check {release} {size}: {run.stdout.strip().splitlines()[-1:]}")
    report = json.loads(run.stdout[run.stdout.index("{"):])
    search = report["search"]
    row.states = search.get("symmetry", {}).get("full_states") or search["states"]
    row.violated = sorted(p["id"] for p in report["properties"] if p["verdict"] == "violated")
    row.figures["command"] = {"states": row.states, "stored": search["states"], "complete": search["complete"],
                              "seconds": run.seconds, "peak_bytes": run.peak_bytes, "violated": row.violated}
    return row


def large_markdown(rows: list[Row]) -> list[str]:
    """The large sizes' table (none: no lines)."""
    large = [r for r in rows if r.large]
    if not large:
        return []
    lines = ["", f"Larger sizes, ours alone: `detachcheck check --release R --volumes V --requests Q` (symmetry on, "
             "every property kind, likelihood, recoveries, reports written), the whole command's wall time "
             f"(interpreter start included) and peak RSS; goal: under {LARGE_GOAL:.0f} s each on this machine.", "",
             "| release | size | states | stored (symmetry) | s | full states/s | MiB | B/stored state "
             f"| under {LARGE_GOAL:.0f} s |", "|" + " --- |" * 2 + " ---: |" * 6 + " --- |"]
    for row in large:
        fig = row.figures["command"]
        lines.append(f"| {row.release} | {row.size} | {row.states:,} | {fig['stored']:,} | {fig['seconds']:.1f} | "
                     f"{fmt(row.states / fig['seconds'])} | {fig['peak_bytes'] / 2**20:,.0f} | "
                     f"{fmt(fig['peak_bytes'] / fig['stored'])} | "
                     f"{'yes' if fig['seconds'] < LARGE_GOAL and fig['complete'] else 'no'} |")
    return lines


def grown(row: Row, tool: str) -> int | None:
    """How far one of ours grew over the RSS it had before its timed work (None: not measured)."""
    fig = row.figures.get(tool)
    if fig is None or "base_bytes" not in fig:
        return None
    return max(0, fig["peak_bytes"] - fig["base_bytes"])


def rate(row: Row, tool: str) -> float | None:
    fig = row.figures.get(tool)
    return row.states / fig["seconds"] if fig and fig["seconds"] > 0 else None


def ratio(row: Row, a: str, b: str) -> str:
    """`a`'s states/s over `b`'s."""
    ra, rb = rate(row, a), rate(row, b)
    return fmt(ra / rb, ".2f") if ra and rb else "—"


def built_ratio(row: Row) -> str:
    """Our whole check with symmetry over SPIN counting what a user waits for: `spin -a`, gcc, `pan`."""
    check, spin = row.figures.get("check-sym"), row.figures.get("spin")
    if not check or not spin or check["seconds"] <= 0:
        return "—"
    return fmt((spin["seconds"] + spin["build_seconds"]) / check["seconds"], ".2f")


def fmt(x: float | None, spec: str = ",.0f") -> str:
    return "—" if x is None else format(x, spec)


def machine() -> str:
    """One line: CPU, cores, memory, OS, and the tools' versions."""
    from detachcheck.checker.exports.tools import missing_tlc, tlc_version

    cpu = next((ln.split(":", 1)[1].strip() for ln in Path("/proc/cpuinfo").read_text().splitlines()
                if ln.startswith("model name")), platform.processor() or platform.machine())
    mem = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30
    java = subprocess.run(["java", "-version"], capture_output=True, text=True).stderr.splitlines()[:1] \
        if missing_tlc() is None else ["no java"]
    spin = subprocess.run(["spin", "-V"], capture_output=True, text=True).stdout.strip()
    gcc = subprocess.run(["gcc", "--version"], capture_output=True, text=True).stdout.splitlines()[:1]
    tlc = tlc_version() if missing_tlc() is None else "no TLC"
    return (f"{cpu}, {os.cpu_count()} cores, {mem:.0f} GiB, {platform.system()} {platform.release()}; "
            f"Python {platform.python_version()}; {java[0] if java else 'java'}; {tlc}; {spin}; "
            f"{gcc[0] if gcc else 'gcc'}")


def markdown(rows: list[Row], args: argparse.Namespace, header: str) -> str:
    """The report: a comparison table, then every measured figure."""
    mode = "detach-only" if args.detach_only else "with instance operations"
    lines = ["# detachcheck against TLC and SPIN", "",
             f"Measured {header}.", "",
             f"`python bench/compare.py --releases {args.releases} --sizes {args.sizes} "
             f"--max-states {args.max_states} --large-sizes '{args.large_sizes}'"
             f"{' --detach-only' if args.detach_only else ''}` ({mode}). "
             "Each figure is one run in a fresh process; states/s is our distinct-state count over the tool's "
             "wall time (TLC: JVM start and parsing included; SPIN: `pan` only, its build is the last table's "
             "column). The goal ratios: our whole check over SPIN's search (goal >= 1), our search over "
             "TLC's (goal >= 3); SPIN with its build adds the `spin -a` and gcc time a user waits for on every "
             "model change. Peak bytes per state: the process's peak RSS over the states (a JVM, a "
             "Python interpreter and SPIN's hash table weigh on the small sizes). Every tool found the same "
             "distinct states (SPIN stores one more: the state before its initial assignment) and the same "
             "violated invariants; the symmetric check stores fewer states and is credited with the full "
             "count they stand for. Ours above the interpreter: peak RSS less the RSS the same process had "
             "before the timed work (Python, numpy, scipy and the compiled model loaded), per state; and the "
             "whole check's over the search's, both so measured (goal: search <= 32, check <= 3x search), without "
             "and with symmetry (the default check against the search of the same reduced model).", "",
             "| release | size | states | " + " | ".join(f"{LABELS[t]} st/s" for t in TOOLS)
             + " | check / SPIN | check sym / SPIN | check sym / SPIN with its build | search / TLC w1 "
             "| search / TLC w2 | B/state ours search "
             "| B/state ours check | B/state TLC w1 | B/state SPIN | B/state ours search above the interpreter "
             "| ours check / search above the interpreter | ours check sym / search sym above the interpreter |",
             "|" + " --- |" * 2 + " ---: |" * (len(TOOLS) + 13)]
    compared = [row for row in rows if not row.large]
    for row in compared:
        if row.skipped:
            lines.append(f"| {row.release} | {row.size} | {row.skipped} |" + " |" * (len(TOOLS) + 12))
            continue
        ratios = [ratio(row, "check", "spin"), ratio(row, "check-sym", "spin"), built_ratio(row),
                  ratio(row, "search", "tlc1"), ratio(row, "search", "tlc2")]
        per_state = [fmt(row.figures[t]["peak_bytes"] / row.states) if t in row.figures else "—"
                     for t in ("search", "check", "tlc1", "spin")]
        above = {t: grown(row, t) for t in ("search", "check", "search-sym", "check-sym")}
        per_state.append(fmt(above["search"] / row.states) if above["search"] is not None else "—")
        for check, search in (("check", "search"), ("check-sym", "search-sym")):
            per_state.append(fmt(above[check] / above[search], ".2f")
                             if above[search] and above[check] is not None else "—")
        lines.append(f"| {row.release} | {row.size} | {row.states:,} | "
                     + " | ".join(fmt(rate(row, t)) for t in TOOLS) + " | " + " | ".join(ratios) + " | "
                     + " | ".join(per_state) + " |")
    lines += ["", "Seconds and peak RSS (MiB) of every run, and the invariants violated:", "",
              "| release | size | " + " | ".join(f"{LABELS[t]} s | MiB" for t in TOOLS)
              + " | SPIN build s | violated |", "|" + " --- |" * 2 + " ---: |" * (2 * len(TOOLS) + 1) + " --- |"]
    for row in compared:
        if row.skipped:
            continue
        cells = []
        for t in TOOLS:
            fig = row.figures.get(t)
            cells += [fmt(fig["seconds"], ".2f"), fmt(fig["peak_bytes"] / 2**20, ".0f")] if fig else ["—", "—"]
        spin = row.figures.get("spin")
        lines.append(f"| {row.release} | {row.size} | " + " | ".join(cells) + " | "
                     + (fmt(spin["build_seconds"], ".1f") if spin else "—") + " | "
                     + (", ".join(row.violated) or "none") + " |")
    return "\n".join(lines + large_markdown(rows)) + "\n"


def plot(rows: list[Row], path: Path) -> None:
    """States/s and peak bytes per state against states: a colour per tool, a marker per release."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    colours = dict(zip(TOOLS, ("tab:blue", "tab:olive", "tab:cyan", "tab:purple", "tab:red", "tab:orange", "tab:green"),
                       strict=True))
    releases = list(dict.fromkeys(r.release for r in rows))
    markers = dict(zip(releases, "os^vDPX*" * 4, strict=False))
    fig, (speed, memory) = plt.subplots(1, 2, figsize=(13, 5.5))
    for release in releases:
        done = sorted((r for r in rows if r.release == release and not r.skipped and not r.large),
                      key=lambda r: r.states)
        for tool in TOOLS:
            pts = [(r.states, rate(r, tool), r.figures[tool]["peak_bytes"] / r.states) for r in done
                   if tool in r.figures]
            if not pts:
                continue
            style = {"color": colours[tool], "marker": markers[release],
                     "linestyle": "--" if tool.startswith("check") else "-"}
            label = f"{LABELS[tool]}, {release}"
            speed.plot([p[0] for p in pts], [p[1] for p in pts], label=label, **style)
            memory.plot([p[0] for p in pts], [p[2] for p in pts], **style)
    for ax, title in ((speed, "distinct states per second"), (memory, "peak RSS bytes per state")):
        ax.set_xscale("log")
        ax.set_yscale("log")
        ax.set_xlabel("distinct states (model size)")
        ax.set_title(title)
        ax.grid(True, which="both", alpha=0.3)
    fig.legend(loc="lower center", ncol=len(releases) and 5, fontsize=7, frameon=False)
    fig.tight_layout(rect=(0, 0.05 * max(1, len(releases)), 1, 1))
    tmp = path.with_suffix(".tmp.png")
    fig.savefig(tmp, dpi=100, metadata={"Software": None})
    plt.close(fig)
    os.replace(tmp, path)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--releases", default=DEFAULT_RELEASES, help="comma-separated releases or variants, or all")
    parser.add_argument("--sizes", default=DEFAULT_SIZES, help="comma-separated vNrM, smallest first")
    parser.add_argument("--max-states", type=int, default=350_000,
                        help="skip a size with more states, and every larger one (default 350000)")
    parser.add_argument("--large-sizes", default=DEFAULT_LARGE,
                        help="comma-separated vNrM run by `detachcheck check` alone ('' for none)")
    parser.add_argument("--timeout", type=float, default=1200.0, help="seconds per tool run")
    parser.add_argument("--tools", default=",".join(TOOLS), help=f"comma-separated subset of {','.join(TOOLS)}")
    parser.add_argument("--detach-only", action="store_true", help="no instance operations")
    parser.add_argument("--out", type=Path, default=Path("reports"), help="where bench.md and bench.png go")
    parser.add_argument("--replot", action="store_true", help="only redraw <out>/bench.png from <out>/bench.json")
    parser.add_argument("--child", nargs=6, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.replot:
        plot([Row(**r) for r in json.loads((args.out / "bench.json").read_text())], args.out / "bench.png")
        return
    if args.child:
        kind, release, volumes, requests, processes, cap = args.child
        child(kind, release, int(volumes), int(requests), processes == "1", int(cap))
        return
    from detachcheck.checker.exports.tools import missing_spin, missing_tlc
    from detachcheck.fsm.releases import RELEASES

    tools = [t for t in args.tools.split(",") if t]
    unknown = set(tools) - set(TOOLS)
    if unknown or "search" not in tools:
        raise SystemExit(f"compare: --tools must include search, from {', '.join(TOOLS)}")
    for missing, names in ((missing_tlc(), ("tlc1", "tlc2")), (missing_spin(), ("spin",))):
        if missing and set(names) & set(tools):
            raise SystemExit(f"compare: {missing}")
    releases = list(RELEASES) if args.releases == "all" else args.releases.split(",")
    load = "load average at start {:.1f} {:.1f} {:.1f}".format(*os.getloadavg())
    header = f"{datetime.date.today().isoformat()} on {machine()}; {load}"
    print(f"# {header}", flush=True)
    rows: list[Row] = []
    for release in releases:
        over: list[tuple[int, int]] = []  # sizes over the cap: every size at least as large in both is too
        for size in args.sizes.split(","):
            volumes, requests = parse_size(size)
            if any(v <= volumes and r <= requests for v, r in over):
                rows.append(Row(release, size, skipped=f"larger than a size over --max-states {args.max_states}"))
                continue
            row = bench_one(release, size, not args.detach_only, args.max_states, args.timeout, tools)
            rows.append(row)
            if row.skipped:
                over.append((volumes, requests))
                print(f"{release} {size}: {row.skipped}", flush=True)
                continue
            print(f"{release} {size}: {row.states:,} states; "
                  + ", ".join(f"{LABELS[t]} {fmt(rate(row, t))}/s" for t in tools), flush=True)
    for release in releases:
        for size in filter(None, args.large_sizes.split(",")):
            row = bench_large(release, size, not args.detach_only, args.timeout)
            rows.append(row)
            print(f"{release} {size}: detachcheck check {row.figures['command']['seconds']:.1f} s, "
                  f"{row.states:,} states", flush=True)
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "bench.json.tmp").write_text(json.dumps([asdict(r) for r in rows], indent=1) + "\n")
    os.replace(args.out / "bench.json.tmp", args.out / "bench.json")  # first: the figures outlive a report bug
    text = markdown(rows, args, header + ", at the end {:.1f} {:.1f} {:.1f}".format(*os.getloadavg()))
    tmp = args.out / "bench.md.tmp"
    tmp.write_text(text)
    os.replace(tmp, args.out / "bench.md")
    plot(rows, args.out / "bench.png")
    print(text)


if __name__ == "__main__":
    main()
