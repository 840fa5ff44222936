"""Rows for the matcher's service tests (and the digest's): enterprises with sectors,
zones and capacities, intentions with lots, contract awards."""

from __future__ import annotations

from datetime import date

from sqlalchemy import select
from stdnum import luhn
from stdnum.fr import siret as siret_check

from tests.factories import CLEANING, claim_sector, make_enterprise, sector
from webapp.matching.pool import current_pool
from webapp.models import (
    Capacity,
    ContractAward,
    IntentionLot,
    InterventionZone,
    MatchCandidate,
    PurchaseIntention,
    ZoneDivision,
)
from webapp.models.enterprise import utcnow


def make_siret(n: int) -> str:
    """A valid SIRET (SIREN and SIRET both pass the Luhn check) numbered ``n``."""
    siren = f"{n:08d}"
    siren += luhn.calc_check_digit(siren)
    base = siren + "0001"
    result = base + luhn.calc_check_digit(base)
    assert siret_check.is_valid(result)
    return result


def supplier_row(
    session,
    n: int,
    kind: str = "EA",
    sectors=(CLEANING,),
    zone=("divisions", [("departement", "59")]),
    turnover: int | None = 2_000_000,
    commune: str | None = "59350",
    **fields,
):
    """An enterprise with confirmed sectors, a declared zone and a turnover."""
    coords = {
        "59350": (50.633, 3.059),
        "75056": (48.853, 2.349),
        "59183": (51.034, 2.377),
        "62041": (50.291, 2.777),
    }
    latitude, longitude = coords.get(commune, (None, None))
    enterprise = make_enterprise(
        session,
        make_siret(n),
        kind=kind,
        name=fields.pop("name", f"Structure {n}"),
        commune_insee=commune,
        departement_code=commune[:2] if commune else None,
        latitude=latitude,
        longitude=longitude,
        **fields,
    )
    for slug in sectors:
        claim_sector(session, enterprise, slug)
    if zone is not None:
        kind_, spec = zone
        if kind_ == "divisions":
            session.add(
                InterventionZone(
                    enterprise=enterprise,
                    kind="divisions",
                    divisions=[ZoneDivision(division_type=t, code=c) for t, c in spec],
                )
            )
        elif kind_ == "radius":
            session.add(InterventionZone(enterprise=enterprise, kind="radius", radius_km=spec))
        else:
            session.add(InterventionZone(enterprise=enterprise, kind="national"))
    if turnover is not None:
        session.add(Capacity(enterprise=enterprise, turnover_eur=turnover))
    session.flush()
    return enterprise


def won(session, enterprise, external_id: str, amount: int) -> None:
    """A DECP award (cleaning services) in ``enterprise``'s track record."""
    session.add(
        ContractAward(
            holder_siret=enterprise.siret,
            enterprise=enterprise,
            cpv="90910000",
            amount=amount,
            source="decp",
            external_id=external_id,
        )
    )


def intention_row(
    session,
    title: str = "Nettoyage des écoles",
    sectors=(CLEANING,),
    place=("commune", "59350"),
    status: str = "published",
    lots=(),
    **fields,
) -> PurchaseIntention:
    intention = PurchaseIntention(
        title=title,
        place_kind=place[0],
        place_code=place[1],
        place_label=fields.pop("place_label", None),
        buyer_name=fields.pop("buyer_name", "Ville de Lille"),
        buyer_type="pouvoir_adjudicateur",
        status=status,
        amount_per_year=fields.pop("amount_per_year", 100_000),
        duration_months=fields.pop("duration_months", 24),
        launch_date=fields.pop("launch_date", date(2027, 3, 1)),
        **fields,
    )
    intention.sectors = [sector(session, s) for s in sectors]
    for number, (lot_title, lot_sectors, amount) in enumerate(lots, start=1):
        lot = IntentionLot(number=number, title=lot_title, amount=amount)
        lot.sectors = [sector(session, s) for s in lot_sectors]
        intention.lots.append(lot)
    session.add(intention)
    session.flush()
    return intention


def candidates(session, intention) -> dict[str, bool]:
    """SIRET -> answers alone, for the stored candidates of ``intention``."""
    rows = session.scalars(
        select(MatchCandidate).where(MatchCandidate.intention_id == intention.id)
    )
    return {row.enterprise.siret: row.alone for row in rows}


def touch(enterprise) -> None:
    """What ``record_change`` does to an edited enterprise."""
    enterprise.updated_at = utcnow()


def pooled(session) -> dict:
    """The current pool's suppliers by SIRET."""
    return {s.siret: s for s in current_pool(session).suppliers()}
