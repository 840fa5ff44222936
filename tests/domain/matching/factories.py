"""Generated pools and purchases for the matcher's tests: suppliers mixing every kind,
zone, position, turnover and track record on a small map of the Hauts-de-France, and
purchases of every place kind, with and without lots, amounts and CPV codes."""

from __future__ import annotations

import random
from dataclasses import replace
from datetime import date

from domain.matching.eligibility import L2113_15
from domain.matching.facts import Award, Place, Purchase, SectorClaim, Supplier, Zone
from domain.matching.nature import purchase_nature

SECTORS = [
    ("nettoyage-de-locaux", "hygiene-et-proprete"),
    ("nettoyage-de-vehicules", "hygiene-et-proprete"),
    ("entretien-espaces-verts", "espaces-verts-exterieurs"),
    ("restauration-collective", "restauration"),
    ("blanchisserie", "textile"),
]
KINDS = ["EI", "ETTI", "AI", "ACI", "EITI", "GEIQ", "EA", "EATT", "ESAT", "ESS"]
# A small map: two départements of one région, communes in EPCIs.
COMMUNES = [
    ("59350", "200093201", "59", 50.63, 3.06),
    ("59009", "200093201", "59", 50.65, 3.14),
    ("59183", None, "59", 51.03, 2.37),
    ("62041", "200033579", "62", 50.29, 2.78),
    ("62193", "200033579", "62", 50.36, 2.83),
    ("62765", None, "62", 50.75, 1.6),
]


def commune_place(insee, epci, departement, latitude, longitude) -> Place:
    covered = [("commune", insee), ("departement", departement), ("region", "32")]
    if epci:
        covered.insert(1, ("epci", epci))
    return Place("commune", insee, insee, latitude, longitude, tuple(covered))


def points(communes) -> tuple[tuple[float, float], ...]:
    return tuple((c[3], c[4]) for c in communes)


def places() -> list[Place]:
    found = [commune_place(*c) for c in COMMUNES]
    for departement in ("59", "62"):
        communes = tuple((c[0], c[1], c[2]) for c in COMMUNES if c[2] == departement)
        found.append(
            Place(
                "departement",
                departement,
                departement,
                50.5,
                2.8,
                (("departement", departement), ("region", "32")),
                communes,
                points([c for c in COMMUNES if c[2] == departement]),
            )
        )
    found.append(
        Place(
            "region",
            "32",
            "Hauts-de-France",
            50.5,
            2.7,
            (("region", "32"),),
            tuple((c[0], c[1], c[2]) for c in COMMUNES),
            points(COMMUNES),
        )
    )
    found.append(
        Place(
            "epci",
            "200093201",
            "MEL",
            50.64,
            3.1,
            (("epci", "200093201"), ("departement", "59"), ("region", "32")),
            tuple((c[0], c[1], c[2]) for c in COMMUNES if c[1] == "200093201"),
            points([c for c in COMMUNES if c[1] == "200093201"]),
        )
    )
    found.append(Place("national", "FR", "France", 46.6, 2.4, (("national", "FR"),)))
    found.append(Place("commune", "99999", "sans position"))
    return found


def random_zone(rng: random.Random) -> Zone:
    declared = rng.random() < 0.5
    kind = rng.choice(["none", "national", "divisions", "divisions", "radius"])
    if kind == "national":
        return Zone("national", declared=declared)
    if kind == "divisions":
        options = [
            ("departement", "59"),
            ("departement", "62"),
            ("region", "32"),
            ("epci", "200093201"),
        ] + [("commune", c[0]) for c in COMMUNES]
        return Zone(
            "divisions", frozenset(rng.sample(options, rng.randint(1, 3))), declared=declared
        )
    if kind == "radius":
        reached = rng.sample(COMMUNES, rng.randint(0, 3))
        reach = {("commune", c[0]) for c in reached} | {("departement", c[2]) for c in reached}
        return Zone(
            "radius", radius_km=rng.choice([10, 30, 80]), reach=frozenset(reach), declared=declared
        )
    return Zone("none")


