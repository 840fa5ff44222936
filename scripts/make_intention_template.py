"""Write the purchase intentions template: ``data/templates/intentions_modele.csv`` and
``.xlsx``, the columns ``flask import intentions`` reads, with example rows.

Run ``python scripts/make_intention_template.py`` after changing the columns
(``importers.intentions.COLUMNS``) or the examples; both files are committed.
"""

from __future__ import annotations

import csv
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from importers.intentions import COLUMNS  # noqa: E402

TEMPLATES = ROOT / "data" / "templates"

# Real buyers (SIRET of the Ville de Lyon), codes of the CPV nomenclature and of the
# reference tables; the purchases themselves are examples.
EXAMPLES = [
    {
        "titre": "Entretien des espaces verts des groupes scolaires",
        "description": "Tonte, taille des haies et désherbage manuel de 12 groupes scolaires.",
        "codes_cpv": "77310000-6",
        "secteurs": "",
        "lieu": "insee:69123",
        "montant_total": "240000",
        "montant_annuel": "80000",
        "duree_mois": "36",
        "date_lancement": "2027-03-01",
        "acheteur_nom": "Ville de Lyon",
        "acheteur_siret": "21690123100011",
        "acheteur_type": "pouvoir_adjudicateur",
        "consideration_sociale": "reservation",
        "statut": "published",
        "identifiant_externe": "LYON-2027-EV-01",
    },
    {
        "titre": "Propreté et linge des crèches municipales",
        "description": "Nettoyage des locaux et entretien du linge de 8 crèches.",
        "codes_cpv": "90910000-9 98310000-9",
        "lieu": "dep:69",
        "montant_total": "360000",
        "duree_mois": "48",
        "date_lancement": "01/09/2027",
        "acheteur_nom": "Ville de Lyon",
        "acheteur_siret": "21690123100011",
        "acheteur_type": "pouvoir_adjudicateur",
        "consideration_sociale": "clause",
        "statut": "published",
        "lot_numero": "1",
        "lot_titre": "Nettoyage des locaux",
        "lot_montant": "280000",
        "lot_secteurs": "nettoyage-de-locaux",
        "identifiant_externe": "LYON-2027-CRECHES",
    },
    {
        "identifiant_externe": "LYON-2027-CRECHES",
        "lot_numero": "2",
        "lot_titre": "Blanchisserie",
        "lot_montant": "80000",
        "lot_secteurs": "Blanchisserie",
    },
]


def rows() -> list[list[str]]:
    return [list(COLUMNS)] + [[example.get(c, "") for c in COLUMNS] for example in EXAMPLES]


def write_csv(path: Path) -> None:
    with path.open("w", encoding="utf-8", newline="") as handle:
        csv.writer(handle, delimiter=";").writerows(rows())


def write_xlsx(path: Path) -> None:
    from openpyxl import Workbook
    from openpyxl.styles import Font

    workbook = Workbook()
    sheet = workbook.active
    sheet.title = "intentions"
    for row in rows():
        sheet.append(row)
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    for column in sheet.columns:
        width = max(len(str(cell.value or "")) for cell in column)
        sheet.column_dimensions[column[0].column_letter].width = min(max(width, 12), 60)
    sheet.freeze_panes = "A2"
    # Text everywhere: a spreadsheet must not turn SIRETs, codes or dates into numbers.
    for row in sheet.iter_rows():
        for cell in row:
            cell.number_format = "@"
    workbook.properties.creator = "Passerelles"
    workbook.save(path)


def main() -> None:
    TEMPLATES.mkdir(parents=True, exist_ok=True)
    write_csv(TEMPLATES / "intentions_modele.csv")
    write_xlsx(TEMPLATES / "intentions_modele.xlsx")
    print(f"wrote {TEMPLATES / 'intentions_modele.csv'} and .xlsx")


if __name__ == "__main__":
    main()
