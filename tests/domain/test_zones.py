"""Zones inferred from public data (domain/zones.py), on real descriptions."""

from __future__ import annotations

import pytest

from domain.text import fold
from domain.zones import ADDRESS_DEPARTEMENT, DIVISIONS, NATIONAL, derive_zone


def _row(snapshot: list[dict[str, str]], siret: str) -> dict[str, str]:
    return next(row for row in snapshot if row["siret"] == siret)


def test_a_local_territory_is_not_france(snapshot) -> None:
    # ASSOC BRUCHE EMPLOI: "notre champ d'action s'étend sur tout le territoire de la
    # Communauté de communes de la Vallée de la Bruche ..." was read as a national claim.
    row = _row(snapshot, "35066134400035")
    assert "sur tout le territoire de la communaute de communes" in fold(row["description"])
    zone = derive_zone(row["description"], row["department"])
    assert zone is not None
    assert (zone.kind, zone.divisions, zone.derivation) == (
        DIVISIONS,
        (("departement", "67"),),
        ADDRESS_DEPARTEMENT,
    )


def test_no_description_of_the_snapshot_claims_france(snapshot) -> None:
    """None of the 126 real descriptions says the structure works all over France
    (read them: "3 sites en France", "Cap Intérim France est un réseau...", "en
    Île-de-France" are not such claims), so none may become national."""
    national = [
        row["name"]
        for row in snapshot
        if (zone := derive_zone(row["description"], row["department"])) and zone.kind == NATIONAL
    ]
    assert national == []
    described = [row for row in snapshot if row["description"].strip()]
    assert len(described) == 126  # the rule above was judged on all of them


@pytest.mark.parametrize(
    "description",
    [
        "Traiteur solidaire qui livre partout en France.",
        "Nous intervenons sur l'ensemble du territoire national.",
        "Chantiers sur tout le territoire français, DOM compris.",
        "Nous intervenons dans toute la France.",
        "Une activité à l'échelle nationale.",
    ],
)
def test_a_claim_about_france_is_national(description: str) -> None:
    zone = derive_zone(description, "59")
    assert zone is not None and zone.kind == NATIONAL and zone.derived
    assert zone.derivation.startswith("description_national:")


@pytest.mark.parametrize(
    "description",
    [
        "Sur tout le territoire de la Métropole européenne de Lille.",
        "Nous intervenons sur tout le territoire du Bas-Rhin.",
        "Sur l'ensemble du territoire d'Est Ensemble.",
        "Un réel projet de territoire, au service des personnes du territoire.",
        "Lutte contre la précarité énergétique en Île-de-France.",
        "Un réseau international d'entreprises.",
    ],
)
def test_a_local_or_foreign_territory_is_not_national(description: str) -> None:
    zone = derive_zone(description, "59")
    assert zone is not None
    assert (zone.kind, zone.divisions) == (DIVISIONS, (("departement", "59"),))


def test_nothing_known_gives_no_zone() -> None:
    assert derive_zone(None, None) is None
    assert derive_zone("Sur tout le territoire de la communauté de communes.", None) is None
