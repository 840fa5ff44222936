"""Sector suggestions from NAF codes, names and descriptions.

Real rows come from the public SIAE snapshot the project ships (``data/demo``).
"""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest

from domain.sector_suggestion import (
    DEFAULT_MAPPINGS_DIR,
    DEFAULT_SECTORS_CSV,
    SectorSuggester,
    SectorSuggestion,
    default_suggester,
    normalize_naf,
)
from scripts import sector_coverage
from tests.importers.factories import ESAT_DEMO, esat_demo_rows

GREEN_SPACES = "Création et entretien des espaces verts"
MARKET_GARDENING = "Maraîchage, légumerie, conserverie"
REGIE_SECTORS = {
    "Nettoyage de locaux",
    GREEN_SPACES,
    "Tous travaux et petits bricolages",
    "Entretien et maintenance de l'espace urbain",
}


@pytest.fixture(scope="module")
def sectors_csv() -> Path:
    return DEFAULT_SECTORS_CSV


@pytest.fixture(scope="module")
def suggester(sectors_csv: Path) -> SectorSuggester:
    return SectorSuggester.load(DEFAULT_MAPPINGS_DIR, sectors_csv)


def real_row(snapshot: list[dict[str, str]], name: str) -> dict[str, str]:
    """The first snapshot row with this exact name (the snapshot is a fixed public file)."""
    return next(row for row in snapshot if row["name"] == name)


def suggest_row(suggester: SectorSuggester, row: dict[str, str]) -> list[SectorSuggestion]:
    return suggester.suggest(row["naf"], row["name"], row["brand"], row["description"])


# --------------------------------------------------------------------------- NAF codes


@pytest.mark.parametrize(
    ("code", "expected"),
    [("8899B", "88.99B"), ("88.99B", "88.99B"), ("88.99b", "88.99B"), (" 8130z ", "81.30Z")],
)
def test_normalize_naf_accepts_compact_dotted_and_lower_case(code: str, expected: str) -> None:
    assert normalize_naf(code) == expected


@pytest.mark.parametrize("code", [None, "", "8899", "88.9B", "889.9B", "88.99BB", "ABCDE"])
def test_normalize_naf_rejects_what_is_not_a_subclass(code: str | None) -> None:
    assert normalize_naf(code) is None


def test_specific_naf_code_suggests_its_sector_from_naf(
    suggester: SectorSuggester, snapshot: list[dict[str, str]]
) -> None:
    row = real_row(snapshot, "ASSOC AIBV")  # 8130Z, a name that says nothing
    assert row["naf"] == "8130Z"
    [suggestion] = suggest_row(suggester, row)
    assert (suggestion.sector, suggestion.source, suggestion.confidence) == (
        GREEN_SPACES,
        "naf",
        0.9,
    )
    assert suggestion.evidence == "81.30Z"


def test_longest_naf_prefix_wins(suggester: SectorSuggester) -> None:
    joinery = suggester.suggest("4332A", "")
    assert [(s.sector, s.confidence) for s in joinery] == [("Menuiserie", 0.9)]
    # 43.13Z (drilling) has no row of its own: division 43 answers, with less confidence.
    [drilling] = suggester.suggest("43.13Z", "")
    assert (drilling.sector, drilling.confidence) == ("Autre (BTP)", 0.6)
    assert drilling.evidence == "43.13Z"  # matched through the division 43 rule


def test_generic_naf_code_is_reported_and_suggests_nothing(suggester: SectorSuggester) -> None:
    for code in ("8899B", "94.99Z", "7830Z", "88.10C", "8411Z", "70.10Z"):
        assert suggester.is_generic_naf(code), code
        assert suggester.naf_status(code) == "generic"
        assert suggester.suggest(code, "") == []
    assert not suggester.is_generic_naf("81.30Z")
    assert [suggester.naf_status(c) for c in ("", "88.9", "36.00Z", "81.30Z")] == [
        "missing",
        "invalid",
        "unmapped",
        "mapped",
    ]


def test_every_naf_code_of_the_snapshot_is_mapped_or_declared_generic(
    suggester: SectorSuggester, snapshot: list[dict[str, str]]
) -> None:
    # Water supply (36.00Z) is specific but has no sector in the buyer taxonomy.
    unexplained = {
        normalize_naf(row["naf"])
        for row in snapshot
        if suggester.naf_status(row["naf"]) not in ("mapped", "generic", "missing")
    }
    assert unexplained == {"36.00Z"}


