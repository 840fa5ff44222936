"""Exports of a search's results as CSV (for French Excel) and XLSX: the hits of a query
read a page at a time, as rows the one spreadsheet writer (``webapp.tabular_export``)
writes, formulas defused."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable, Iterator

from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm import Session

from search.backend import SearchBackend
from search.query import MAX_PER_PAGE, SearchQuery
from search.results import Hit
from webapp import tabular_export
from webapp.models import Enterprise
from webapp.search_ui.present import Vocabulary, present_hit

EXPORT_LIMIT = 5000
_WIDTHS = (16, 40, 8, 40, 24, 12, 14, 40)

# SIRET, name, kind, sectors, commune, département, distance in km (one decimal), website.
Row = tuple[str, str, str, str, str, str, float | None, str]


def headers() -> list[str]:
    return [
        _("SIRET"),
        _("Nom"),
        _("Type"),
        _("Secteurs"),
        _("Commune"),
        _("Département"),
        _("Distance (km)"),
        _("Site web"),
    ]


def matching_hits(backend: SearchBackend, query: SearchQuery, limit: int) -> Iterator[Hit]:
    """Every hit of ``query`` in its order, up to ``limit``, a page of results at a time."""
    # No facets: the export only needs the hits, and facets are the costly part.
    per_page = MAX_PER_PAGE
    for page in range(1, -(-limit // per_page) + 1):
        result = backend.search(dataclasses.replace(query, page=page, per_page=per_page, facets=()))
        remaining = limit - (page - 1) * per_page
        yield from result.hits[:remaining]
        if len(result.hits) < per_page or page * per_page >= result.total:
            return


def _websites(session: Session, ids: list[int]) -> dict[int, str]:
    """Websites are not in the index: read them, a chunk of ids at a time."""
    found: dict[int, str] = {}
    for start in range(0, len(ids), 500):
        chunk = ids[start : start + 500]
        found.update(
            session.execute(
                select(Enterprise.id, Enterprise.website).where(
                    Enterprise.id.in_(chunk), Enterprise.website.is_not(None)
                )
            ).all()
        )
    return found


def export_rows(session: Session, hits: Iterable[Hit], vocabulary: Vocabulary) -> list[Row]:
    hits = list(hits)
    websites = _websites(session, [hit.id for hit in hits])
    rows: list[Row] = []
    for hit in hits:
        view = present_hit(hit, vocabulary)
        rows.append(
            (
                hit.siret,
                hit.name,
                hit.kind,
                ", ".join(view.sector_names),
                hit.commune or "",
                hit.departement or "",
                round(hit.distance_km, 1) if hit.distance_km is not None else None,
                websites.get(hit.id, ""),
            )
        )
    return rows


def to_csv(rows: Iterable[Row], decimal_comma: bool = True) -> bytes:
    """``;``-separated UTF-8 with a BOM (``webapp.tabular_export``): what Excel set to
    French opens without a wizard."""
    return tabular_export.to_csv(headers(), rows, decimal_comma)


def to_xlsx(rows: Iterable[Row]) -> bytes:
    return tabular_export.to_xlsx(
        headers(), rows, title=_("Résultats"), fallback_title=_("Résultats"), widths=_WIDTHS
    )
