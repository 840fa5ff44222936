"""Rows read as the matcher's facts (webapp/matching/facts.py): places, purchases and
suppliers, their track record, and the census they give against the search."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import select

from domain.matching.match import match
from tests.factories import CLEANING, GREEN, LINEN, claim_sector
from tests.webapp.matching.factories import intention_row, make_siret, supplier_row, won
from webapp.matching import facts
from webapp.matching.pool import current_pool
from webapp.models import ContractAward


def test_place_of_a_commune_lists_what_holds_it(session):
    place = facts.place_of(session, "commune", "59350")
    assert (place.kind, place.code, place.name) == ("commune", "59350", "Lille")
    assert place.covered_by == (
        ("commune", "59350"),
        ("epci", "200093201"),
        ("departement", "59"),
        ("region", "32"),
    )
    assert place.latitude == pytest.approx(50.63, abs=0.01)
    assert place.communes == ()


def test_place_of_an_epci_covers_its_departement_and_lists_its_communes(session):
    place = facts.place_of(session, "epci", "200093201")
    assert place.covered_by == (("epci", "200093201"), ("departement", "59"), ("region", "32"))
    insees = {c[0] for c in place.communes}
    assert {"59350", "59009"} <= insees and "59183" not in insees
    assert all(epci == "200093201" and dep == "59" for _, epci, dep in place.communes)


def test_place_of_a_departement_and_a_region(session):
    nord = facts.place_of(session, "departement", "59")
    assert nord.name == "Nord"
    assert nord.covered_by == (("departement", "59"), ("region", "32"))
    assert {"59350", "59183"} <= {c[0] for c in nord.communes}
    assert all(dep == "59" for *_, dep in nord.communes)
    hdf = facts.place_of(session, "region", "32")
    assert hdf.covered_by == (("region", "32"),)
    deps = {dep for *_, dep in hdf.communes}
    assert {"59", "62", "80"} <= deps and "75" not in deps
    assert hdf.latitude is not None and 49 < hdf.latitude < 51.5


def test_place_of_national_and_unknown_codes(session):
    france = facts.place_of(session, "national", None)
    assert france.kind == "national" and france.covered_by == (("national", "FR"),)
    unknown = facts.place_of(session, "commune", "99999")
    assert unknown.code == "99999" and unknown.covered_by == ()


def test_purchase_of_with_lots_takes_the_lots_sectors(session):
    intention = intention_row(
        session,
        sectors=(),
        place=("departement", "59"),
        lots=[("Ménage", (CLEANING,), 300_000), ("Espaces verts", (GREEN,), 120_000)],
        cpv_codes="90910000 77310000",
    )
    purchase = facts.purchase_of(session, intention)
    assert purchase.key == f"intention:{intention.id}"
    assert set(purchase.sectors) == {
        (CLEANING, "hygiene-et-proprete"),
        (GREEN, "espaces-verts-exterieurs"),
    }
    assert purchase.place.kind == "departement" and purchase.place.code == "59"
    assert purchase.cpv == ("90910000", "77310000")
    assert [lot.lot for lot in purchase.lots] == ["Lot 1 : Ménage", "Lot 2 : Espaces verts"]
    assert purchase.lots[0].sectors == ((CLEANING, "hygiene-et-proprete"),)
    assert purchase.lots[1].total_amount == 120_000
    assert purchase.lots[0].key == f"intention:{intention.id}/lot:1"
    assert purchase.yearly_amount == 100_000


def test_suppliers_drop_rejected_sectors_and_closed_enterprises(session):
    enterprise = supplier_row(session, 1, sectors=(CLEANING,))
    claim_sector(session, enterprise, GREEN, "rejected", "naf", 0.4)
    claim_sector(session, enterprise, LINEN, "suggested", "name", 0.6)
    supplier_row(session, 2, status="closed")
    session.flush()
    pool = facts.suppliers(session)
    assert [s.siret for s in pool] == [enterprise.siret]
    claims = {(c.sector, c.status, c.source) for c in pool[0].sectors}
    assert claims == {(CLEANING, "confirmed", "declared"), (LINEN, "suggested", "name")}
    assert pool[0].turnover == 2_000_000 and pool[0].kind == "EA"


def test_suppliers_zones_national_divisions_radius(session):
    national = supplier_row(session, 1, zone=("national", None))
    divisions = supplier_row(
        session, 2, zone=("divisions", [("departement", "59"), ("epci", "200054781")])
    )
    radius = supplier_row(session, 3, zone=("radius", 15), commune="59350")
    nothing = supplier_row(session, 4, zone=None)
    by_siret = {s.siret: s for s in facts.suppliers(session)}
    assert by_siret[national.siret].zone.kind == "national"
    assert by_siret[divisions.siret].zone.divisions == frozenset(
        {("departement", "59"), ("epci", "200054781")}
    )
    assert by_siret[divisions.siret].zone.declared
    reach = by_siret[radius.siret].zone
    assert reach.kind == "radius" and reach.radius_km == 15
    assert {("commune", "59350"), ("commune", "59009"), ("departement", "59")} <= reach.reach
    assert ("commune", "59183") not in reach.reach  # Dunkerque is ~65 km away
    assert by_siret[nothing.siret].zone.kind == "none"


def test_suppliers_track_record_from_contract_awards(session):
    enterprise = supplier_row(session, 1)
    session.add_all(
        [
            ContractAward(
                holder_siret=enterprise.siret,
                enterprise_id=enterprise.id,
                buyer_siret="21590350100017",
                cpv="90910000",
                amount=80_000,
                notified_on=date(2024, 5, 2),
                reservation="L2113-12",
                source="decp",
                external_id="c1",
            ),
            ContractAward(  # a holder outside the directory: nobody's track record
                holder_siret="11111111111111",
                cpv="90910000",
                amount=5,
                source="decp",
                external_id="c2",
            ),
        ]
    )
    session.flush()
    (supplier,) = facts.suppliers(session)
    (award,) = supplier.awards
    assert (award.notified, award.amount, award.cpv) == (date(2024, 5, 2), 80_000, "90910000")
    assert award.reservation == "L2113-12" and award.buyer_siret == "21590350100017"


def test_the_pool_read_as_plain_rows_is_the_pool_read_through_the_models(session):
    """``suppliers`` reads plain SQL rows (webapp.indexing.records) for speed: every fact must be
    what ``supplier_of`` makes of the ORM model, for every kind of profile."""
    from webapp.models import ClientReference, Enterprise, Label, Network, Offer

    supplier_row(session, 1, kind="EA", sectors=(CLEANING, GREEN), website="https://a.fr")
    radius = supplier_row(session, 2, kind="ACI", zone=("radius", 30), turnover=None)
    national = supplier_row(session, 3, kind="ESS", zone=("national", None), brand="Marque")
    bare = supplier_row(session, 4, kind="EI", sectors=(), zone=None, commune=None)
    inferred = supplier_row(session, 5, kind="AI", zone=("divisions", [("epci", "200093201")]))
    inferred.zone.derived = True
    claim_sector(session, bare, LINEN, "rejected", "naf", 0.4)
    claim_sector(session, radius, GREEN, "suggested", "naf", 0.6)
    session.add(Offer(enterprise=national, title="Ménage", presta_type="service"))
    session.add(ClientReference(enterprise=radius, client_name="Ville de Lille"))
    national.labels.append(session.scalars(select(Label)).first())
    inferred.networks.append(session.scalars(select(Network)).first())
    national.capacity.largest_contract_eur = 300_000
    national.capacity.headcount_total = 40
    won(session, radius, "x1", 10_000)
    closed = supplier_row(session, 6)
    closed.status = "closed"
    session.flush()
    session.expire_all()

    from_rows = facts.suppliers(session)
    enterprises = session.scalars(
        select(Enterprise).where(Enterprise.status == "active").order_by(Enterprise.id)
    ).all()
    awards = facts.track_records(session)
    from_models = [facts.supplier_of(e, tuple(awards.get(e.id, ()))) for e in enterprises]
    assert from_rows == from_models
    assert len(from_rows) == 5 and make_siret(6) not in {s.siret for s in from_rows}
    by_siret = {s.siret: s for s in from_rows}
    assert by_siret[radius.siret].zone.kind == "radius" and by_siret[radius.siret].zone.reach
    assert not by_siret[inferred.siret].zone.declared
    assert by_siret[national.siret].completeness > by_siret[bare.siret].completeness
    assert [c.sector for c in by_siret[bare.siret].sectors] == []
    assert len(by_siret[radius.siret].awards) == 1
    assert by_siret[national.siret].name == "Marque"


def test_the_candidate_index_changes_nothing_but_the_work(session):
    """``candidates`` leaves out whoever works nowhere near the place (and, for an
    insertion purchase, the kinds it is not bought from) — never anyone the matcher would
    list or put in a group. No sector filter: a supplier whose sectors are unknown is a
    candidate for any trade of its place (unknown never excludes)."""
    from domain.matching.evaluate import evaluate
    from domain.matching.match import match
    from domain.matching.rules import load_rules
    from domain.matching.table import SupplierTable
    from domain.matching.territory import divisions_inside, touches

    supplier_row(session, 1, kind="EA", sectors=(CLEANING,))
    supplier_row(session, 2, kind="ESAT", sectors=(GREEN,))
    supplier_row(session, 3, kind="EA", sectors=(LINEN,))  # declared, another trade
    supplier_row(session, 4, kind="AI", sectors=())  # no sector: its kind's prior counts
    supplier_row(session, 5, kind="EA", sectors=("nettoyage-de-vehicules",))  # same group
    supplier_row(session, 6, kind="ACI", sectors=())
    paris = ("divisions", [("departement", "75")])
    supplier_row(session, 7, kind="EI", sectors=(CLEANING,), commune="75056", zone=paris)
    pool = facts.suppliers(session)
    table = SupplierTable(pool)
    cleaning = intention_row(session)
    both = intention_row(session, sectors=(CLEANING, GREEN), place=("departement", "59"))
    lots = intention_row(
        session, sectors=(), lots=[("Linge", (LINEN,), 50_000), ("Ménage", (CLEANING,), 1)]
    )
    for intention in (cleaning, both, lots):
        purchase = facts.purchase_of(session, intention)
        considered = {pool[p].siret for p in table.candidates(purchase)}
        assert make_siret(7) not in considered  # Paris, for a purchase in the Nord
        inside = divisions_inside(purchase.place)
        for supplier in pool:
            if supplier.siret not in considered:
                for part in (purchase, *purchase.lots):
                    e = evaluate(supplier, part, load_rules(), explain=False)
                    assert not e.relevant
                    assert not (
                        e.covered and (e.serves or touches(supplier.zone, part.place, inside))
                    )
    purchase = facts.purchase_of(session, cleaning)
    ranked = set(match(purchase, table).ranking.sirets())
    # The AI and the ACI of unknown sectors are listed (probable); the linen EA declared
    # another trade: left out of the ranking though a candidate.
    assert {make_siret(1), make_siret(4), make_siret(5), make_siret(6)} <= ranked
    assert make_siret(3) not in ranked and make_siret(7) not in ranked


def test_a_contract_won_is_evidence_of_its_sector(session):
    """The track record from the database: an ACI with no known sector that won a
    cleaning contract (CPV 90910000) is known for cleaning — "d'après ses marchés publics
    remportés" — and ranks above an ACI next to it with no record."""
    from domain.matching.evaluate import TRACK

    winner = supplier_row(session, 1, kind="ACI", sectors=())
    supplier_row(session, 2, kind="ACI", sectors=())
    won(session, winner, "decp-1", 50_000)
    session.commit()
    result = match(facts.purchase_of(session, intention_row(session)), current_pool(session))
    first = result.suppliers[0]
    assert first.supplier.siret == make_siret(1)
    assert first.coverage[CLEANING] == TRACK and first.known
    assert any("marché(s) public(s) remporté(s) (DECP, CPV 90910000)" in r for r in first.reasons)
    assert result.census["by_contracts"] == 1
    assert not result.suppliers[1].known


