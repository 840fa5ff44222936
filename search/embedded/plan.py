"""A ``SearchQuery`` made ready for SQL: its text as units, its token filters, the
conditions tokens cannot say (minimums), its radius."""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass, field
from typing import Any

from search.embedded.geometry import Radius
from search.embedded.text import MAX_UNITS, TextUnit, text_units
from search.embedded.tokens import any_of, cells_around, filter_groups, quoted
from search.fields import MINIMUMS
from search.query import SearchQuery
from search.text import Phrase, QueryText


@dataclass
class Plan:
    """A query made ready for SQL: text units, token filters, and conditions on ``docs d``
    (with their parameters) for what tokens cannot say."""

    units: list[TextUnit]
    filters: list[str]
    where: list[str] = field(default_factory=list)  # conditions on ``docs d``
    params: list[Any] = field(default_factory=list)
    near: Radius | None = None
    cells: str = ""  # the grid cells a radius reaches, as an FTS OR group
    exact_key: str = ""

    def match(self) -> str | None:
        """The MATCH expression of the text and the token filters, if any."""
        parts = [unit.expression() for unit in self.units] + self.filters
        return " AND ".join(parts + ([self.cells] if self.cells and parts else [])) or None

    def text_in(self, columns: str, as_typed: bool = False, narrow: bool = False) -> str:
        """The text found in ``columns`` (a relevance tier, intersected with the hits);
        ``narrow``: with the token filters, which make FTS cheaper when they keep few
        documents, dearer when they keep many."""
        return " AND ".join(
            [f"{columns} : {unit.expression(as_typed)}" for unit in self.units]
            + (self.filters if narrow else [])
        )


def plan_for(
    conn: sqlite3.Connection, query: SearchQuery, synonyms: dict[Phrase, tuple[Phrase, ...]]
) -> Plan:
    """The plan of ``query`` on the index ``conn`` reads (a word's typos are the index's
    words near it)."""
    text = QueryText.read(query.text, synonyms, max_words=MAX_UNITS * 2)
    plan = Plan(
        units=text_units(conn, text),
        filters=filter_groups(query),
        exact_key=" ".join(text.terms),
    )
    for attribute, column in MINIMUMS.items():
        minimum = getattr(query, attribute)
        if minimum is not None:  # an unknown value (NULL) does not pass a minimum
            plan.where.append(f"d.{column} >= ?")
            plan.params.append(minimum)
    if query.near and query.radius_km is not None:
        latitude, longitude = query.near.latitude, query.near.longitude
        plan.near = Radius.around(latitude, longitude, query.radius_km)
        cells = cells_around(latitude, longitude, query.radius_km)
        if cells:  # narrows the hits' FTS work, if any (not the tiers': dearer there)
            plan.cells = any_of(quoted(cell) for cell in cells)
    return plan
