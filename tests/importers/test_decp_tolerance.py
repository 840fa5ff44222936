"""The tolerant DECP reader on real contracts of ``decp_sample_pes_2019.json`` (copied
here, ``modifications`` dropped, so the tests run without ../shared): places in the wrong
field, CEDEX codes, missing dates and durations, damaged titles, CPV codes with no sector.
Each guess gives an intention with the right place or date, and a warning with the
contract's index."""

from __future__ import annotations

import io
import json
from datetime import date

from sqlalchemy import select

from importers.decp import load_decp, parse_decp
from importers.places import PlaceReader
from webapp.models import PurchaseIntention

# Real rows of the sample (their 1-based index there in the name).
ROW_257 = {  # ESAT winner; CEDEX postal code
    "id": "20192019020200",
    "uid": "2144003680001220192019020200",
    "acheteur": {"id": "21440036800012", "nom": "VILLE DE CHATEAUBRIANT"},
    "objet": "LOT2 ENTRETIEN DES ESPACES VERTS AUTRES LIEUX PUBLICS",
    "codeCPV": "77313000-7",
    "lieuExecution": {"code": "44146", "typeCode": "Code postal", "nom": "CHATEAUBRIANT CEDEX"},
    "dureeMois": 24,
    "dateNotification": "2019-01-01+01:00",
    "datePublicationDonnees": "2019-01-23+01:00",
    "montant": 130894.76,
    "titulaires": [
        {
            "typeIdentifiant": "SIRET",
            "id": "77560540500122",
            "denominationSociale": "ATELIERS DE LA MEE ESAT ADAPEI",
        }
    ],
}
ROW_917 = {  # insertion purchase coded 85312510; CEDEX
    "id": "2018M18414GR00",
    "uid": "244500468000402018M18414GR00",
    "acheteur": {"id": "24450046800040", "nom": "ORLEANS METROPOLE"},
    "objet": "ACHAT DE PRESTATIONS DE PROPRETE URBAINE SUR LE TERRITOIRE DE FLEURY LES AUBRAIS",
    "codeCPV": "85312510-7",
    "lieuExecution": {"code": "45058", "typeCode": "Code postal", "nom": "ORLEANS CEDEX 1"},
    "dureeMois": 48,
    "dateNotification": "2018-12-12+01:00",
    "datePublicationDonnees": "2019-02-11+01:00",
    "montant": 260000,
    "titulaires": [
        {
            "typeIdentifiant": "SIRET",
            "id": "51464518300013",
            "denominationSociale": "ORLEANS INSERTION EMPLOI",
        }
    ],
}
ROW_800 = {  # a 2-digit "Code postal" that is a département
    "id": "20192019-2700",
    "uid": "2251000150001820192019-2700",
    "acheteur": {"id": "22510001500018", "nom": "DEPARTEMENT DE LA MARNE"},
    "objet": "LOT 3 - PTRESTATIONS NETTOYAGE 2019-2023",
    "codeCPV": "90919200-4",
    "lieuExecution": {"code": "51", "typeCode": "Code postal", "nom": "DEPARTEMENT MARNE"},
    "dureeMois": 48,
    "dateNotification": "2019-01-21+01:00",
    "datePublicationDonnees": "2019-02-27+01:00",
    "montant": 142573.96,
    "titulaires": [
        {"typeIdentifiant": "SIRET", "id": "71288083000096", "denominationSociale": "AG NET"}
    ],
}
ROW_96 = {  # a 5-digit "Code département" (the INSEE code of Arras)
    "id": "201800012500",
    "uid": "20003357900018201800012500",
    "acheteur": {"id": "20003357900018", "nom": "BUDGET PRINCIPAL"},
    "objet": "MABC FOURNITURES DE BUREAU CUA ",
    "codeCPV": "30192000-1",
    "lieuExecution": {"code": "62041", "typeCode": "Code département", "nom": "ARRAS"},
    "dureeMois": 48,
    "dateNotification": "2019-01-10+01:00",
    "datePublicationDonnees": "2019-03-06+01:00",
    "montant": 83333.32,
    "titulaires": [
        {"typeIdentifiant": "SIRET", "id": "57172266900264", "denominationSociale": "LYRECO"}
    ],
}
ROW_461 = {  # a "Code commune" holding a postal code: 74100 is Desingy's INSEE code
    "id": "201918CGP0600",
    "uid": "21740012600017201918CGP0600",
    "acheteur": {"id": "21740012600017", "nom": "MAIRIE - ANNEMASSE"},
    "objet": "TRAVAUX D'AMENAGEMENT DE LA PARTIE OUEST PLACE DE L'HDV",
    "codeCPV": "45112500-0",
    "lieuExecution": {"code": "74100", "typeCode": "Code commune", "nom": "ANNEMASSE"},
    "dureeMois": 2,
    "dateNotification": "2019-02-18+01:00",
    "datePublicationDonnees": "2019-02-19+01:00",
    "montant": 69499.67,
    "titulaires": [
        {"typeIdentifiant": "SIRET", "id": "75273879900028", "denominationSociale": "TOUTENVERT"}
    ],
}
ROW_724 = {  # the postal code in the name; EI winner
    "id": "2018DAJ01700",
    "uid": "223800012000132018DAJ01700",
    "acheteur": {"id": "22380001200013", "nom": "DEPARTEMENT DE L'ISERE"},
    "objet": "PRESTATIONS DE BLANCHISSERIE POUR LES BESOINS DU DEPARTEMENT DE L ISERE",
    "codeCPV": "98310000-9",
    "lieuExecution": {"code": "1116", "typeCode": "Code postal", "nom": "38000"},
    "dureeMois": 48,
    "dateNotification": "2018-11-26+01:00",
    "datePublicationDonnees": "2019-03-21+01:00",
    "montant": 30000,
    "titulaires": [{"typeIdentifiant": "SIRET", "id": "42265580300043"}],
}
ROW_660 = {  # a canton code; staff provision coded 85312510; AI winner
    "id": "2019530100",
    "uid": "220900013000162019530100",
    "acheteur": {"id": "22090001300016", "nom": "BUDGET PRINCIPAL"},
    "objet": "PRESTATION DE REMPLACEMENT D'AGENTS TECHNIQUES TERRITORIAUX DES ETABLISSEMENTS "
    "D'ENSEIGNEMENT SECTEUR PORTES D'ARIEGE ET PAYS D'OLMES",
    "codeCPV": "85312510-7",
    "lieuExecution": {
        "code": "0902",
        "typeCode": "Code arrondissement",
        "nom": "Arize-Lèze (canton)",
    },
    "dureeMois": 12,
    "dateNotification": "2019-01-29+01:00",
    "datePublicationDonnees": "2019-03-27+01:00",
    "montant": 29200,
    "titulaires": [{"typeIdentifiant": "SIRET", "id": "34777252700078"}],
}
ROW_808 = {  # "DEP" and the département by its name
    "id": "20190500",
    "uid": "2264000180087620190500",
    "acheteur": {"id": "22640001800876", "nom": "BUDGET PRINCIPAL"},
    "objet": "LIVRES ADULTES. FICTIONS FRANCAISES",
    "codeCPV": "22110000-4",
    "lieuExecution": {
        "code": "DEP",
        "typeCode": "Code département",
        "nom": "Département des Pyrénées-Atlantiques",
    },
    "dureeMois": 48,
    "dateNotification": "2019-02-08+01:00",
    "datePublicationDonnees": "2019-02-22+01:00",
    "montant": 341232.24,
    "titulaires": [{"typeIdentifiant": "SIRET", "id": "34901447200113"}],
}
ROW_406 = {  # CPV 75231240 (no sector): an insertion purchase; AI winners
    "id": "2018J1223A00",
    "uid": "216901231000112018J1223A00",
    "acheteur": {"id": "21690123100011", "nom": "Ville de Lyon"},
    "objet": "Chantiers Rebond Social : Prestations d'insertion sociale et professionnelle "
    "pour diverses missions.",
    "codeCPV": "75231240-8",
    "lieuExecution": {"code": "69123", "typeCode": "Code commune", "nom": "A Lyon"},
    "dureeMois": 36,
    "dateNotification": "2018-10-26+02:00",
    "datePublicationDonnees": "2019-03-11+01:00",
    "montant": 240000,
    "titulaires": [{"typeIdentifiant": "SIRET", "id": "34832377500018"}],
}
ROW_261 = {  # fauchage
    "id": "2019102218022E00",
    "uid": "214501553002152019102218022E00",
    "acheteur": {"id": "21450155300215", "nom": "MAIRIE DE GIEN"},
    "objet": "LOT No5 FAUCHAGE DES ACCOTEMENTS",
    "codeCPV": "77211300-5",
    "lieuExecution": {"code": "45503", "typeCode": "Code postal", "nom": "Gien"},
    "dureeMois": 12,
    "dateNotification": "2019-02-15+01:00",
    "datePublicationDonnees": "2019-03-11+01:00",
    "montant": 30000,
    "titulaires": [{"typeIdentifiant": "SIRET", "id": "33301199700025"}],
}