def test_search_and_matcher_count_the_same_for_a_place_and_a_sector(session, search_backend):
    """The one territory rule (DESIGN.md): the search's ``serves`` (works in) and the
    matcher's known suppliers give the same count for the same place and sector — and
    where they cannot, the matcher's census says by how many and why."""
    from search.query import parse_query
    from webapp.indexing.places import DatabasePlaces
    from webapp.indexing.sync import reindex

    supplier_row(session, 1, kind="EA")  # zone: the Nord
    supplier_row(session, 2, kind="EI", zone=("divisions", [("commune", "59350")]))
    supplier_row(
        session, 3, kind="EA", commune="75056", zone=("divisions", [("departement", "75")])
    )
    supplier_row(session, 4, kind="ACI", sectors=())  # probable: not counted as known
    supplier_row(session, 5, kind="EI", zone=("national", None))
    session.commit()
    reindex(session, search_backend)

    def search_total(place: str) -> int:
        query = parse_query({"sector": CLEANING, "serves": place}, DatabasePlaces(session))
        return search_backend.search(query).total

    for kind, code in (("region", "32"), ("departement", "59"), ("commune", "59350")):
        intention = intention_row(session, place=(kind, code))
        result = match(facts.purchase_of(session, intention), current_pool(session))
        census = result.census
        assert census["search"] == search_total(f"{kind}:{code}") == 3, (kind, census)
        assert census["known"] == census["search"]  # nothing the search cannot see
        assert make_siret(4) in result.ranking.sirets()  # listed, as probable

    # An enterprise whose zone was only inferred (the Pas-de-Calais, from its address in
    # Arras), 44 km from Lille: the matcher counts it for Lille (base within 50 km), the
    # search does not (its zone does not meet Lille) — and the census says so.
    arras = supplier_row(
        session, 6, kind="EI", commune="62041", zone=("divisions", [("departement", "62")])
    )
    arras.zone.derived = True
    session.commit()
    reindex(session, search_backend)
    intention = intention_row(session, place=("commune", "59350"))
    census = match(facts.purchase_of(session, intention), current_pool(session)).census
    assert search_total("commune:59350") == 3
    assert census == {"known": 4, "search": 3, "by_contracts": 0, "by_reach": 1, "reach_km": 50}
