"""Exports of a search's results as CSV (for French Excel) and XLSX.

Cells come from enterprise data anyone can submit, so text that a spreadsheet would read
as a formula is defused (OWASP "CSV injection").
"""

from __future__ import annotations

import csv
import dataclasses
import io
from collections.abc import Iterable, Iterator

from flask_babel import gettext as _
from openpyxl import Workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from sqlalchemy import select
from sqlalchemy.orm import Session

from search.backend import SearchBackend
from search.query import MAX_PER_PAGE, SearchQuery
from search.results import Hit
from webapp.models import Enterprise
from webapp.search_ui.present import Vocabulary, present_hit

EXPORT_LIMIT = 5000
# A cell starting with one of these is a formula (or becomes one) in Excel and LibreOffice.
_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")

Row = tuple[str, str, str, str, str, str, float | None, str]


def defuse(value: str) -> str:
    """Text a spreadsheet shows as text, never evaluates."""
    return "'" + value if value.startswith(_FORMULA_STARTS) else value


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
    """``;``-separated UTF-8 with a BOM: what Excel set to French opens without a wizard."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=";", lineterminator="\r\n")
    writer.writerow(headers())
    for row in rows:
        *texts, distance, website = row
        km = "" if distance is None else f"{distance:.1f}"
        writer.writerow(
            [defuse(t) for t in texts]
            + [km.replace(".", ",") if decimal_comma else km, defuse(website)]
        )
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")


def to_xlsx(rows: Iterable[Row]) -> bytes:
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = _("Résultats")
    sheet.append(headers())
    for row in rows:
        *texts, distance, website = row
        # openpyxl refuses control characters, which a CSV source may have let through.
        cells = [ILLEGAL_CHARACTERS_RE.sub("", t) for t in (*texts, website)]
        sheet.append(cells[:-1] + [distance, cells[-1]])
        for cell in sheet[sheet.max_row]:
            if cell.data_type == "f":
                # openpyxl reads a leading "=" as a formula: store it as the text it is
                # (in XLSX a cell's type is explicit, so no visible quote is needed).
                cell.data_type = "s"
    sheet.freeze_panes = "A2"
    for column, width in zip("ABCDEFGH", (16, 40, 8, 40, 24, 12, 14, 40), strict=True):
        sheet.column_dimensions[column].width = width
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()
