"""Domain logic: plain Python, no Flask import, fed by plain data."""
