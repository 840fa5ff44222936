"""scripts/derive_data.py and the reference files it wrote to data/.

The checks of the committed files run everywhere; re-deriving needs the raw sources in
``../shared/data`` beside the clone (as in CI) and is skipped, saying so, without them.
"""

from __future__ import annotations

import csv
import gzip
import io
from collections import Counter
from pathlib import Path

import pytest

from scripts import derive_data
from tests.factories import ROOT, SHARED_DATA

DATA = ROOT / "data"
REFERENCE = DATA / "reference"
SOURCE = SHARED_DATA

needs_source = pytest.mark.skipif(
    not (SOURCE / "geo" / "communes.json").is_file(),
    reason=f"raw sources not found in {SOURCE} (they sit beside the clone in CI)",
)

# Latitude/longitude boxes of the territories (min_lat, max_lat, min_lon, max_lon).
METROPOLE = (41.3, 51.2, -5.2, 9.6)
OVERSEAS_BOXES = {
    "971": (15.8, 16.6, -61.9, -60.9),  # Guadeloupe
    "972": (14.3, 14.9, -61.3, -60.8),  # Martinique
    "973": (2.1, 5.8, -54.7, -51.5),  # Guyane
    "974": (-21.4, -20.8, 55.2, 55.9),  # La Réunion
    "976": (-13.1, -12.6, 44.9, 45.4),  # Mayotte
    "975": (46.7, 47.2, -56.5, -56.1),  # Saint-Pierre-et-Miquelon
    "977": (17.8, 18.0, -63.0, -62.7),  # Saint-Barthélemy
    "978": (18.0, 18.2, -63.2, -62.9),  # Saint-Martin
    "984": (-67.0, -11.0, 37.0, 141.0),  # TAAF (Kerguelen to Terre-Adélie)
    "986": (-14.4, -13.1, -178.3, -176.0),  # Wallis-et-Futuna
    "987": (-28.0, -7.0, -155.0, -134.0),  # Polynésie française
    "988": (-23.0, -19.0, 163.0, 169.0),  # Nouvelle-Calédonie
    "989": (10.2, 10.4, -109.3, -109.1),  # Clipperton
}


def read_csv(path: Path) -> list[dict[str, str]]:
    raw = path.read_bytes()
    if path.suffix == ".gz":
        raw = gzip.decompress(raw)
    return list(csv.DictReader(io.StringIO(raw.decode("utf-8"), newline="")))


@pytest.fixture(scope="module")
def communes() -> list[dict[str, str]]:
    return read_csv(REFERENCE / "communes.csv.gz")


# ------------------------------------------------------------------------- unit


def test_gzip_output_has_no_timestamp_and_is_stable() -> None:
    payload = b"insee,name\n01001,L'Abergement\n"
    first = derive_data.gzip_bytes(payload)
    assert first == derive_data.gzip_bytes(payload)
    assert first[4:8] == b"\0\0\0\0"  # MTIME field of the gzip header
    assert gzip.decompress(first) == payload


def test_naf_level_from_code_shape() -> None:
    assert [derive_data.naf_level(code) for code in ("A", "01", "01.1", "01.11", "01.11Z")] == [
        "section",
        "division",
        "group",
        "class",
        "subclass",
    ]
    with pytest.raises(ValueError):
        derive_data.naf_level("0111Z")


def commune(code: str, postal_codes: list[str], departement: str = "99") -> dict:
    return {"code": code, "nom": code, "codesPostaux": postal_codes, "departement": departement}


def test_position_fallback_order() -> None:
    communes = [
        commune("A", ["10000"]),  # located
        commune("B", ["10000", "20000"]),  # shares a postal code with A and C
        commune("C", ["20000"]),  # located
        commune("D", ["30000"]),  # same EPCI as A and C
        commune("E", ["40000"]),  # no EPCI: département chef-lieu C
        commune("F", ["50000"], departement="98"),  # chef-lieu unlocated: département mean
        commune("G", ["60000"], departement="98"),  # located
    ]
    located = {"A": (10.0, 20.0), "C": (12.0, 22.0), "G": (-5.0, 7.0)}
    epci_of = {"A": "E1", "C": "E1", "D": "E1"}
    chef_lieux = {"99": "C", "98": "F"}
    positions = derive_data.locate_communes(communes, located, epci_of, chef_lieux)
    summary = {code: (p.latitude, p.longitude, p.precision) for code, p in positions.items()}
    assert summary == {
        "A": (10.0, 20.0, "commune"),
        "B": (11.0, 21.0, "postal_code"),
        "C": (12.0, 22.0, "commune"),
        "D": (11.0, 21.0, "epci"),
        "E": (12.0, 22.0, "departement"),
        "F": (-5.0, 7.0, "departement"),
        "G": (-5.0, 7.0, "commune"),
    }


def test_most_populous_geonames_point_wins() -> None:
    rows = [
        {
            "geonameid": "1",
            "insee_code": "67001",
            "population": "600",
            "latitude": "48.1",
            "longitude": "7.1",
        },
        {
            "geonameid": "2",
            "insee_code": "67001",
            "population": "2000",
            "latitude": "48.2",
            "longitude": "7.2",
        },
    ]
    assert derive_data.geonames_positions(rows) == {"67001": (48.2, 7.2)}


# ------------------------------------------------------------------------- committed files


