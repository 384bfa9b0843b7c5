"""The engine: compile the declarations into tables, explore, analyse the explored graph.

Default: `search.search` (frontier search over packed states, `frontier.py`, `keyset.py`,
`checks.py`/`readsets.py`, `symmetry.py`) and `graph.py` (analyses on sparse arrays).
Reference: `explore.explore` and `analysis.py` (tuples and networkx).
"""