ROW_46 = {  # CPV 34100000 (vehicles): no sector of the taxonomy
    "id": "2018AOO0041/0200",
    "uid": "200030708000162018AOO0041/0200",
    "acheteur": {"id": "20003070800016", "nom": "GROUPE EPHESE"},
    "objet": 'Véhicule neuf 7places catégorie internationale M1 - segment "ludospace"',
    "codeCPV": "34100000-8",
    "lieuExecution": {"code": "02350", "typeCode": "Code postal", "nom": "Liesse-Notre-Dame"},
    "dureeMois": 11,
    "dateNotification": "2019-01-18+01:00",
    "datePublicationDonnees": "2019-02-08+01:00",
    "montant": 29857.94,
    "titulaires": [{"typeIdentifiant": "SIRET", "id": "32087880400048"}],
}

TODAY = date(2019, 6, 1)  # every renewal of these 2018-2019 contracts is still to come


def without(row: dict, *keys: str, **changes) -> dict:
    copy = {k: v for k, v in row.items() if k not in keys}
    copy.update(changes)
    return copy


def imported(session, *rows):
    """The rows imported as intentions; the intention of each row (None if none) and the
    report."""
    source = io.BytesIO(json.dumps({"marches": list(rows)}).encode())
    parsed = parse_decp(source, PlaceReader(session))
    reports = load_decp(
        session, parsed, history=False, as_intentions=True, today=TODAY, match=False
    )
    by_id = {
        i.external_id: i
        for i in session.scalars(
            select(PurchaseIntention).where(PurchaseIntention.source == "decp")
        )
    }
    return [by_id.get(row["uid"]) for row in rows], reports.intentions


