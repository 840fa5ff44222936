"""Kinds of place: France's official divisions, from the smallest, and the whole country
(DESIGN.md, Territory). One list for the intentions' place of execution (its database
constraint, the form, the API), the matcher's places and the search's place filters."""

from __future__ import annotations

COMMUNE, EPCI, DEPARTEMENT, REGION, NATIONAL = (
    "commune",
    "epci",
    "departement",
    "region",
    "national",
)
# Where a purchase may be carried out, from the smallest.
PLACE_KINDS = (COMMUNE, EPCI, DEPARTEMENT, REGION, NATIONAL)
# The divisions a search may name ("serves", "near": kind:code). Not "national": every
# zone works somewhere in France, so "serves national" would filter nothing (a nationwide
# zone is found through whichever division a buyer names).
DIVISION_KINDS = tuple(kind for kind in PLACE_KINDS if kind != NATIONAL)
