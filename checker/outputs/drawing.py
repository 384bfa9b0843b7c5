"""Graphviz drawings as inline SVG: each DOT source drawn once per process, several at a time.

`dot` is a process of its own, so drawings are made concurrently (a thread waits on each);
a report of nine releases repeats most of its lifecycle diagrams and many sequence diagrams,
and a source already drawn is not drawn again.
"""

from __future__ import annotations

import functools
import os
from concurrent.futures import ThreadPoolExecutor

import graphviz


def inline(svg_text: str) -> str:
    """An SVG document without its XML prolog and doctype, ready to inline in HTML."""
    start = svg_text.find("<svg")
    return svg_text[start:] if start >= 0 else svg_text


@functools.lru_cache(maxsize=4096)
def svg_of(source: str) -> str:
    """The inline SVG `dot` draws from the DOT `source`."""
    return inline(graphviz.Source(source).pipe(format="svg").decode())


def draw_all(sources: list[str]) -> list[str]:
    """The inline SVG of each source, in order: every distinct one drawn once, `dot` run on as
    many at a time as there are processors."""
    distinct = list(dict.fromkeys(sources))
    with ThreadPoolExecutor(max_workers=max(1, min(len(distinct), os.cpu_count() or 1))) as pool:
        drawn = dict(zip(distinct, pool.map(svg_of, distinct), strict=True))
    return [drawn[s] for s in sources]
