"""The engine: compile the declarations into tables, explore, analyse the explored graph."""
