"""Render report data as a terminal table, Markdown or JSON."""

from __future__ import annotations

import hashlib
import json
import re
from pathlib import Path
from typing import Any

import jinja2
from jinja2 import BytecodeCache, Environment, FileSystemBytecodeCache, FileSystemLoader, StrictUndefined
from jinja2.bccache import Bucket
from rich.console import Console
from rich.table import Table
from rich.text import Text

from detachcheck.checker.likelihood import short
from detachcheck.checker.outputs.report import FAILING
from detachcheck.checker.outputs.sequence import mermaid
from detachcheck.checker.trace import Replay

TEMPLATE_DIR = Path(__file__).parent / "templates"


class _Cache(FileSystemBytecodeCache):
    """Jinja's cache of compiled templates, in the user's own directory under the system's temporary
    one: a command need not compile them again (~80 ms). Jinja names an entry by the template's
    name and path and checks the template's source against it; what compiled it (jinja2's version,
    the environment's options) the file name must say (`template_cache`). A cache that cannot be
    written, or an entry that cannot be read, is skipped."""

    def dump_bytecode(self, bucket: Bucket) -> None:
        try:
            super().dump_bytecode(bucket)
        except OSError:
            pass

    def load_bytecode(self, bucket: Bucket) -> None:
        try:
            super().load_bytecode(bucket)
        except Exception:  # a damaged entry: compile again
            bucket.reset()


def template_cache(kind: str, defined_in: Path) -> BytecodeCache | None:
    """The compiled-template cache of one environment: `kind` names it, `defined_in` is the module
    that sets its options (a digest of that module and jinja2's version are in every file name, so a
    changed option or another jinja2 never reads an entry compiled before), or None where no safe
    directory for it can be made."""
    digest = hashlib.sha256(defined_in.read_bytes() + jinja2.__version__.encode()).hexdigest()[:16]
    try:
        return _Cache(pattern=f"__detachcheck_{kind}_{digest}_%s.cache")
    except (OSError, RuntimeError):
        return None


WIDE = 120
"""From this terminal width on, the verdict table gives meanings their own column."""
_TEMPLATES = Environment(loader=FileSystemLoader(TEMPLATE_DIR), undefined=StrictUndefined, keep_trailing_newline=True,
                         autoescape=False, bytecode_cache=template_cache("text", Path(__file__)))


def to_json(report: dict[str, Any]) -> str:
    """The report as JSON text (stable key order, trailing newline)."""
    return json.dumps(report, indent=2, ensure_ascii=False) + "\n"


def to_markdown(report: dict[str, Any]) -> str:
    """The report as Markdown: property table, then each path as numbered protocol steps."""
    text = _TEMPLATES.get_template("report.md.j2").render(r=report, mermaid=mermaid, short=short)
    text = "\n".join(line.rstrip() for line in text.splitlines())
    return re.sub(r"\n{3,}", "\n\n", text).strip() + "\n"


def verdict_table(report: dict[str, Any], wide: bool = True) -> Table:
    """The property / kind / meaning / verdict / length table for the terminal; on a narrow terminal
    (`wide` False) each meaning goes under its property id."""
    rel = report["release"]
    table = Table(title=f"{rel['name']} (Nova {rel['nova']}): {report['scenario']['volumes']} data volume(s), "
                        f"{report['scenario']['requests']} request(s)")
    longest = max((len(p["id"]) for p in report["properties"]), default=8)
    table.add_column("property: meaning" if not wide else "property", overflow="fold", min_width=longest)
    table.add_column("kind", overflow="fold")
    if wide:
        table.add_column("meaning", overflow="fold")
    table.add_column("verdict", overflow="fold")
    table.add_column("length", justify="right")
    if wide:
        table.add_column("likelihood", overflow="fold")
    for p in report["properties"]:
        style = "red" if p["verdict"] in FAILING else ("yellow" if p["verdict"] == "unknown" or p["vacuous"]
                                                       else "green")
        shown = f"{p['verdict']} (vacuous)" if p["vacuous"] else p["verdict"]
        meaning = Text(p["meaning"].replace("`", ""), style="dim" if not wide else "")
        first = [p["id"], p["kind"], meaning] if wide else [Text.assemble(p["id"], "\n", meaning), p["kind"]]
        verdict = Text(shown, style=style)
        if not wide and short(p):
            verdict.append("\n" + short(p), style="dim")
        length = "" if p["length"] is None else str(p["length"]) + (" (lasso)" if p.get("cycle") else "")
        table.add_row(*first, verdict, length, *([short(p)] if wide else []))
    return table


