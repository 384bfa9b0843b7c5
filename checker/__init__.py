"""How it is checked: `engine/` searches the compiled tables, `outputs/` renders what it found,
`exports/` writes the model for other checkers; traces, Hypothesis and compare beside them."""
