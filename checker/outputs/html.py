"""The self-contained HTML report: one page, inline SVG, no network fetches."""

from __future__ import annotations

import functools
from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader, select_autoescape
from markupsafe import Markup, escape

from detachcheck.checker.likelihood import short
from detachcheck.checker.outputs.diagrams import dot_source, graphviz_missing, lifecycles
from detachcheck.checker.outputs.drawing import draw_all
from detachcheck.checker.outputs.render import TEMPLATE_DIR, template_cache
from detachcheck.checker.outputs.sequence import dot

_ENV = Environment(loader=FileSystemLoader(TEMPLATE_DIR), autoescape=select_autoescape(["html", "j2"]),
                   keep_trailing_newline=True, bytecode_cache=template_cache("html", Path(__file__)))


def _code(text: str) -> Markup:
    """`x` in a property's meaning becomes <code>x</code> (the rest escaped)."""
    parts = str(escape(text)).split("`")
    return Markup("".join(f"<code>{p}</code>" if i % 2 else p for i, p in enumerate(parts)))


_ENV.filters["code"] = _code


@functools.cache
def _sources() -> dict[str, str]:
    """Every lifecycle's DOT source by name (constant declarations: made once per process)."""
    return {lc.name: dot_source(lc) for lc in lifecycles()}


def lifecycle_sources(release: str) -> list[tuple[str, str]]:
    """(name, DOT source) of every lifecycle diagram of the release."""
    return [(name, source) for name, source in _sources().items()
            if not name.startswith("request-") or name == f"request-{release}"]


def _not_drawn(reason: str) -> Markup:
    return Markup('<p class="no-graphviz">Not drawn: ') + _code(reason) + Markup(
        ". The Markdown report has the same sequence diagrams as Mermaid.</p>")


def to_html(report: dict[str, Any]) -> str:
    """The report as one HTML page (without the Graphviz drawings, saying why, when `dot` is missing)."""
    if (missing := graphviz_missing()) is not None:
        return _ENV.get_template("report.html.j2").render(
            r=report, sequence=lambda p: _not_drawn(missing), lifecycles=[("not drawn", _not_drawn(missing))],
            short=short)
    drawn = [p for p in report["properties"] if p["path"] is not None and p["kind"] != "sometimes"]
    named = lifecycle_sources(report["release"]["name"])
    svgs = [Markup(s) for s in draw_all([dot(p) for p in drawn] + [source for _, source in named])]
    sequences = {p["id"]: svg for p, svg in zip(drawn, svgs, strict=False)}
    return _ENV.get_template("report.html.j2").render(
        r=report, sequence=lambda p: sequences[p["id"]],
        lifecycles=[(name, svg) for (name, _), svg in zip(named, svgs[len(drawn):], strict=True)], short=short)