# --------------------------------------------------------------------------- keywords


def test_generic_naf_regie_de_quartier_gets_its_sectors_from_the_name(
    suggester: SectorSuggester, snapshot: list[dict[str, str]]
) -> None:
    row = real_row(snapshot, "REGIE DE QUARTIERS DE NANTERRE")
    assert suggester.is_generic_naf(row["naf"])  # 8899B
    suggestions = suggest_row(suggester, row)
    assert {s.sector for s in suggestions} == REGIE_SECTORS
    assert {s.source for s in suggestions} == {"name"}
    assert {s.evidence for s in suggestions} == {"regie de quartier"}


def test_singular_and_plural_match_the_same_keyword(
    suggester: SectorSuggester, snapshot: list[dict[str, str]]
) -> None:
    singular = suggest_row(suggester, real_row(snapshot, "JARDIN DE COCAGNE NANTAIS"))
    plural = suggest_row(suggester, real_row(snapshot, "JARDINS DE COCAGNE PAYS DE VICHY AUVERGNE"))
    assert [(s.sector, s.source) for s in singular] == [(MARKET_GARDENING, "name")]
    assert [(s.sector, s.source) for s in plural] == [(MARKET_GARDENING, "name")]
    # "regie des quartiers" (plural) and a truncated "regie quartier" too.
    for name in ("REGIE DES QUARTIERS DE BESANCON", "ASSOC REGIE QUARTIER BAGNEUX"):
        assert {s.sector for s in suggest_row(suggester, real_row(snapshot, name))} == REGIE_SECTORS
    assert suggester.suggest(None, "Collecte de déchet") == suggester.suggest(
        None, "Collecte de déchets"
    )


def test_keyword_inside_another_word_does_not_match(
    suggester: SectorSuggester, snapshot: list[dict[str, str]]
) -> None:
    # 'tri' and 'cycle' inside 'tricycle', 'tri' inside 'tribord', 'habit' inside 'habitat':
    # these real rows get their sectors from the NAF code or the description only.
    for name in ("TRICYCLE ENVIRONNEMENT", "SAS TRIBORD", "ASSOC HABITAT INSERTION"):
        suggestions = suggest_row(suggester, real_row(snapshot, name))
        assert all(s.source != "name" for s in suggestions), name
    assert all(
        s.sector != "Textiles"
        for s in suggest_row(suggester, real_row(snapshot, "ASSOC HABITAT INSERTION"))
    )
    # 'bois' (wood) is not in 'boissons' (drinks).
    assert suggester.suggest(None, "Débits de boissons du port") == []
    assert [s.sector for s in suggester.suggest(None, "Atelier bois")] == ["Travail du bois"]


def test_masking_phrase_hides_the_keyword_inside_it(
    suggester: SectorSuggester, snapshot: list[dict[str, str]]
) -> None:
    # The Restos du coeur are food aid: 'restaurant' in their name is not their trade.
    assert suggest_row(suggester, real_row(snapshot, "ASSOC LES RESTAURANTS DU COEUR")) == []
    restaurant = suggest_row(suggester, real_row(snapshot, "RESTAURANT LA LOCOMOTIVE"))
    assert restaurant[0].sector == "Restaurants, Cantines"
    # A place name ending in "du Bois" does not make a woodworker.
    row = real_row(snapshot, "ASSOC FIL D ARIANE ST CHRISTOPHE DU BOIS")
    assert suggest_row(suggester, row) == []


def test_description_keywords_weigh_less_than_name_keywords(
    suggester: SectorSuggester, snapshot: list[dict[str, str]]
) -> None:
    row = real_row(snapshot, "ADDS")  # 8899B, description "Aci bâtiment et nettoyage"
    suggestions = suggest_row(suggester, row)
    assert {(s.sector, s.source) for s in suggestions} == {
        ("Autre (BTP)", "description"),
        ("Nettoyage de locaux", "description"),
    }
    [in_name] = suggester.suggest(None, "Atelier couture", description="")[:1]
    [in_description] = suggester.suggest(None, "Atelier", description="Atelier couture")[:1]
    assert in_name.sector == in_description.sector == "Couture, reprisage, retouches"
    assert in_name.confidence > in_description.confidence


