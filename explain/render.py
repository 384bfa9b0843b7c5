"""An explanation (report.py's data) as text for a terminal (rich, at most 80 columns), as Markdown and
as JSON."""

from __future__ import annotations

import json
import textwrap
from typing import Any

from rich import box
from rich.console import Console
from rich.table import Table
from rich.text import Text

WIDTH = 80
COMMANDS = ("nova", "cinder", "nova-manage", "systemctl")


def _meaning(pid: str) -> str:
    from detachcheck.properties import REGISTRY
    return REGISTRY[pid].meaning if pid in REGISTRY else ""


def _bullets(console: Console, items: list[str], mark: str = "-") -> None:
    """Items under a heading, each wrapped with a hanging indent (a recovery: `$` before each command)."""
    for item in items:
        if mark == "$" and item.split(" ", 1)[0] in COMMANDS:
            # Printed as is, unpadded: a shell must read the ` \` continuations.
            console.print(Text("  $ " + shell_lines(item, console.width - 4).replace("\n", "\n    ")),
                          soft_wrap=True, emoji=False)
            continue
        grid = Table.grid(padding=(0, 1))
        grid.add_column(no_wrap=True)
        grid.add_column(overflow="fold")
        sign = mark if mark != "$" else ("" if item.startswith("#") else "-")
        grid.add_row(Text(f"  {sign}"), Text(item))
        console.print(grid, emoji=False)


def shell_lines(command: str, width: int) -> str:
    """A command as it can be pasted into a shell: long lines continued with ` \\`, never broken
    inside a word; a note after it (`   (...)`) on a comment line of its own."""
    command, sep, note = command.partition("   (")
    lines = textwrap.wrap(command, max(20, width - 2), break_long_words=False, break_on_hyphens=False)
    text = " \\\n  ".join(lines)
    return text + (f"\n# ({note}" if sep else "")


def to_json(data: dict[str, Any]) -> str:
    """Stable JSON text (the same data gives the same bytes)."""
    return json.dumps(data, indent=2, ensure_ascii=False, sort_keys=False) + "\n"


def _step(row: dict[str, Any]) -> str:
    return f"{row['step']}:{row['outcome']}"


def _verdict_line(data: dict[str, Any]) -> str:
    if data["fits"]:
        return f"a path of the {data['release']} model prints these lines, in this order"
    u = data["first_unmatched"]
    return (f"no path of the {data['release']} model fits: the first {data['search']['matched']} lines fit, "
            f"{u['file']}:{u['line']} does not") if u else "no path fits"


def print_text(data: dict[str, Any], console: Console) -> None:
    """The explanation on a terminal, within 80 columns."""
    console.width = min(console.width, WIDTH)

    def out(*items: Any, **options: Any) -> None:
        console.print(*items, emoji=False, **options)
    out(f"[bold]volume[/bold] {data['volume']}", overflow="fold")
    out(f"[bold]instance[/bold] {data['instance'] or 'unknown'}", overflow="fold")
    given = data["release_evidence"][:1] == [f"--release {data['release']}"]
    out(f"[bold]release[/bold] {data['release']} ({'given' if given else 'inferred from the logs'})")
    if not given:
        _bullets(console, data["release_evidence"])
    services = ", ".join(f"{s['service']} ({'DEBUG' if s['debug'] else 'INFO'})" for s in data["services"])
    out(f"[bold]logs[/bold] {len(data['files'])} file(s), {data['lines_read']} lines: {services}", overflow="fold")

    table = Table(title="What happened (silent: prints nothing in the logs given, at their levels)", box=box.SIMPLE,
                  title_justify="left", expand=False, show_edge=False)
    table.add_column("req", justify="right", no_wrap=True)
    table.add_column("step", overflow="fold")
    table.add_column("seen at", overflow="fold")
    first = {}
    for o in data["observed"]:
        first.setdefault(o["observation"], o)
    for p in data["path"]:
        where = ""
        o = first.get(p["observation"]) if p["observed"] else None
        if o is not None:
            where = f"{o['file'].rsplit('/', 1)[-1]}:{o['line']} {o['time'].split(' ')[-1]}"
        elif not p["note"]:
            where = "silent"
        style = "" if p["observed"] else "dim"
        note = f" [{p['note'].split(':')[0]}]" if p["note"] else ""
        table.add_row(Text(str(p["request"] or "")), Text(f"{_step(p)}{note}"), Text(where), style=style)
    out(table)
    out(f"[bold]fits[/bold] {'yes' if data['fits'] else 'no'}: {_verdict_line(data)}", overflow="fold")
    _bullets(console, data["assumed"])
    if data["first_unmatched"]:
        u = data["first_unmatched"]
        _bullets(console, [f"first line that does not fit: {u['file']}:{u['line']} {u['text']}", u["reason"],
                           *([f"the model allowed: {', '.join(u['enabled'])}"] if u["enabled"] else [])])

    ends = data["end_states"]
    states = Table(title=f"Now ({ends['count']} candidate state{'s' * (ends['count'] != 1)})", box=box.SIMPLE,
                   title_justify="left", show_edge=False)
    states.add_column("component", no_wrap=True)
    states.add_column("state", overflow="fold")
    for k, v in ends["certain"].items():
        states.add_row(Text(k), Text(v))
    for k, vs in ends["uncertain"].items():
        states.add_row(Text(k), Text(" | ".join(vs) + "  (uncertain)"), style="yellow")
    out(states)
    _bullets(console, data["in_flight"])
    out("[bold]violated[/bold] (in every candidate)" + ("" if data["violated"] else " none"))
    _bullets(console, [f"{p}: {_meaning(p)}" for p in data["violated"]])
    out("[bold]at risk[/bold] (in some, or reachable with no operator action)" + ("" if data["at_risk"] else " none"))
    _bullets(console, [f"{p}: {_meaning(p)}" for p in data["at_risk"]])
    if data["incidents"]:
        out("[bold]known bug[/bold]")
        _bullets(console, [i["text"] for i in data["incidents"]])
    out("[bold]recovery[/bold]" + ("" if data["recovery"] else " none found"))
    _bullets(console, data["recovery"], "$")
    _bullets(console, [data["recovery_note"]] if data["recovery_note"] else [])
    _bullets(console, [f"on the host: {line}" for line in data["host_cleanup"]])
    extra = " (--verbose lists them)" if "unrecognised_lines" not in data else ""
    out(f"[bold]unrecognised lines[/bold] {data['unrecognised']}{extra}")
    _bullets(console, [f"{u['file']}:{u['line']} {u['text']}" for u in data.get("unrecognised_lines", [])])


