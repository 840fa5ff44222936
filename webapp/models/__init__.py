"""All models, imported here so SQLAlchemy's registry and Alembic see every table."""

from webapp.models.audit import AuditEvent
from webapp.models.enterprise import (
    Capacity,
    ClientReference,
    Enterprise,
    EnterpriseSector,
    InterventionZone,
    Label,
    Network,
    Offer,
    ZoneDivision,
)
from webapp.models.search_outbox import SearchOutbox
from webapp.models.sectors import NafCode, Sector, SectorGroup
from webapp.models.territory import Commune, Departement, Epci, Region

__all__ = [
    "AuditEvent",
    "Capacity",
    "ClientReference",
    "Commune",
    "Departement",
    "Enterprise",
    "EnterpriseSector",
    "Epci",
    "InterventionZone",
    "Label",
    "NafCode",
    "Network",
    "Offer",
    "Region",
    "SearchOutbox",
    "Sector",
    "SectorGroup",
    "ZoneDivision",
]
