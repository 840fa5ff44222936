"""A shortlist as the buyer sees it, and its CSV and XLSX exports.

Cells come from data anyone can submit (names, notes, websites): the one spreadsheet
writer (``webapp.tabular_export``) defuses formulas, as for the search exports.
"""

from __future__ import annotations

from dataclasses import dataclass

from flask_babel import gettext as _

from webapp import tabular_export
from webapp.models import Shortlist, ShortlistEntry

_WIDTHS = (16, 40, 8, 40, 24, 12, 40, 60)


@dataclass(frozen=True)
class EntryView:
    siret: str
    name: str
    kind: str
    commune: str
    departement: str
    sectors: tuple[str, ...]
    website: str
    note: str


def entry_view(entry: ShortlistEntry) -> EntryView:
    enterprise = entry.enterprise
    sectors = tuple(
        row.sector.name
        for row in sorted(enterprise.sectors, key=lambda r: (-r.confidence, r.sector.slug))
        if row.status != "rejected"
    )
    return EntryView(
        siret=enterprise.siret,
        name=enterprise.display_name,
        kind=enterprise.kind,
        commune=enterprise.commune.name if enterprise.commune else (enterprise.city or ""),
        departement=enterprise.departement_code or "",
        sectors=sectors,
        website=enterprise.website or "",
        note=entry.note or "",
    )


def headers() -> list[str]:
    return [
        _("SIRET"),
        _("Nom"),
        _("Type"),
        _("Secteurs"),
        _("Commune"),
        _("Département"),
        _("Site web"),
        _("Note"),
    ]


def shortlist_rows(shortlist: Shortlist) -> list[list[str]]:
    rows = []
    for entry in shortlist.entries:
        view = entry_view(entry)
        rows.append(
            [
                view.siret,
                view.name,
                view.kind,
                ", ".join(view.sectors),
                view.commune,
                view.departement,
                view.website,
                view.note,
            ]
        )
    return rows


def to_csv(rows: list[list[str]]) -> bytes:
    """``;``-separated UTF-8 with a BOM, as the search export (``webapp.tabular_export``)."""
    return tabular_export.to_csv(headers(), rows, decimal_comma=True)


def to_xlsx(rows: list[list[str]], title: str) -> bytes:
    """One sheet named after the shortlist."""
    return tabular_export.to_xlsx(
        headers(), rows, title=title, fallback_title=_("Liste"), widths=_WIDTHS
    )
