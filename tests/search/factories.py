"""Search documents for the engine tests, without an app database."""

from __future__ import annotations

from domain.text import slugify
from search.synonyms import kind_terms


def make_document(identifier: int, name: str, **fields) -> dict:
    """A complete search document (the shape of ``webapp.indexing.documents.build_document``)."""
    document = {
        "id": identifier,
        "siret": f"{identifier:014d}",
        "siren": f"{identifier:09d}",
        "name": name,
        "brand": "",
        "display_name": name,
        "description": "",
        "offers": "",
        "kind": "EI",
        "kind_family": "insertion",
        "status": "active",
        "sectors": [],
        "sector_names": [],
        "sector_groups": [],
        "presta": [],
        "commune": "69123",
        "commune_name": "Lyon",
        "departement": "69",
        "region": "84",
        "epci": "200046977",
        "latitude": 45.76,
        "longitude": 4.83,
        "zone_national": False,
        "zone_regions": [],
        "zone_departements": ["69"],
        "zone_epcis": [],
        "zone_communes": [],
        "zone_radius_km": None,
        "zone_reach_communes": [],
        "zone_reach_epcis": [],
        "zone_reach_departements": [],
        "zone_reach_regions": [],
        "employees": None,
        "turnover": None,
        "largest_contract": None,
        "labels": [],
        "networks": [],
        "reservations": ["L2113-13"],
        "sector_group_names": [],
        "kind_terms": [],
    }
    document.update(fields)
    if "kind_terms" not in fields:
        document["kind_terms"] = kind_terms(document["kind"])
    document["sectors"] = [slugify(name) for name in document["sector_names"]]
    if "display_name" not in fields:
        document["display_name"] = document["brand"] or name
    return document
