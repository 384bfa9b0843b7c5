"""What the model offers, for a person: properties, releases and variants (the `properties` and
`releases` subcommands, `compare --help`)."""

from __future__ import annotations

from typing import Any

from rich.table import Table
from rich.text import Text

from detachcheck.fsm.releases import RELEASES, SWITCH_DOCS
from detachcheck.fsm.variants import VARIANTS
from detachcheck.properties import all_properties


def properties_data() -> list[dict[str, Any]]:
    """Every property: id, kind, meaning and the witness that keeps it from passing vacuously."""
    return [{"id": p.id, "kind": p.kind, "meaning": p.meaning, "witness": p.witness} for p in all_properties()]


def releases_data() -> dict[str, Any]:
    """Every release (version, summary, switches) and every variant (base, changes, citation)."""
    return {
        "releases": [{"name": r.name, "nova": r.version, "summary": r.summary,
                      "switches": dict(sorted(r.switches.items()))} for r in RELEASES.values()],
        "variants": [{"name": v.name, "base": v.base, "summary": v.summary, "changes": dict(sorted(v.changes.items())),
                      "cite": v.cite} for v in VARIANTS.values()],
        "switches": dict(SWITCH_DOCS),
    }


def properties_table() -> Table:
    """The properties for the terminal."""
    table = Table(title="properties (`detachcheck check --property ID`)")
    table.add_column("property", overflow="fold")
    table.add_column("kind")
    table.add_column("meaning", overflow="fold")
    for p in properties_data():
        table.add_row(p["id"], p["kind"], Text(p["meaning"].replace("`", "")))
    return table


def releases_table() -> Table:
    """The releases for the terminal: version and the switches that are on."""
    table = Table(title="releases (`detachcheck check --release NAME`)", show_lines=True)
    table.add_column("release", overflow="fold")
    table.add_column("Nova")
    table.add_column("switches on", overflow="fold")
    table.add_column("summary", overflow="fold")
    for r in RELEASES.values():
        on = ", ".join(k for k, v in r.switches.items() if v)
        table.add_row(r.name, r.version, Text(on or "none"), Text(r.summary))
    return table


def variants_table() -> Table:
    """The variants for the terminal: base, what each changes, and the upstream change it cites."""
    table = Table(title="variants (`detachcheck compare BASE VARIANT`)", show_lines=True)
    table.add_column("variant", overflow="fold")
    table.add_column("changes", overflow="fold")
    table.add_column("cites", overflow="fold")
    for v in VARIANTS.values():
        changes = ", ".join(f"{k}={'on' if on else 'off'}" for k, on in v.changes.items())
        table.add_row(v.name, Text(f"{v.summary} ({changes})"), Text(v.cite))
    return table


def variants_epilog() -> str:
    """The variants as plain text, for `compare --help`."""
    lines = ["variants (a release with a fix, or a regression, applied):"]
    for v in VARIANTS.values():
        changes = ", ".join(f"{k}={'on' if on else 'off'}" for k, on in v.changes.items())
        lines += [f"  {v.name}", f"      {v.summary} ({changes})", f"      cites: {v.cite}"]
    lines.append("releases: " + ", ".join(RELEASES) + " (see `detachcheck releases`)")
    return "\n".join(lines)


def switches_table() -> Table:
    """What each switch means."""
    table = Table(title="switches")
    table.add_column("switch", overflow="fold")
    table.add_column("when on", overflow="fold")
    for name, meaning in SWITCH_DOCS.items():
        table.add_row(name, Text(meaning))
    return table
