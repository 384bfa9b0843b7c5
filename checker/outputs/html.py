"""The self-contained HTML report: one page, inline SVG, no network fetches."""

from __future__ import annotations

from typing import Any

from jinja2 import Environment, FileSystemLoader, select_autoescape
from markupsafe import Markup, escape

from detachcheck.checker.likelihood import short
from detachcheck.checker.outputs.diagrams import graphviz_missing, lifecycles
from detachcheck.checker.outputs.render import TEMPLATE_DIR
from detachcheck.checker.outputs.sequence import inline, svg

_ENV = Environment(loader=FileSystemLoader(TEMPLATE_DIR), autoescape=select_autoescape(["html", "j2"]),
                   keep_trailing_newline=True)


def _code(text: str) -> Markup:
    """`x` in a property's meaning becomes <code>x</code> (the rest escaped)."""
    parts = str(escape(text)).split("`")
    return Markup("".join(f"<code>{p}</code>" if i % 2 else p for i, p in enumerate(parts)))


_ENV.filters["code"] = _code


def lifecycle_svgs(release: str) -> list[tuple[str, Markup]]:
    """Every lifecycle diagram of the release, as inline SVG."""
    out = []
    for lc in lifecycles():
        if lc.name.startswith("request-") and lc.name != f"request-{release}":
            continue
        graph = lc.graph_machine().get_graph()
        out.append((lc.name, Markup(inline(graph.pipe(format="svg").decode()))))
    return out


def _not_drawn(reason: str) -> Markup:
    return Markup('<p class="no-graphviz">Not drawn: ') + _code(reason) + Markup(
        ". The Markdown report has the same sequence diagrams as Mermaid.</p>")


def to_html(report: dict[str, Any]) -> str:
    """The report as one HTML page (without the Graphviz drawings, saying why, when `dot` is missing)."""
    if (missing := graphviz_missing()) is not None:
        return _ENV.get_template("report.html.j2").render(
            r=report, sequence=lambda p: _not_drawn(missing), lifecycles=[("not drawn", _not_drawn(missing))],
            short=short)
    return _ENV.get_template("report.html.j2").render(
        r=report, sequence=lambda p: Markup(svg(p)), lifecycles=lifecycle_svgs(report["release"]["name"]), short=short)
