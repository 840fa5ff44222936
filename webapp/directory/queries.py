"""Read-side queries of the directory: chainable filters on enterprises."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import Select, func, select
from sqlalchemy.orm import selectinload

from webapp.models import Enterprise, EnterpriseSector, InterventionZone, Sector


def active_enterprises() -> Select:
    return select(Enterprise).where(Enterprise.status == "active")


def filter_enterprises(
    query: Select,
    *,
    kinds: Sequence[str] = (),
    departement: str | None = None,
    sector_slug: str | None = None,
) -> Select:
    if kinds:
        query = query.where(Enterprise.kind.in_(kinds))
    if departement:
        query = query.where(Enterprise.departement_code == departement)
    if sector_slug:
        query = query.where(
            select(EnterpriseSector.enterprise_id)
            .join(Sector)
            .where(
                EnterpriseSector.enterprise_id == Enterprise.id,
                EnterpriseSector.status != "rejected",
                Sector.slug == sector_slug,
            )
            .exists()
        )
    # Sorted as displayed: by brand when there is one.
    return query.order_by(
        func.lower(func.coalesce(Enterprise.brand, Enterprise.name)), Enterprise.siret
    )


def profile_query(siret: str) -> Select:
    return (
        select(Enterprise)
        .where(Enterprise.siret == siret)
        .options(
            selectinload(Enterprise.offers),
            selectinload(Enterprise.sectors)
            .selectinload(EnterpriseSector.sector)
            .selectinload(Sector.group),
            selectinload(Enterprise.zone).selectinload(InterventionZone.divisions),
            selectinload(Enterprise.capacity),
            selectinload(Enterprise.labels),
            selectinload(Enterprise.networks),
            selectinload(Enterprise.client_references),
            selectinload(Enterprise.commune),
            selectinload(Enterprise.departement),
        )
    )
