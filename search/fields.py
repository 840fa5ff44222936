"""The document fields a query filters and facets on: one table every backend reads
(the documents themselves are built in ``webapp.indexing.documents``)."""

from __future__ import annotations

# The criteria that keep a document when one of its values is among the query's:
# ``SearchQuery`` attribute -> document field. Every backend reads this one table.
LIST_FILTERS: dict[str, str] = {
    "sectors": "sectors",
    "sector_groups": "sector_groups",
    "kinds": "kind",
    "presta": "presta",
    "labels": "labels",
    "networks": "networks",
    "reservations": "reservations",
}
# The minimums a document's number must reach (an unknown number reaches none):
# ``SearchQuery`` attribute -> document field; the reason a hit gives is the attribute
# without its ``min_`` (search.reasons).
MINIMUMS: dict[str, str] = {
    "min_employees": "employees",
    "min_turnover": "turnover",
    "min_contract": "largest_contract",
}
# Facet names (search.query.FACETS) -> the document field each counts.
FACET_FIELDS: dict[str, str] = {
    "kind": "kind",
    "sector_group": "sector_groups",
    "sector": "sectors",
    "departement": "departement",
    "label": "labels",
    "network": "networks",
}
