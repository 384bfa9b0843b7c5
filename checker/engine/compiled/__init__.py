"""The declarations compiled into tables: model, packing, successor step, property checks, symmetry."""
