"""The buyers' search page: filters with counts, reasons, map, live updates, exports."""