def _md_cell(text: Any) -> str:
    return str(text).replace("|", "\\|").replace("\n", " ")


def to_markdown(data: dict[str, Any]) -> str:
    """The explanation as Markdown."""
    lines = [f"# detachcheck explain: volume `{data['volume']}`", "",
             f"- instance: `{data['instance'] or 'unknown'}`", f"- release: **{data['release']}**"]
    lines += [f"  - {e}" for e in data["release_evidence"]]
    lines += [f"- logs: {len(data['files'])} file(s), {data['lines_read']} lines: "
              + ", ".join(f"{s['service']} ({'DEBUG' if s['debug'] else 'INFO'})" for s in data["services"]), "",
              "## What happened", "", "| req | step | observed | note |", "|---|---|---|---|"]
    for p in data["path"]:
        lines.append(f"| {p['request'] or ''} | `{_step(p)}` | {'yes' if p['observed'] else 'silent'} | "
                     f"{_md_cell(p['note'])} |")
    lines += ["", "## Observed lines", "", "| file:line | time | req | step | text |", "|---|---|---|---|---|"]
    for o in data["observed"]:
        lines.append(f"| {_md_cell(o['file'])}:{o['line']} | {o['time']} | {o['request'] or ''} | "
                     f"`{_md_cell(_step(o))}` | {_md_cell(o['text'])} |")
    lines += ["", f"**Fits:** {'yes' if data['fits'] else 'no'}: {_verdict_line(data)}"]
    lines += [f"- {a}" for a in data["assumed"]]
    if data["first_unmatched"]:
        u = data["first_unmatched"]
        lines += [f"- first line that does not fit: `{u['file']}:{u['line']}` {u['text']}", f"- {u['reason']}",
                  f"- the model allowed: {', '.join(u['enabled']) or 'nothing'}"]
    ends = data["end_states"]
    lines += ["", f"## Now: {ends['count']} candidate state{'s' * (ends['count'] != 1)}", "",
              "| component | state |", "|---|---|"]
    lines += [f"| {k} | {_md_cell(v)} |" for k, v in ends["certain"].items()]
    lines += [f"| {k} | {_md_cell(' or '.join(vs))} (uncertain) |" for k, vs in ends["uncertain"].items()]
    lines += [""] + [f"- in flight: {x}" for x in data["in_flight"]]
    lines += [f"- **violated:** {', '.join(data['violated']) or 'none'}",
              f"- **at risk:** {', '.join(data['at_risk']) or 'none'}"]
    lines += [f"- **known bug:** {i['text']} ({i['source']})" for i in data["incidents"]]
    lines += ["", "## Recovery", ""]
    lines += ["```", *data["recovery"], "```"] if data["recovery"] else ["none found"]
    if data["recovery_note"]:
        lines += ["", data["recovery_note"]]
    lines += [f"- on the host: {h}" for h in data["host_cleanup"]]
    lines += ["", f"Unrecognised lines: {data['unrecognised']}"]
    lines += [f"- `{u['file']}:{u['line']}` {_md_cell(u['text'])}" for u in data.get("unrecognised_lines", [])]
    return "\n".join(line.rstrip() for line in lines) + "\n"