def _print_steps(steps: list[dict[str, Any]], console: Console) -> None:
    for step in steps:
        keys = "".join(f" {k}={v}" for k, v in step["keys"].items())
        console.print(f"  {step['n']:>2}. {step['step']}:{step['outcome']}{keys}  ({step['actor']})",
                      markup=False, highlight=False, style="red" if step["fault"] else None)
        for c in step["changes"]:
            console.print(f"        {c['component']}: {c['from']} -> {c['to']}", markup=False, highlight=False)


def _print_likely_and_recovery(p: dict[str, Any], console: Console) -> None:
    lk = p.get("likelihood")
    if lk and lk["window"]:
        needs = "the path above needs" if lk["verdict"] == "likely" else "needs"
        console.print(f"  likelihood: {lk['verdict']}: {needs} {lk['window']}", markup=False, highlight=False)
        if lk["likely_path"]:
            console.print(f"  the shortest path with no narrow window takes {lk['likely_length']} steps:",
                          markup=False)
            _print_steps(lk["likely_path"], console)
    elif lk:
        console.print("  likelihood: likely (no narrow window)", markup=False)
    if "recovery" not in p:
        return
    rec = p["recovery"]
    if rec is None:
        console.print("  recovery: none with this release's tools", markup=False, style="bold red")
        return
    console.print(f"  recovery ({rec['steps']} steps): " + ("; ".join(rec["commands"]) or "nothing to type"),
                  markup=False, highlight=False)
    for h in rec["host_cleanup"]:
        console.print(f"    by hand: {h}", markup=False, highlight=False)


def print_text(report: dict[str, Any], seconds: float, console: Console) -> None:
    """Table, then each counterexample (with the time, which the report files never hold)."""
    console.print(verdict_table(report, wide=console.width >= WIDE))
    s = report["search"]
    console.print(f"states: {s['states']}  transitions: {s['transitions']}  depth: {s['depth']}  "
                  f"seconds: {seconds:.2f}")
    if s.get("symmetry"):
        full = s["symmetry"]["full_states"]
        console.print(f"symmetry reduced (group of {s['symmetry']['group_order']})"
                      + (f": {full} states without reduction" if full is not None else ""))
    if not s["complete"] or s.get("partial"):
        part = s.get("partial") or {}
        limit = f"--max-seconds {part['max_seconds']}" if part.get("stopped_by") == "max-seconds" \
            else f"--max-states {s['max_states']}"
        console.print(f"[yellow]search stopped at {limit}: properties not violated "
                      "in the states checked are reported 'unknown', not 'holds'[/yellow]")
        if part:
            console.print(f"covered: {part['states_checked']} states checked, every state to depth "
                          f"{part['depth_completed']} expanded; phases run: {', '.join(part['phases'])}")
    for i in report["incidents"]:
        reach = f"reached in {i['length']} steps" if i["length"] is not None else i["verdict"]
        console.print(f"incident {i['id']}: {reach}" + (f" ({short(i)})" if short(i) else ""),
                      markup=False, highlight=False)
    for p in report["properties"]:
        if p["verdict"] not in FAILING or not p["path"]:
            continue
        console.print(f"\n[bold]{p['id']}[/bold] ({p['kind']}) {p['verdict']} in {p['length']} steps:")
        if p["start"]:
            console.print("  from " + ", ".join(f"{k}={v}" for k, v in p["start"].items()), markup=False)
        _print_steps(p["path"], console)
        if p["cycle"] is not None:
            if p["cycle"]:
                console.print("  then this cycle repeats forever:")
                _print_steps(p["cycle"], console)
            else:
                console.print("  then it stays there forever: no fair step is enabled")
        if p["culprits"]:
            console.print("  breaks it: " + ", ".join(f"{k}={v}" for k, v in p["culprits"].items()),
                          markup=False, style="bold red")
        if p["stuck"]:
            console.print(f"  stuck: {p['stuck']['reachable_states']} states reachable from here, none consistent; "
                          f"tried: {', '.join(p['stuck']['tried'])}", markup=False, highlight=False)
        _print_likely_and_recovery(p, console)


