"""Search fixtures: documents of the real snapshot plus a few enterprises crafted for the
cases the snapshot lacks (radius and national zones, capacity, labels, networks, offers).

Documents are built once per test session inside a transaction that is then rolled back:
searches only read, so every backend is indexed once per module from the same list.
"""

from __future__ import annotations

import os

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from importers.enterprise_lists import parse_siae
from importers.enterprise_loader import load_enterprises
from tests.factories import SNAPSHOT
from webapp.extensions import db
from webapp.indexing.places import DatabasePlaces
from webapp.indexing.sync import iter_documents
from webapp.models import (
    Capacity,
    Enterprise,
    InterventionZone,
    Label,
    Network,
    Offer,
    Sector,
    ZoneDivision,
)

# SIRETs of the crafted enterprises (valid checksums), for the contract tests to assert on.
RADIUS_SIRET = "80295478400012"  # EA in Lyon 3e, radius 40 km, 120 staff, 2.5 M€ turnover
NATIONAL_SIRET = "52329478300015"  # ESAT in Tours, national zone, RSEi label, UNEA network
REGION_SIRET = "83011233000014"  # ETTI in Rennes, zone = région Bretagne (53)
EPCI_SIRET = "41091658900014"  # EI in Lille, zone = Métropole Européenne de Lille


def _craft(session: Session) -> None:
    from importers.enterprise_lists import parse_enterprise_list

    rows = (
        "siret;name;brand;kind;naf;post_code;city;description\n"
        f"{RADIUS_SIRET};ATELIERS DU RHONE;Les Ateliers du Rhône;EA;8129B;69003;Lyon;"
        "Blanchisserie industrielle et conditionnement à façon\n"
        f"{NATIONAL_SIRET};ESAT DE LA LOIRE;;ESAT;1812Z;37000;Tours;"
        "Imprimerie, reprographie et mise sous pli\n"
        f"{REGION_SIRET};INTERIM SOLIDAIRE BRETAGNE;;ETTI;7820Z;35000;Rennes;\n"
        f"{EPCI_SIRET};MENUISERIE DU NORD;;EI;1623Z;59000;Lille;Menuiserie bois et agencement\n"
    )
    import io

    parsed = parse_enterprise_list(
        io.BytesIO(rows.encode()),
        {
            f: f
            for f in ("siret", "name", "brand", "kind", "naf", "post_code", "city", "description")
        },
        source_name="tests",
    )
    assert not parsed.rejected, parsed.rejected
    load_enterprises(session, parsed, source="tests", actor="tests")
    by_siret = {
        e.siret: e
        for e in session.scalars(
            select(Enterprise).where(
                Enterprise.siret.in_([RADIUS_SIRET, NATIONAL_SIRET, REGION_SIRET, EPCI_SIRET])
            )
        )
    }
    radius = by_siret[RADIUS_SIRET]
    _set_zone(radius, "radius", radius_km=40)
    radius.capacity = Capacity(
        headcount_total=120, turnover_eur=2_500_000, largest_contract_eur=400_000
    )
    radius.offers = [
        Offer(
            title="Blanchisserie hospitalière",
            presta_type="service",
            sector_id=session.scalar(select(Sector.id).where(Sector.slug == "blanchisserie")),
        )
    ]
    national = by_siret[NATIONAL_SIRET]
    _set_zone(national, "national")
    national.labels = [session.scalar(select(Label).where(Label.slug == "rsei"))]
    national.networks = [session.scalar(select(Network).where(Network.brand == "UNEA"))]
    national.capacity = Capacity(headcount_total=45, turnover_eur=900_000)
    national.offers = [Offer(title="Impression de documents", presta_type="supply")]
    _set_zone(by_siret[REGION_SIRET], "divisions", divisions=[("region", "53")])
    _set_zone(by_siret[EPCI_SIRET], "divisions", divisions=[("epci", "200093201")])
    session.flush()


def _set_zone(enterprise, kind, radius_km=None, divisions=()):
    """Declare a zone in place of the derived one (same row: the zone is one-to-one)."""
    zone = enterprise.zone or InterventionZone()
    zone.kind, zone.radius_km, zone.derived, zone.derivation = kind, radius_km, False, None
    zone.divisions = [ZoneDivision(division_type=t, code=c) for t, c in divisions]
    enterprise.zone = zone


@pytest.fixture(scope="session")
def search_documents(app) -> list[dict]:
    """Documents of the 3,809 imported snapshot enterprises and the 4 crafted ones."""
    with app.app_context():
        connection = db.engine.connect()
        transaction = connection.begin()
        session = Session(bind=connection, join_transaction_mode="create_savepoint")
        try:
            load_enterprises(session, parse_siae(SNAPSHOT), source="tests", actor="tests")
            _craft(session)
            return list(iter_documents(session))
        finally:
            session.close()
            transaction.rollback()
            connection.close()


@pytest.fixture(scope="module")
def by_siret(search_documents) -> dict[str, dict]:
    """The search documents by SIRET."""
    return {document["siret"]: document for document in search_documents}


@pytest.fixture
def places(session) -> DatabasePlaces:
    return DatabasePlaces(session)


def meili_url() -> str | None:
    """``MEILI_URL`` when a Meilisearch server answers there, else None."""
    url = os.environ.get("MEILI_URL")
    if not url:
        return None
    try:
        import meilisearch

        meilisearch.Client(url, os.environ.get("MEILI_MASTER_KEY")).health()
    except Exception:
        return None
    return url
