"""The filter tokens of the FTS ``filters`` column: what a document is indexed under and
what a query filters on, and the one way any token reaches a MATCH expression.

Tokens: ``k_<kind>``, ``s_<sector>``, ``g_<sector group>``, ``p_<presta>``, ``l_<label>``,
``n_<network>``, ``r_<reservation>``, and the zone: ``z_national``; ``zr_``/``zd_``/``ze_``/
``zc_`` + code for the régions, départements, EPCIs, communes it lists; ``xr_``/``xd_``/
``xe_``/``xc_`` + code for those it meets (a radius: those its circle reaches); ``wr_``/
``wd_``/``we_`` + code for those it covers whole (``search.territory``); ``c_<row>_<column>``,
the cell of a half-degree grid holding the position (a radius's coarse pre-filter inside
FTS). Values are folded with ``_`` for any other character (``r_l2113_13``,
``s_espaces_verts``); text terms never hold a ``_``, so the two never meet.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable
from functools import lru_cache

from domain.geo import KM_PER_DEGREE
from search import territory
from search.backend import Document
from search.fields import LIST_FILTERS
from search.query import SearchQuery
from search.text import folded

# Grid cells that narrow a radius query inside FTS: 0.5 degree is ~55 km north-south,
# ~37 km east-west in France; a 20 km radius reaches 2 to 6 of them.
GRID_DEGREES = 0.5
MAX_CELLS = 24
_TOKEN = re.compile(r"[a-z0-9_]+")

_LIST_TOKENS = (
    ("s", "sectors"),
    ("g", "sector_groups"),
    ("p", "presta"),
    ("l", "labels"),
    ("n", "networks"),
    ("r", "reservations"),
    ("zr", "zone_regions"),
    ("zd", "zone_departements"),
    ("ze", "zone_epcis"),
    ("zc", "zone_communes"),
    ("xr", "zone_reach_regions"),
    ("xd", "zone_reach_departements"),
    ("xe", "zone_reach_epcis"),
    ("xc", "zone_reach_communes"),
    ("wr", "zone_cover_regions"),
    ("wd", "zone_cover_departements"),
    ("we", "zone_cover_epcis"),
)
# The token prefix of each document field a query filters on (search.fields.LIST_FILTERS).
_FILTER_PREFIX = {"kind": "k"} | {key: prefix for prefix, key in _LIST_TOKENS}


@lru_cache(maxsize=65_536)
def token(prefix: str, value: str) -> str:
    """A filter token: ``token("s", "espaces-verts")`` is ``s_espaces_verts`` (cached: the
    same few thousand codes and slugs come back in every document)."""
    return f"{prefix}_{folded(value).replace(' ', '_')}"


def quoted(*tokens: str) -> str:
    """A quoted FTS5 string (a token, or a phrase) made of tokens of this package (filter
    tokens, index terms): anything else is refused."""
    for tok in tokens:
        if not _TOKEN.fullmatch(tok):
            raise ValueError(f"not an index token: {tok[:40]!r}")
    return '"' + " ".join(tokens) + '"'


def any_of(alternatives: Iterable[str]) -> str:
    """An FTS OR group of MATCH expressions, each once."""
    return "(" + " OR ".join(dict.fromkeys(alternatives)) + ")"


# --- Documents --------------------------------------------------------------------------


def filter_tokens(document: Document) -> list[str]:
    """The filter tokens a document is indexed under (its ``filters`` column)."""
    found = [token("k", document["kind"])]
    if document["zone_national"]:
        found.append("z_national")
    for prefix, key in _LIST_TOKENS:
        # A document written before a list existed (zone_cover_*) holds none of its values.
        found.extend(token(prefix, value) for value in document.get(key) or ())
    if document["latitude"] is not None and document["longitude"] is not None:
        found.append(cell_token(*grid_cell(document["latitude"], document["longitude"])))
    return found


# --- Queries ----------------------------------------------------------------------------


def filter_groups(query: SearchQuery) -> list[str]:
    """The token filters of ``query``: each an OR group, the groups to be AND-ed."""
    groups = []
    for attribute, field_name in LIST_FILTERS.items():
        values = getattr(query, attribute)
        if values:
            prefix = _FILTER_PREFIX[field_name]
            groups.append(any_of(quoted(token(prefix, v)) for v in values))
    place = query.serves
    if place:  # the one territory rule (search.territory), as tokens
        groups.append(
            any_of(quoted(zone_token(f, v)) for f, v in territory.alternatives(place, query.cover))
        )
    return groups


def zone_token(field_name: str, value: str | bool) -> str:
    """The filter token of a (document field, value) pair of ``territory.alternatives``."""
    if field_name == "zone_national":
        return "z_national"
    return token(_FILTER_PREFIX[field_name], value)


# --- Grid cells -------------------------------------------------------------------------


def grid_cell(latitude: float, longitude: float) -> tuple[int, int]:
    """The cell of a coarse latitude/longitude grid holding a position."""
    return (
        math.floor((latitude + 90) / GRID_DEGREES),
        math.floor((longitude + 180) / GRID_DEGREES),
    )


def cell_token(row: int, column: int) -> str:
    """The filter token of a grid cell."""
    return f"c_{row}_{column}"


def cells_around(latitude: float, longitude: float, km: float) -> list[str] | None:
    """The tokens of the grid cells a radius can reach (its bounding box), or None when
    they are too many to help (a wide radius) or the box crosses a pole or the 180th
    meridian. A coarse pre-filter: the radius itself is measured on the positions."""
    reach = km / KM_PER_DEGREE
    south, north = latitude - reach, latitude + reach
    if south <= -90 or north >= 90:
        return None
    widest = max(math.cos(math.radians(south)), math.cos(math.radians(north)))
    spread = reach / max(widest, 1e-6)
    west, east = longitude - spread, longitude + spread
    if west <= -180 or east >= 180:
        return None
    (row0, column0), (row1, column1) = grid_cell(south, west), grid_cell(north, east)
    if (row1 - row0 + 1) * (column1 - column0 + 1) > MAX_CELLS:
        return None
    return [
        cell_token(row, column)
        for row in range(row0, row1 + 1)
        for column in range(column0, column1 + 1)
    ]
