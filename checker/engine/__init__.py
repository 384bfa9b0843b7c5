"""The engine: compile the declarations into tables, explore, analyse the explored graph.

- `compiled/`: the declarations as tables: `compile.py` (the composed model), `pack.py`
  (states as integers), `frontier.py` (successor tables, the frontier step), `readsets.py` and
  `checks.py` (properties per distinct combination of the slots they read), `symmetry.py`.
- `searches/`: exploring them: `search.search` (frontier search, the default), `explore.explore`
  (the reference over tuples), `keyset.py`, `packed.py`, `edges.py`, `reaching.py` (the
  goal-directed recoverability search), `progress.py`.
- `graphs/`: analyses of the explored graph: `graph.py` (sparse arrays, the default),
  `analysis.py` (networkx, the reference), `unfold.py` (lassos back to the unreduced model).
"""