def random_supplier(rng: random.Random, number: int) -> Supplier:
    sectors = rng.sample(SECTORS, rng.choice([0, 0, 1, 1, 2, 3]))
    awards = ()
    if rng.random() < 0.15:
        awards = tuple(
            Award(
                date(2023, rng.randint(1, 12), 1),
                rng.choice([None, 50_000.0]),
                rng.choice(["90910000", "85311000", None]),
                frozenset(rng.sample([s for s, _ in SECTORS], rng.randint(0, 2))),
                rng.choice([None, None, L2113_15, "L2113-13"]),
            )
            for _ in range(rng.randint(1, 4))
        )
    located = rng.random() < 0.9
    return Supplier(
        siret=f"{rng.randrange(10**13, 10**14)}{number % 10}",
        name=f"S{number}",
        kind=rng.choice(KINDS),
        ess_status=rng.choice(["unknown", "by_statute", "company", "none"]),
        sectors=tuple(
            SectorClaim(
                s,
                g,
                *rng.choice(
                    [
                        ("confirmed", "naf"),
                        ("suggested", "naf"),
                        ("suggested", "name"),
                        ("suggested", "declared"),
                    ]
                ),
                0.8,
            )
            for s, g in sectors
        ),
        zone=random_zone(rng),
        latitude=rng.uniform(49.8, 51.2) if located else None,
        longitude=rng.uniform(1.4, 3.8) if located else None,
        turnover=rng.choice([None, 0.0, 80_000.0, 400_000.0, 3_000_000.0, rng.uniform(1e4, 1e7)]),
        largest_contract=rng.choice([None, 100_000.0]),
        completeness=rng.randrange(0, 101, 5),
        networks=frozenset(rng.sample(["fei", "unea", "cress"], rng.randint(0, 1))),
        awards=awards,
        # Based in one of the map's communes, or elsewhere.
        commune=rng.choice([c[0] for c in COMMUNES] + ["80021", None]),
    )


def random_purchase(rng: random.Random, number: int, place: Place) -> Purchase:
    def common(sectors):
        return {
            "sectors": tuple(sectors),
            "place": place,
            "total_amount": rng.choice([None, 60_000.0, 900_000.0, rng.uniform(1e4, 3e6)]),
            "duration_months": rng.choice([None, 12, 24, 48]),
            "buyer_type": rng.choice(["pouvoir_adjudicateur", "entite_adjudicatrice"]),
            "cpv": rng.choice([(), ("85311000",), ("90910000",), ("85311000", "92500000")]),
            "launch": date(2026, 6, 1),
        }

    lots = ()
    if rng.random() < 0.3:
        lots = tuple(
            Purchase(
                key=f"p{number}/lot:{i}",
                title=f"Lot {i}",
                lot=f"Lot {i}",
                **common(rng.sample(SECTORS, 1)),
            )
            for i in range(1, rng.randint(2, 3) + 1)
        )
    sectors = rng.sample(SECTORS, rng.choice([0, 1, 1, 2, 3])) if not lots else []
    if lots:
        sectors = list(dict.fromkeys(pair for lot in lots for pair in lot.sectors))
    fields = common(sectors)
    if rng.random() < 0.5:
        fields["annual_amount"] = rng.choice([30_000.0, 250_000.0, rng.uniform(1e4, 2e6)])
    # Now and then an insertion or staff-provision purchase (matched by kind).
    title, cpv = rng.choice(
        [("Achat", fields["cpv"])] * 4
        + [
            ("Prestations de propreté urbaine", ("85312510",)),
            ("Mise à disposition de personnel", ("79620000",)),
        ]
    )
    fields["cpv"] = cpv
    nature = purchase_nature(cpv, title)
    # A lot may be a trade within an insertion purchase (its own title says so).
    lots = tuple(replace(lot, nature=nature if rng.random() < 0.6 else None) for lot in lots)
    return Purchase(key=f"p{number}", title=title, lots=lots, nature=nature, **fields)
