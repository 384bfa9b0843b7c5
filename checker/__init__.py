"""How it is checked: compile the declarations into tables once, explore state tuples."""
