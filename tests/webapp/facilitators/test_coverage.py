"""A network's coverage gaps: published intentions per sector × département (a commune's,
an EPCI's, a département, a région's) against the network's members that work there and
declare the sector or were matched to them; the map's dots; the page and its filters."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from tests.factories import (
    CLEANING,
    GREEN,
    LINEN,
    claim_sector,
    intention,
    make_enterprise,
    sign_in,
)
from webapp.facilitators import coverage
from webapp.models import InterventionZone, MatchCandidate, Network, ZoneDivision

LILLE, RENNES = "59350", "35238"
MEL = "200093201"  # Métropole Européenne de Lille: its communes are all in the Nord


def _member(session, network, siret, sectors=(), zone=None, radius=None, **fields):
    """An enterprise of ``network`` in Lille; ``zone``: (type, code) divisions or
    "national"; ``sectors``: confirmed slugs."""
    values = {
        "latitude": 50.63,
        "longitude": 3.06,
        "commune_insee": LILLE,
        "departement_code": "59",
    }
    values.update(fields)
    enterprise = make_enterprise(session, siret, name=f"Membre {siret[:4]}", **values)
    if network is not None:
        enterprise.networks.append(network)
    for slug in sectors:
        claim_sector(session, enterprise, slug)
    if zone == "national":
        session.add(InterventionZone(enterprise=enterprise, kind="national"))
    elif radius:
        session.add(InterventionZone(enterprise=enterprise, kind="radius", radius_km=radius))
    elif zone:
        row = InterventionZone(enterprise=enterprise, kind="divisions")
        row.divisions = [ZoneDivision(division_type=t, code=c) for t, c in zone]
        session.add(row)
    session.flush()
    return enterprise


@pytest.fixture
def territory(session):
    network = session.scalar(select(Network).order_by(Network.id))
    nord = _member(session, network, "41234567000019", [CLEANING], [("departement", "59")])
    hdf = _member(session, network, "51234567900017", [CLEANING], [("region", "32")])
    # No sector confirmed (a suggestion only), national, but matched to the green-space
    # intention: counted there from that evidence.
    matched = _member(session, network, "71234567700017", [], "national")
    claim_sector(session, matched, GREEN, status="suggested", source="naf", confidence=0.5)
    # Not a member: never counted, though it works in the Pas-de-Calais in cleaning.
    _member(session, None, "81234567500012", [CLEANING], [("departement", "62")])
    rows = {
        "lille": intention(session, sectors=[CLEANING]),  # commune -> 59
        "arras": intention(
            session,
            sectors=[CLEANING],
            place_kind="departement",
            place_code="62",
            place_label="Pas-de-Calais",
        ),
        "mel": intention(
            session,
            sectors=[GREEN],
            forecast=True,
            place_kind="epci",
            place_code=MEL,
            place_label="MEL",
        ),
        "rennes": intention(session, sectors=[LINEN], place_code=RENNES, place_label="Rennes (35)"),
        "france": intention(session, sectors=[LINEN], place_kind="national", place_code=None),
        "draft": intention(session, sectors=[LINEN], status="draft", place_code=RENNES),
    }
    session.add(MatchCandidate(intention=rows["mel"], enterprise=matched, score=0.6, alone=True))
    session.commit()
    return {"network": network, "nord": nord, "hdf": hdf, "matched": matched, **rows}


def _cells(result):
    return {(c.sector.slug, c.departement.code): c for c in result.cells}


def test_cells_count_intentions_and_the_members_that_answer_them(session, territory):
    result = coverage.coverage(session, territory["network"])
    cells = _cells(result)
    assert set(cells) == {(CLEANING, "59"), (CLEANING, "62"), (GREEN, "59"), (LINEN, "35")}
    lille = cells[CLEANING, "59"]
    assert lille.intentions == {territory["lille"].id}
    assert lille.members == {territory["nord"].id, territory["hdf"].id}
    assert not lille.gap  # two members: the threshold
    arras = cells[CLEANING, "62"]
    assert arras.members == {territory["hdf"].id} and arras.gap and arras.missing == 1
    green = cells[GREEN, "59"]
    assert green.members == {territory["matched"].id}  # from the stored match only
    assert green.forecasts == {territory["mel"].id}
    rennes = cells[LINEN, "35"]
    assert rennes.members == set() and rennes.gap and rennes.missing == 2
    assert result.national == 1  # the national one, in no département; not the draft
    assert result.intentions == 4
    assert result.members == 3


def test_the_largest_gaps_come_first(session, territory):
    result = coverage.coverage(session, territory["network"])
    order = [(c.sector.slug, c.departement.code) for c in result.cells]
    assert order[0] == (LINEN, "35")  # no member at all
    assert order[-1] == (CLEANING, "59")  # covered
    assert [len(c.members) for c in result.cells] == sorted(len(c.members) for c in result.cells)
    assert len(result.gaps) == 3


def test_a_radius_zone_works_in_the_departements_it_reaches(session, territory):
    # 40 km around Lille reaches the Pas-de-Calais (Lens is ~30 km away), not Brittany.
    reach = _member(session, territory["network"], "91234567300010", [CLEANING], radius=40)
    session.commit()
    cells = _cells(coverage.coverage(session, territory["network"]))
    assert reach.id in cells[CLEANING, "62"].members
    assert not cells[CLEANING, "62"].gap


def test_a_member_without_zone_works_in_its_address_departement(session, territory):
    base = _member(session, territory["network"], "31234567100014", [LINEN])
    base.departement_code, base.commune_insee = "35", RENNES
    session.commit()
    cells = _cells(coverage.coverage(session, territory["network"]))
    assert cells[LINEN, "35"].members == {base.id}


def test_filters_by_sector_group_and_region(session, territory):
    from tests.factories import sector

    group = sector(session, LINEN).group.slug
    cells = _cells(coverage.coverage(session, territory["network"], group=group))
    assert set(cells) == {(LINEN, "35")}
    cells = _cells(coverage.coverage(session, territory["network"], region="32"))
    assert {code for _, code in cells} == {"59", "62"}


def test_dots_sit_at_the_departements_mean_commune_position(session, territory):
    dots = {d.code: d for d in coverage.coverage(session, territory["network"]).dots}
    assert set(dots) == {"59", "62", "35"}
    assert 50.0 < dots["59"].latitude < 51.1 and 2.0 < dots["59"].longitude < 4.3
    assert 47.6 < dots["35"].latitude < 48.7 and -2.3 < dots["35"].longitude < -1.0
    assert (dots["35"].level, dots["62"].level) == ("none", "few")
    assert dots["59"].level == "few"  # cleaning covered, green spaces a gap
    assert dots["59"].intentions == 2


def test_completeness_summary(session, territory):
    rows = [
        {"enterprise": territory["nord"], "score": 30, "claimed": False},
        {"enterprise": territory["hdf"], "score": 80, "claimed": True},
        {"enterprise": territory["matched"], "score": 45, "claimed": False},
    ]
    summary = coverage.completeness_summary(rows)
    assert (summary.members, summary.below, summary.average) == (3, 2, 52)
    assert [r["score"] for r in summary.least] == [30, 45, 80]
    assert coverage.completeness_summary([]).average is None


# --- The page ----------------------------------------------------------------------------------


def _path(network):
    return f"/espace/reseaux/{network.slug}/couverture"


def test_the_page_shows_the_table_the_map_and_the_completeness(
    client, session, territory, make_user
):
    sign_in(client, make_user("facilitator", network=territory["network"]))
    path = _path(territory["network"])
    answer = client.get(path)
    assert answer.status_code == 200
    page = answer.get_data(as_text=True)
    assert "Ille-et-Vilaine (35)" in page and "aucun membre" in page
    assert "data-coverage-map" in page and "js/coverage_map.js" in page
    dots = re.search(r"data-dots='([^']*)'", page).group(1)
    assert '"level": "none"' in dots or '"level":"none"' in dots
    assert "moins de 2 membres" in page
    assert f"/espace/reseaux/{territory['network'].slug}/inviter?siret=" in page
    assert "tile.openstreetmap" not in page  # no tiles unless MAP_TILES_URL is set


def test_the_page_filters_and_refuses_unknown_filters(client, session, territory, make_user):
    sign_in(client, make_user("facilitator", network=territory["network"]))
    path = _path(territory["network"])
    page = client.get(path, query_string={"region": "53"}).get_data(as_text=True)
    assert "Ille-et-Vilaine (35)" in page and "Nord (59)" not in page
    answer = client.get(path, query_string={"region": "999", "groupe": "nope"})
    assert answer.status_code == 400
    page = answer.get_data(as_text=True)
    assert "Région inconnue." in page and "Groupe de secteurs inconnu." in page


def test_only_the_networks_facilitators_see_it(client, session, territory, make_user):
    other = session.scalars(select(Network).where(Network.id != territory["network"].id)).first()
    sign_in(client, make_user("facilitator", network=other))
    path = _path(territory["network"])
    assert client.get(path).status_code == 403


def test_the_page_s_counts_are_french(client, session, make_user):
    """One intention, one gap, one member: singulars; none: « aucune »."""
    network = session.scalars(select(Network).order_by(Network.id)).all()[1]
    _member(session, network, "41234567000019", [CLEANING], [("departement", "59")])
    session.commit()
    sign_in(client, make_user("facilitator", network=network))
    page = " ".join(client.get(_path(network)).get_data(as_text=True).split())
    assert "Aucune intention placée sur la carte, aucune case en manque, 1 membre." in page
    intention(session, sectors=[CLEANING])  # in Lille: a cell of the Nord with one member
    session.commit()
    page = " ".join(client.get(_path(network)).get_data(as_text=True).split())
    assert "1 intention placée sur la carte, 1 case en manque, 1 membre." in page
    assert "1 intentions" not in page and "1 cases" not in page