def warnings_of(report, index: int) -> dict[str, str]:
    return {w.code: w.message for w in report.warnings if w.line == index}


def place(intention) -> tuple:
    return (intention.place_kind, intention.place_code)


def test_a_2_digit_postal_code_is_read_as_its_departement(session):
    (intention,), report = imported(session, ROW_800)
    assert place(intention) == ("departement", "51")
    warning = warnings_of(report, 1)["place_guessed"]
    assert "Code postal '51'" in warning and "département 51 (Marne)" in warning


def test_a_5_digit_departement_code_that_the_name_says_is_arras(session):
    (intention,), report = imported(session, ROW_96)
    assert place(intention) == ("commune", "62041")
    assert "Arras" in warnings_of(report, 1)["place_guessed"]


def test_cedex_codes_are_read_through_the_name_and_said(session):
    (chateaubriant, orleans), report = imported(session, ROW_257, ROW_917)
    assert place(chateaubriant) == ("commune", "44036")
    assert place(orleans) == ("commune", "45234")
    assert "44146" in warnings_of(report, 1)["place_guessed"]
    assert "ORLEANS CEDEX 1" in warnings_of(report, 2)["place_guessed"]


def test_a_commune_code_holding_a_postal_code_lands_on_the_named_commune(session):
    (intention,), report = imported(session, ROW_461)
    # 74100 as an INSEE code is Desingy; the name and the postal code say Annemasse.
    assert place(intention) == ("commune", "74012") and intention.place_label == "Annemasse"
    warning = warnings_of(report, 1)["place_guessed"]
    assert "Desingy" in warning and "postal code" in warning


def test_the_code_in_the_name_a_canton_and_a_departement_by_name(session):
    (isere, ariege, pyrenees), report = imported(session, ROW_724, ROW_660, ROW_808)
    assert place(isere) == ("commune", "38185")  # 38000: Grenoble
    assert "the code is in the name" in warnings_of(report, 1)["place_guessed"]
    assert place(ariege) == ("departement", "09")
    assert "approximately" in warnings_of(report, 2)["place_approximate"]
    assert place(pyrenees) == ("departement", "64")
    assert "Pyrénées-Atlantiques" in warnings_of(report, 3)["place_guessed"]