def compare_text(result: dict[str, Any], console: Console, markdown: bool = False) -> None:
    """What a variant changes: flipped verdicts, vanished and new counterexamples, states."""
    b, v = result["base"], result["variant"]
    st = result["states"]
    lines = [f"# {b['name']} -> {v['name']}" if markdown else f"{b['name']} -> {v['name']}: {v['summary']}", ""]
    if markdown:
        lines += [v["summary"] + ".", ""]
    complete = result["search"]["complete"]
    stopped = [side for side in ("base", "variant") if not complete[side]]
    lines.append(f"states: {st['base']} -> {st['variant']} (gained {st['gained']}, lost {st['lost']})"
                 + (" among the states explored" if stopped else ""))
    if stopped:
        limit = result["search"]["max_states"]
        lines.append(f"search stopped{f' at --max-states {limit}' if limit else ' early'} ({' and '.join(stopped)}): "
                     "verdicts it did not settle are unknown, and no flip is reported for them")
    lines.append("")
    changed = [p for p in result["properties"] if p["change"] not in ("same", "unsettled")]
    unsettled = [p["id"] for p in result["properties"] if p["change"] == "unsettled"]
    if not changed:
        lines.append("no settled property changes verdict or counterexample" if unsettled
                     else "no property changes verdict or counterexample")
    for p in changed:
        bl = "" if p["base_length"] is None else f" ({p['base_length']})"
        vl = "" if p["variant_length"] is None else f" ({p['variant_length']})"
        lines.append(f"{'- ' if markdown else ''}{p['id']}: {p['base']}{bl} -> {p['variant']}{vl}  [{p['change']}]")
        for key, path in (("vanished", p["vanished"]), ("appeared", p["appeared"])):
            if path:
                steps = ", ".join(f"{s['step']}:{s['outcome']}" for s in path)
                lines.append(f"{'  ' if markdown else '    '}{key}: {steps}")
    if unsettled:
        lines.append(f"{'- ' if markdown else ''}unsettled (unknown on a side): {', '.join(unsettled)}")
    for i in result["incidents"]:
        if "unknown" in (i["base"], i["variant"]):
            continue
        if i["base"] != i["variant"] or i["base_length"] != i["variant_length"]:
            lines.append(f"{'- ' if markdown else ''}incident {i['id']}: {i['base']} ({i['base_length']}) -> "
                         f"{i['variant']} ({i['variant_length']})")
    for line in lines:
        console.print(line, markup=False, highlight=False)


def replay_data(result: Replay) -> dict[str, Any]:
    """A replay as plain data (the JSON output)."""
    return {"release": result.release, "volumes": result.volumes, "requests": result.requests,
            "steps": [{"line": s["line"], "step": s["step"], "outcome": s["outcome"], "keys": s["keys"],
                       "changes": s["changes"]} for s in result.steps],
            "violations": result.violations, "final_state": result.final, "final_at_rest": result.final_at_rest}


def replay_text(result: Replay, console: Console) -> None:
    """Each step with what it changed, then the violations and the final at-rest verdicts."""
    console.print(f"replay on {result.release}: {result.volumes} data volume(s), {result.requests} request(s)",
                  markup=False)
    for s in result.steps:
        keys = "".join(f" {k}={v}" for k, v in s["keys"].items())
        console.print(f"{s['n']:>3}. {s['step']}:{s['outcome']}{keys}  ({s['actor']}, line {s['line']})",
                      markup=False, highlight=False)
        for c in s["changes"]:
            console.print(f"       {c['component']}: {c['from']} -> {c['to']}", markup=False, highlight=False)
    if result.violations:
        for v in result.violations:
            console.print(f"violated: {v['id']} ({v['kind']}) first at step {v['step']} (line {v['line']})",
                          markup=False, style="red")
    else:
        console.print("no property violated along the way", markup=False)
    if result.final_at_rest:
        bad = [p["id"] for p in result.final_at_rest if not p["holds"]]
        console.print("at rest at the end; " + (f"breaks: {', '.join(bad)}" if bad else "every at_rest property holds"),
                      markup=False)
    else:
        console.print("not at rest at the end (a request is in flight)", markup=False)