def test_regions_and_departements(communes: list[dict[str, str]]) -> None:
    regions = read_csv(REFERENCE / "regions.csv")
    departements = read_csv(REFERENCE / "departements.csv")
    # France's 18 regions and 101 départements, plus the 8 overseas collectivities.
    assert Counter(r["zone"] for r in regions) == {"metro": 13, "drom": 5, "com": 8}
    assert Counter(d["zone"] for d in departements) == {"metro": 96, "drom": 5, "com": 8}
    assert {d["region_code"] for d in departements} == {r["code"] for r in regions}
    # Every commune's département and region exist (they are foreign keys in the app).
    assert {c["departement"] for c in communes} == {d["code"] for d in departements}
    assert {c["region"] for c in communes} == {r["code"] for r in regions}


def test_chefs_lieux_are_communes_of_their_territory(communes: list[dict[str, str]]) -> None:
    insee = {c["insee"]: c for c in communes}
    for departement in read_csv(REFERENCE / "departements.csv"):
        chef_lieu = insee.get(departement["chef_lieu"])
        assert chef_lieu is not None, departement
        assert chef_lieu["departement"] == departement["code"], departement
    for region in read_csv(REFERENCE / "regions.csv"):
        chef_lieu = insee.get(region["chef_lieu"])
        assert chef_lieu is not None and chef_lieu["region"] == region["code"], region


def test_every_current_commune_has_a_position(communes: list[dict[str, str]]) -> None:
    assert len(communes) == 34_969
    assert len({c["insee"] for c in communes}) == len(communes)
    counts = Counter(c["position_precision"] for c in communes)
    assert set(counts) == set(derive_data.PRECISIONS)
    assert sum(counts.values()) == 34_969
    # GeoNames locates 14,650 communes, plus the 13 overseas points the script carries.
    assert counts["commune"] == 14_663


def test_positions_lie_in_their_territory(communes: list[dict[str, str]]) -> None:
    outside = []
    for row in communes:
        lat, lon = float(row["latitude"]), float(row["longitude"])
        min_lat, max_lat, min_lon, max_lon = OVERSEAS_BOXES.get(row["departement"], METROPOLE)
        if not (min_lat <= lat <= max_lat and min_lon <= lon <= max_lon):
            outside.append((row["insee"], row["name"], lat, lon))
    assert outside == []


def test_commune_columns(communes: list[dict[str, str]]) -> None:
    epcis = {e["siren"] for e in read_csv(REFERENCE / "epcis.csv")}
    paris = next(c for c in communes if c["insee"] == "75056")
    assert "75011" in paris["postal_codes"].split() and paris["epci_siren"] in epcis
    assert all(c["epci_siren"] in epcis for c in communes if c["epci_siren"])
    assert sum(1 for c in communes if not c["epci_siren"]) == 98
    assert all(len(c["latitude"].split(".")[1]) == 5 for c in communes)


def test_aliases_point_at_current_communes(communes: list[dict[str, str]]) -> None:
    aliases = read_csv(REFERENCE / "commune_aliases.csv.gz")
    current = {c["insee"] for c in communes}
    assert all(a["current_insee"] in current for a in aliases)
    assert Counter(a["kind"] for a in aliases) == {
        "commune-deleguee": 2105,
        "commune-associee": 471,
        "arrondissement-municipal": 45,
    }
    arrondissement = next(a for a in aliases if a["insee"] == "69383")
    assert (arrondissement["current_insee"], arrondissement["postal_codes"]) == ("69123", "69003")


def test_taxonomies() -> None:
    sectors = read_csv(REFERENCE / "sectors.csv")
    assert len(sectors) == 154 and len({s["group_slug"] for s in sectors}) == 20
    assert len({s["sector_slug"] for s in sectors}) == 154
    naf = read_csv(REFERENCE / "naf.csv")
    assert len(naf) == 1707
    assert Counter(n["level"] for n in naf) == {
        "division": 88,
        "group": 272,
        "class": 615,
        "subclass": 732,
    }
    assert not any("  " in n["label"] for n in naf)
    labels = read_csv(REFERENCE / "labels.csv")
    assert list(labels[0]) == ["slug", "name", "description", "website"]
    assert {label["slug"] for label in labels} >= {"rge", "esus", "b-corp"}
    networks = read_csv(REFERENCE / "networks.csv")
    assert len(networks) == 13 and list(networks[0])[0] == "slug"


# ------------------------------------------------------------------------- re-deriving


@pytest.fixture(scope="module")
def derived(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("derived")
    derive_data.derive_all(SOURCE, out)
    return out


@needs_source
def test_rederiving_gives_the_committed_bytes(derived: Path) -> None:
    """Deterministic output, and committed files up to date with the script."""
    produced = sorted(p.relative_to(derived) for p in derived.rglob("*") if p.is_file())
    assert produced, "nothing derived"
    for relative in produced:
        assert (derived / relative).read_bytes() == (DATA / relative).read_bytes(), (
            f"data/{relative} differs from a fresh derivation: "
            "run python scripts/derive_data.py and commit"
        )


@needs_source
def test_demo_snapshot_is_the_source_unchanged(derived: Path) -> None:
    shipped = gzip.decompress((derived / "demo" / "siae_snapshot.csv.gz").read_bytes())
    assert shipped == (SOURCE / "siae_snapshot.csv").read_bytes()


@needs_source
def test_demo_esat_list_is_the_source_unchanged(derived: Path) -> None:
    shipped = gzip.decompress((derived / "demo" / "esat_finess.csv.gz").read_bytes())
    assert shipped == (SOURCE / "esat_finess.csv").read_bytes()


def test_cli_rejects_a_missing_source(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert derive_data.main(["--source", str(tmp_path / "absent"), "--out", str(tmp_path)]) == 2
    assert "no source data" in capsys.readouterr().err