def test_a_missing_notification_date_is_read_from_the_id_year(session):
    row = without(ROW_257, "dateNotification")
    (intention,), report = imported(session, row)
    # The id starts with 2019 and the data were published in 2019: that date, + 24 months.
    assert intention.launch_date == date(2021, 1, 23)
    warning = warnings_of(report, 1)["notification_date_guessed"]
    assert "20192019020200" in warning and "2019-01-23" in warning


def test_without_id_year_the_publication_date_else_a_rejection(session):
    published = without(ROW_917, "dateNotification", id="M18414GR00")
    nothing = without(ROW_96, "dateNotification", "datePublicationDonnees", id="X12")
    (intention, none), report = imported(session, published, nothing)
    assert intention.launch_date == date(2023, 2, 11)  # 2019-02-11 + 48 months
    assert "datePublicationDonnees" in warnings_of(report, 1)["notification_date_guessed"]
    assert none is None
    assert [r.line for r in report.rejected] == [2]
    assert "is not a date" in report.rejected[0].reason


def test_a_missing_duration_takes_the_stated_default(session):
    (intention,), report = imported(session, without(ROW_917, "dureeMois"))
    assert intention is not None
    assert intention.launch_date == date(2019, 12, 12)  # notified 2018-12-12 + 12 months
    assert intention.duration_months is None and intention.amount_per_year is None
    assert "12 months" in warnings_of(report, 1)["duration_default"]
    assert "12 mois supposés" in intention.description


def test_a_title_with_replacement_characters_still_names_its_trade(session):
    damaged = without(ROW_261, objet="LOT No5 D\ufffdBROUSSAILLAGE DES ACCOTEMENTS")
    (intention,), report = imported(session, damaged)
    names = {s.name for s in intention.sectors}
    assert "Création et entretien des espaces verts" in names
    assert "debroussaillage" in warnings_of(report, 1)["text_repaired"]
    assert intention.title == damaged["objet"]  # the lost letter cannot be restored


def test_an_insertion_purchase_reads_its_support_activity_not_its_cpv(session):
    (intention,), report = imported(session, ROW_917)
    # CPV 85312510 maps to "Autre (Médico-social)": not what the supplier does.
    assert [s.name for s in intention.sectors] == ["Nettoyage urbain"]
    assert "proprete urbaine" in warnings_of(report, 1)["sectors_from_title"]
    assert "not read as a trade" in warnings_of(report, 1)["cpv_not_a_trade"]


def test_a_cpv_without_sector_gives_a_sectorless_intention_not_a_rejection(session):
    (vehicle, insertion, staffing), report = imported(session, ROW_46, ROW_406, ROW_660)
    assert vehicle is not None and vehicle.sectors == []
    assert "34100000 maps to no sector" in warnings_of(report, 1)["no_sector"]
    assert insertion is not None and insertion.sectors == []
    assert "75231240 not read as a trade (insertion)" in warnings_of(report, 2)["no_sector"]
    # Staff provision coded 85312510: its CPV's sector (médico-social) is not taken.
    assert staffing is not None and staffing.sectors == []
    assert "(staffing)" in warnings_of(report, 3)["no_sector"]
    assert not report.rejected


def test_every_decp_tolerance_leaves_the_strict_readings_alone(session):
    reader = PlaceReader(session)
    lyon = reader.decp({"code": "69123", "typeCode": "Code commune", "nom": "A Lyon"})
    assert (lyon.kind, lyon.code, lyon.warning) == ("commune", "69123", None)
    # A commune code that is also another commune's postal code, the name saying nothing:
    # the type is followed, and the ambiguity said.
    aix = reader.decp({"code": "13001", "typeCode": "Code commune", "nom": "13001"})
    assert aix.code == "13001" and "Marseille" in aix.warning
    # Several départements, no code to choose: not read.
    several = reader.decp(
        {"code": "INO", "typeCode": "Code commune", "nom": "Angers Le Mans Nantes Tours"}
    )
    assert not several.ok