def test_one_suggestion_per_sector_keeps_the_highest_confidence(
    suggester: SectorSuggester, snapshot: list[dict[str, str]]
) -> None:
    # Same confidence from NAF 81.30Z and from "espaces verts" in the name: NAF is kept.
    row = real_row(snapshot, "SCOP ESPACES VERTS")
    green = [s for s in suggest_row(suggester, row) if s.sector == GREEN_SPACES]
    assert [(s.source, s.confidence) for s in green] == [("naf", 0.9)]
    # Division 43 says BTP at 0.6, the name says it at 0.8: the name wins.
    [btp] = [s for s in suggester.suggest("43.13Z", "Entreprise BTP") if s.sector == "Autre (BTP)"]
    assert (btp.source, btp.confidence) == ("name", 0.8)


# --------------------------------------------------------------------------- loading


def copy_mappings(tmp_path: Path) -> Path:
    target = tmp_path / "mappings"
    shutil.copytree(DEFAULT_MAPPINGS_DIR, target)
    return target


def append_line(path: Path, line: str) -> int:
    """Append a CSV line and return its line number."""
    text = path.read_text(encoding="utf-8")
    path.write_text(text + line + "\n", encoding="utf-8")
    return text.count("\n") + 1


def test_mapping_with_an_unknown_sector_is_rejected_naming_the_row(
    tmp_path: Path, sectors_csv: Path
) -> None:
    mappings = copy_mappings(tmp_path)
    line = append_line(mappings / "naf_sectors.csv", "81.30Z,Astrophysique,0.9,test")
    with pytest.raises(
        ValueError,
        match=rf"naf_sectors.csv line {line}: unknown sector "
        r"'Astrophysique'",
    ):
        SectorSuggester.load(mappings, sectors_csv)

    mappings = copy_mappings(tmp_path / "keywords")
    line = append_line(mappings / "sector_keywords.csv", "fusee,Astrophysique,0.9")
    with pytest.raises(ValueError, match=rf"sector_keywords.csv line {line}: unknown sector"):
        SectorSuggester.load(mappings, sectors_csv)


@pytest.mark.parametrize(
    ("file_name", "line", "message"),
    [
        ("naf_generic.csv", "81.30Z,also generic", "also in naf_sectors.csv"),
        ("naf_sectors.csv", "8130Z,Horticulture,0.9,x", "invalid NAF prefix"),
        ("naf_sectors.csv", "81.30Z,Horticulture,1.5,x", "not in"),
        ("sector_keywords.csv", "Déchets,Horticulture,0.5", "not folded"),
        ("sector_keywords.csv", "dechets,Horticulture,0.5", "repeats 'dechet' up to plurals"),
        ("sector_keywords.csv", "espace vert,,", "masking phrase"),
    ],
)
def test_inconsistent_mappings_are_rejected(
    tmp_path: Path, sectors_csv: Path, file_name: str, line: str, message: str
) -> None:
    mappings = copy_mappings(tmp_path)
    append_line(mappings / file_name, line)
    with pytest.raises(ValueError, match=re.escape(message)):
        SectorSuggester.load(mappings, sectors_csv)


def test_mappings_carry_their_version(suggester: SectorSuggester) -> None:
    version = (DEFAULT_MAPPINGS_DIR / "VERSION").read_text(encoding="utf-8").strip()
    assert re.fullmatch(r"\d{4}-\d{2}-\d{2}\.\d+", version)
    assert suggester.version == version


def test_default_suggester_reads_the_repository_files() -> None:
    assert default_suggester() is default_suggester()
    assert default_suggester().suggest("81.30Z", "")[0].sector == GREEN_SPACES


def test_suggestion_confidence_is_rounded_and_source_checked() -> None:
    assert SectorSuggestion("Sport", "name", 0.675000001, "x").confidence == 0.68
    with pytest.raises(ValueError, match="unknown suggestion source"):
        SectorSuggestion("Sport", "guess", 0.5, "x")


# --------------------------------------------------------------------------- whole snapshot


def test_suggestions_are_deterministic_sorted_and_one_per_sector(
    suggester: SectorSuggester, sectors_csv: Path, snapshot: list[dict[str, str]]
) -> None:
    reloaded = SectorSuggester.load(DEFAULT_MAPPINGS_DIR, sectors_csv)
    for row in snapshot:
        suggestions = suggest_row(suggester, row)
        assert suggestions == suggest_row(reloaded, row)
        assert suggestions == sorted(suggestions, key=lambda s: (-s.confidence, s.sector))
        assert len({s.sector for s in suggestions}) == len(suggestions)
        assert all(
            0 < s.confidence <= 1 and s.confidence == round(s.confidence, 2) for s in suggestions
        )


