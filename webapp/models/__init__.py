"""All models, imported here so SQLAlchemy's registry and Alembic see every table."""

from webapp.models.accounts import (
    ApiToken,
    BuyerMembership,
    BuyerOrganisation,
    EnterpriseMembership,
    NetworkFacilitator,
    User,
)
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
from webapp.models.events import (
    Event,
    EventFeedback,
    EventMeeting,
    EventMeetingRequest,
    EventParticipant,
    EventSlot,
    EventTable,
    ScheduleRun,
)
from webapp.models.intentions import (
    ContractAward,
    IntentionLot,
    MatchCandidate,
    MatchRun,
    PurchaseIntention,
)
from webapp.models.search_outbox import SearchOutbox
from webapp.models.sectors import NafCode, Sector, SectorGroup
from webapp.models.territory import Commune, Departement, Epci, Region
from webapp.models.workflows import (
    Claim,
    ContactMessage,
    LabelDeclaration,
    NetworkMembershipRequest,
    SavedSearch,
    Shortlist,
    ShortlistEntry,
)

__all__ = [
    "ApiToken",
    "AuditEvent",
    "BuyerMembership",
    "BuyerOrganisation",
    "Capacity",
    "Claim",
    "ClientReference",
    "Commune",
    "ContactMessage",
    "ContractAward",
    "Departement",
    "Enterprise",
    "EnterpriseMembership",
    "EnterpriseSector",
    "Epci",
    "Event",
    "EventFeedback",
    "EventMeeting",
    "EventMeetingRequest",
    "EventParticipant",
    "EventSlot",
    "EventTable",
    "IntentionLot",
    "InterventionZone",
    "Label",
    "LabelDeclaration",
    "MatchCandidate",
    "MatchRun",
    "NafCode",
    "Network",
    "NetworkFacilitator",
    "NetworkMembershipRequest",
    "Offer",
    "PurchaseIntention",
    "Region",
    "SavedSearch",
    "ScheduleRun",
    "SearchOutbox",
    "Sector",
    "SectorGroup",
    "Shortlist",
    "ShortlistEntry",
    "User",
    "ZoneDivision",
]
