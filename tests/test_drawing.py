"""Graphviz drawings: each distinct DOT source drawn once, results in the order asked."""

from __future__ import annotations

import pytest

from detachcheck.checker.outputs.diagrams import graphviz_missing
from detachcheck.checker.outputs.drawing import draw_all, inline, svg_of

pytestmark = pytest.mark.skipif(graphviz_missing() is not None, reason="Graphviz's dot is not installed")


def test_draw_all_keeps_the_order_and_draws_each_source_once():
    a, b = "digraph { x -> y }", "digraph { p -> q -> r }"
    svg_of.cache_clear()
    out = draw_all([a, b, a, b, a])
    assert [s.startswith("<svg") for s in out] == [True] * 5
    assert out[0] == out[2] == out[4] and out[1] == out[3] and out[0] != out[1]
    assert ">y<" in out[0] and ">r<" in out[1]
    assert svg_of.cache_info().misses == 2


def test_inline_drops_the_prolog():
    assert inline('<?xml version="1.0"?>\n<!DOCTYPE svg>\n<svg a="1"></svg>') == '<svg a="1"></svg>'