def test_coverage_report_on_the_snapshot(
    suggester: SectorSuggester, snapshot: list[dict[str, str]]
) -> None:
    report = sector_coverage.report(snapshot, suggester, top=20)
    assert f"{len(snapshot)} rows" in report
    assert report.count("\n  ") >= 20  # sources, NAF statuses, kinds and unmatched names
    # A floor, not a target: measured 34.8 % with mappings 2026-11-22.1 (most rows carry a
    # generic NAF code and a name that says nothing of the trade). Catches regressions.
    covered = sum(1 for row in snapshot if suggest_row(suggester, row))
    assert covered / len(snapshot) >= 0.33


# ------------------------------------------------------------------ names of 2026-12-03.1


@pytest.fixture(scope="module")
def esat_names() -> list[str]:
    return [row["et_name"] for row in esat_demo_rows()]


def sectors_of(suggester: SectorSuggester, name: str) -> set[str]:
    return {s.sector for s in suggester.suggest(None, name)}


@pytest.mark.parametrize(
    "name", ["EMPLOIS VERTS", "ASSOC EMPLOIS VERTS DU PAYS VOIRONNAIS", "ASSOC CHLOROPHYLLE"]
)
def test_green_names_of_the_snapshot_suggest_green_spaces(suggester, snapshot, name) -> None:
    row = real_row(snapshot, name)
    assert GREEN_SPACES in {s.sector for s in suggest_row(suggester, row)}


def test_a_farm_is_named_as_a_noun_not_by_the_bare_word(suggester, snapshot, esat_names) -> None:
    # Every real name with "ferme" in it is a farm ("ESAT FERME ASCROS", "LA FERME DU
    # MAJOR", "FERME DE SAINTARY"): each still gets agriculture from a noun phrase.
    farms = [
        name
        for name in [row["name"] for row in snapshot] + esat_names
        if "ferme" in name.lower().split()
    ]
    assert len(farms) >= 20
    assert all("Agriculture" in sectors_of(suggester, name) for name in farms), [
        name for name in farms if "Agriculture" not in sectors_of(suggester, name)
    ]
    # The bare word is an adjective or a verb as often: "fermé le lundi", "terre ferme".
    assert "Agriculture" not in sectors_of(suggester, "Restaurant fermé le lundi")
    assert "Agriculture" not in sectors_of(suggester, "Association Terre ferme")
    # An educational farm receives school groups; it sells no farm produce.
    assert "Agriculture" not in sectors_of(suggester, "La ferme pédagogique du Bocage")


def test_new_phrases_hit_only_the_names_they_were_written_for(
    suggester, snapshot, esat_names
) -> None:
    names = [row["name"] for row in snapshot] + esat_names
    hits = {
        phrase: sorted(
            {n for n in names if any(s.evidence == phrase for s in suggester.suggest(None, n))}
        )
        for phrase in ("emploi vert", "chlorophylle", "fil en aiguille", "esat industriel")
    }
    assert hits == {
        "emploi vert": ["ASSOC EMPLOIS VERTS DU PAYS VOIRONNAIS", "EMPLOIS VERTS"],
        "chlorophylle": ["ASSOC CHLOROPHYLLE"],
        "fil en aiguille": ["ASSOC DE FIL EN AIGUILLE"],
        "esat industriel": [
            "ANNEXE ESAT INDUSTRIEL DE BAR LE DUC",
            "ESAT INDUSTRIEL DE BAR LE DUC",
        ],
    }


def test_coverage_report_by_source(suggester, snapshot) -> None:
    esat = sector_coverage.read_esat(ESAT_DEMO)
    lines = sector_coverage.by_source({"SIAE": snapshot, "ESAT": esat}, suggester).splitlines()
    cells = {line.split()[0]: line.split()[1:] for line in lines[2:]}
    # rows, then (count, %) for any, naf, name, description, none.
    siae, esat_cells = cells["SIAE"], cells["ESAT"]
    assert int(siae[0]) == len(snapshot) and int(esat_cells[0]) == len(esat) == 1504
    assert int(siae[1]) + int(siae[13]) == len(snapshot)  # any + none
    assert int(esat_cells[4]) == 0 and int(esat_cells[10]) == 0  # no NAF, no description
    assert int(esat_cells[1]) == int(esat_cells[7]) > 0  # names only
