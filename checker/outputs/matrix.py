"""The release-by-property matrix, built from the per-release reports."""

from __future__ import annotations

from typing import Any

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
        rows.append({"id": prop["id"], "kind": prop["kind"],
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
    lines += [f"| property | kind | {head} |", "|---|---|" + "---|" * len(m["releases"])]
    for row in m["properties"]:
        lines.append(f"| `{row['id']}` | {row['kind']} | " + " | ".join(cell(c) for c in row["cells"]) + " |")
    for row in m["incidents"]:
        lines.append(f"| `{row['id']}` | incident | " + " | ".join(cell(c) for c in row["cells"]) + " |")
    lines.append("| states | | " + " | ".join(str(r["states"]) for r in m["releases"]) + " |")
    return "\n".join(lines) + "\n"


def matrix_table(m: dict[str, Any]) -> Table:
    """The same matrix for the terminal."""
    table = Table(title="release-by-property matrix (shortest counterexample length; /N: the shortest path with no "
                        "narrow window takes N steps; narrow: only narrow-window paths)")
    table.add_column("property")
    for r in m["releases"]:
        table.add_column(r["name"], justify="center")
    for row in [*m["properties"], *m["incidents"]]:
        cells = []
        for c in row["cells"]:
            text = str(c["length"]) if c["length"] is not None else ""
            lk = c.get("likelihood")
            text += f"/{lk}" if isinstance(lk, int) else (" narrow" if lk == "narrow window only" else "")
            if c["verdict"] in FAILING:
                cells.append(f"[red]✗ {text}[/red]")
            elif c["verdict"] in ("holds", "unreachable"):
                cells.append("[green]✓[/green]")
            elif c["verdict"] == "holds (vacuous)":
                cells.append("[yellow]✓ vacuous[/yellow]")
            elif c["verdict"] in ("witnessed", "reached"):
                cells.append(f"[yellow]● {text}[/yellow]" if row.get("kind") is None else f"[green]● {text}[/green]")
            else:
                cells.append("?")
        table.add_row(row["id"], *cells)
    return table
