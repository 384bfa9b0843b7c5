"""The release-by-property matrix, built from the per-release reports."""

from __future__ import annotations

from typing import Any

from rich import box
from rich.table import Table

from detachcheck.checker.outputs.report import FAILING


def cell(entry: dict[str, Any]) -> str:
    """`violated (8)`, `violated (7; likely in 11)`, `holds`, `witnessed (5)`, ..."""
    if entry["length"] is None:
        return entry["verdict"]
    lk = entry.get("likelihood")
    if lk == "narrow window only":
        return f"{entry['verdict']} ({entry['length']}; narrow window only)"
    if lk and lk != "likely":
        return f"{entry['verdict']} ({entry['length']}; likely in {lk})"
    return f"{entry['verdict']} ({entry['length']})"


def _likely(entry: dict[str, Any]) -> str | int | None:
    """`likely`, the likely path's length, `narrow window only`, or None (no counterexample)."""
    lk = entry.get("likelihood")
    if not lk:
        return None
    return lk["likely_length"] if lk["verdict"] == "narrow window" else lk["verdict"]


def build_matrix(reports: list[dict[str, Any]], stems: list[str]) -> dict[str, Any]:
    """Properties (and incidents) as rows, releases as columns."""
    first = reports[0]
    rows = []
    for i, prop in enumerate(first["properties"]):
        rows.append({"id": prop["id"], "kind": prop["kind"], "meaning": prop["meaning"],
                     "cells": [{"verdict": "holds (vacuous)" if r["properties"][i]["vacuous"]
                                else r["properties"][i]["verdict"], "length": r["properties"][i]["length"],
                                "likelihood": _likely(r["properties"][i])}
                               for r in reports]})
    incidents = []
    for i, inc in enumerate(first["incidents"]):
        incidents.append({"id": inc["id"], "cells": [{"verdict": r["incidents"][i]["verdict"],
                                                      "length": r["incidents"][i]["length"],
                                                      "likelihood": _likely(r["incidents"][i])} for r in reports]})
    return {
        "scenario": {k: first["scenario"][k] for k in ("volumes", "requests", "operator", "processes")},
        "releases": [{"name": r["release"]["name"], "nova": r["release"]["nova"], "report": f"{stem}.md",
                      "states": r["search"]["states"], "complete": r["search"]["complete"]}
                     for r, stem in zip(reports, stems, strict=True)],
        "properties": rows,
        "incidents": incidents,
    }


def matrix_markdown(m: dict[str, Any]) -> str:
    """The matrix as a Markdown table, each column linked to its release report."""
    sc = m["scenario"]
    lines = ["# detachcheck: release-by-property matrix", "",
             f"Scenario: root volume + {sc['volumes']} data volume(s), {sc['requests']} racing detach request(s)"
             f"{', operator recovery interleaving' if sc['operator'] else ''}"
             f"{'' if sc['processes'] else ', detach only (no instance operations)'}. "
             "Cells: verdict (shortest counterexample or witness length, in protocol steps; when that path needs a "
             "narrow window — a slow step or a whole process inside one nova-api request — the length of the "
             "shortest path that needs none, or `narrow window only`).", ""]
    head = " | ".join(f"[{r['name']}]({r['report']})" for r in m["releases"])
    lines += [f"| property | kind | meaning | {head} |", "|---|---|---|" + "---|" * len(m["releases"])]
    for row in m["properties"]:
        lines.append(f"| `{row['id']}` | {row['kind']} | {row.get('meaning', '')} | "
                     + " | ".join(cell(c) for c in row["cells"]) + " |")
    for row in m["incidents"]:
        lines.append(f"| `{row['id']}` | incident | | " + " | ".join(cell(c) for c in row["cells"]) + " |")
    lines.append("| states | | | " + " | ".join(str(r["states"]) for r in m["releases"]) + " |")
    return "\n".join(lines) + "\n"


LEGEND = ("✗ N violated or not witnessed (N: shortest counterexample, in steps); ✓ holds (incidents: unreachable); "
          "✓ vacuous (✓*): holds, but its witness is never reached; ● N witnessed (incidents: reached in N steps); "
          "? unknown: the search stopped before settling it; N/L: the shortest path with no narrow window takes L "
          "steps; N~: only narrow-window paths")
"""What the terminal matrix's symbols mean (printed under it)."""


def _symbol(c: dict[str, Any], incident: bool, compact: bool) -> str:
    text = str(c["length"]) if c["length"] is not None else ""
    lk = c.get("likelihood")
    text += f"/{lk}" if isinstance(lk, int) else ("~" if lk == "narrow window only" else "")
    sep = "" if compact else " "
    if c["verdict"] in FAILING:
        return f"[red]✗{sep}{text}[/red]"
    if c["verdict"] in ("holds", "unreachable"):
        return "[green]✓[/green]"
    if c["verdict"] == "holds (vacuous)":
        return "[yellow]✓*[/yellow]" if compact else "[yellow]✓ vacuous[/yellow]"
    if c["verdict"] in ("witnessed", "reached"):
        return f"[yellow]●{sep}{text}[/yellow]" if incident else f"[green]●{sep}{text}[/green]"
    return "?"


def matrix_table(m: dict[str, Any], width: int = 200) -> Table:
    """The same matrix for the terminal; narrower than it needs, releases become numbered columns
    (the key is under the table) and cells compact."""
    rows = [*m["properties"], *m["incidents"]]
    names = [r["name"] for r in m["releases"]]
    longest = max(len(row["id"]) for row in rows)
    compact = width < longest + 4 + sum(max(len(n), 9) + 3 for n in names)
    key = "   ".join(f"{i} {n}" for i, n in enumerate(names, start=1))
    caption = f"{LEGEND}\nreleases: {key}" if compact else LEGEND
    table = Table(title="release-by-property matrix (shortest counterexample length)", caption=caption,
                  caption_justify="left", box=box.SIMPLE_HEAD if compact else box.HEAVY_HEAD,
                  padding=(0, 1, 0, 0) if compact else (0, 1), pad_edge=not compact, show_edge=not compact)
    table.add_column("property", no_wrap=True)
    for i, name in enumerate(names, start=1):
        table.add_column(str(i) if compact else name, justify="center", no_wrap=compact,
                         width=3 if compact else None)
    for row in rows:
        incident = row.get("kind") is None
        table.add_row(row["id"], *(_symbol(c, incident, compact) for c in row["cells"]))
    return table
