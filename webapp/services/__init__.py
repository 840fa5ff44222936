"""Service layer: every write to the models goes through a function here."""
