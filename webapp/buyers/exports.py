"""A shortlist as the buyer sees it, and its CSV and XLSX exports.

Cells come from data anyone can submit (names, notes, websites): text a spreadsheet would
read as a formula is defused as in the search exports.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass

from flask_babel import gettext as _
from openpyxl import Workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

from webapp.models import Shortlist, ShortlistEntry
from webapp.search_ui.export import defuse


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
    """``;``-separated UTF-8 with a BOM, as the search export (Excel set to French)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=";", lineterminator="\r\n")
    writer.writerow(headers())
    for row in rows:
        writer.writerow([defuse(cell) for cell in row])
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")


def to_xlsx(rows: list[list[str]], title: str) -> bytes:
    workbook = Workbook()
    sheet = workbook.active
    # Sheet titles: 31 characters at most, none of []:*?/\
    sheet.title = ILLEGAL_CHARACTERS_RE.sub("", title).translate(
        str.maketrans("", "", "[]:*?/\\")
    ).strip()[:31] or _("Liste")
    sheet.append(headers())
    for row in rows:
        sheet.append([ILLEGAL_CHARACTERS_RE.sub("", cell) for cell in row])
        for cell in sheet[sheet.max_row]:
            if cell.data_type == "f":
                cell.data_type = "s"  # text starting with "=" stays text
    sheet.freeze_panes = "A2"
    for column, width in zip("ABCDEFGH", (16, 40, 8, 40, 24, 12, 40, 60), strict=True):
        sheet.column_dimensions[column].width = width
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()
