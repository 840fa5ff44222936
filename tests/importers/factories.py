"""Files as the importers meet them: enterprise lists (SIAE), the FINESS register's ESAT,
the intentions template and DECP contracts; for the importers' tests and for the tests
that follow an imported row into the application."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

from importers.enterprise_lists import parse_siae
from importers.esat import COLUMNS as ESAT_COLUMNS
from importers.esat import parse_esat
from importers.intentions import COLUMNS as TEMPLATE_COLUMNS
from importers.tabular import read_rows
from tests.factories import ROOT, gzip_csv_rows


def read_table(data: bytes, **kwargs):
    """The header and the rows (as a list) of the CSV/XLSX file ``data``."""
    header, rows = read_rows(io.BytesIO(data), **kwargs)
    return header, list(rows)


# --- Enterprise lists ----------------------------------------------------------------------

SIAE_HEADER = (
    "siret,name,brand,kind,naf,legal_form,address,post_code,city,department,latitude,"
    "longitude,website,description,employees_bracket,source\n"
)
BALUCHON = (
    "80746931700018,BALUCHON A TABLE CITOYENS,Baluchon-À table citoyens,EI,5621Z,SARL,"
    "Rue Madeleine Odru,93230,Romainville,93,48.88053,2.431955,http://www.baluchon.fr,,"
    "50 à 99 salariés,ASP\n"
)

# Baluchon's row turned into an ACI in Montreuil and a cleaning EI in Lille.
COLLECTERIE = (
    BALUCHON.replace("80746931700018", "75187049400026")
    .replace(
        "BALUCHON A TABLE CITOYENS,Baluchon-À table citoyens,EI,5621Z",
        "LA COLLECTERIE,La Collecterie,ACI,8899B",
    )
    .replace(
        "Rue Madeleine Odru,93230,Romainville,93,48.88053,2.431955",
        "18 Rue Saint Antoine,93100,Montreuil,93,48.865024,2.455023",
    )
)
LILLE_EI = (
    BALUCHON.replace("80746931700018", "79285470500029")
    .replace("BALUCHON A TABLE CITOYENS,Baluchon-À table citoyens", "NETTOYAGE DU NORD,")
    .replace(",5621Z,", ",8121Z,")
    .replace(
        "Rue Madeleine Odru,93230,Romainville,93,48.88053,2.431955",
        "1 Rue X,59000,Lille,59,50.63,3.06",
    )
)


def parse_siae_text(text: str | bytes):
    """``text`` (header included) read as an SIAE list."""
    data = text.encode() if isinstance(text, str) else text
    return parse_siae(io.BytesIO(data))


def parse_siae_rows(*rows: str):
    """SIAE list rows (``BALUCHON`` and the like) read under the list's header."""
    return parse_siae_text(SIAE_HEADER + "".join(rows))


# --- ESAT of the FINESS register -------------------------------------------------------------

ESAT_DEMO = ROOT / "data" / "demo" / "esat_finess.csv.gz"


def esat_demo_rows() -> list[dict[str, str]]:
    """The rows of the shipped ESAT extract, as dictionaries."""
    return gzip_csv_rows(ESAT_DEMO)


def esat_csv(*rows: dict[str, str]) -> bytes:
    """``rows`` written as an ESAT extract, header first."""
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, ESAT_COLUMNS, lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    return buffer.getvalue().encode("utf-8")


def parse_esat_rows(*rows: dict[str, str]):
    """``rows`` read by the ESAT parser."""
    return parse_esat(io.BytesIO(esat_csv(*rows)))


# --- Intentions template ---------------------------------------------------------------------

TEMPLATE_ROW = {
    "titre": "Nettoyage de la mairie",
    "codes_cpv": "90910000-9",
    "lieu": "insee:69123",
    "acheteur_nom": "Ville de Lyon",
    "acheteur_siret": "21690123100011",
    "montant_total": "120 000",
    "duree_mois": "24",
    "date_lancement": "2027-01-15",
}


def write_template(tmp_path: Path, *rows: dict[str, str], name: str = "intentions.csv") -> Path:
    """``rows`` written in the template's CSV form under ``tmp_path``."""
    lines = [";".join(TEMPLATE_COLUMNS)]
    for row in rows:
        lines.append(";".join(row.get(column, "") for column in TEMPLATE_COLUMNS))
    path = tmp_path / name
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


# --- DECP --------------------------------------------------------------------------------------

DECP_HOLDER = "73282932000074"
DECP_BUYER = "21690123100011"


def v2_contract(**overrides) -> dict:
    """A DECP v2 contract: cleaning in Lyon, awarded to ``DECP_HOLDER``."""
    contract = {
        "id": "2024-NET-01",
        "acheteur": {"id": DECP_BUYER},
        "objet": "Nettoyage des locaux de la mairie",
        "codeCPV": "90910000",
        "lieuExecution": {"code": "69123", "typeCode": "Code commune"},
        "dureeMois": 24,
        "dateNotification": "2024-06-01",
        "montant": 100000,
        "considerationsSociales": ["Clause sociale"],
        "titulaires": [{"titulaire": {"typeIdentifiant": "SIRET", "id": DECP_HOLDER}}],
    }
    contract.update(overrides)
    return contract


def decp_file(*contracts, wrapped: bool = False) -> io.BytesIO:
    """``contracts`` as a DECP file (``wrapped``: the ``{"marche": [...]}`` variant)."""
    marches = {"marche": list(contracts)} if wrapped else list(contracts)
    return io.BytesIO(json.dumps({"marches": marches}).encode())
