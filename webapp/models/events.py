"""What networks organise: forums, open days and buyer–supplier meeting days; who
registers; the meetings they ask each other for; the schedule that places them.

Times of an event (its slots) are wall-clock times in Europe/Paris, stored naive: an
event happens in one place, and its agenda says the hour people read on the room's clock
(the ``.ics`` files carry the zone).
"""

from __future__ import annotations

from datetime import date, datetime, time
from typing import TYPE_CHECKING, Any

from sqlalchemy import (
    JSON,
    Boolean,
    CheckConstraint,
    Column,
    Date,
    DateTime,
    Float,
    ForeignKey,
    Integer,
    String,
    Table,
    Text,
    Time,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from webapp.extensions import db
from webapp.models.enterprise import Enterprise, Network, _one_of, utcnow

if TYPE_CHECKING:
    from webapp.models.accounts import BuyerOrganisation, User
    from webapp.models.intentions import PurchaseIntention

EVENT_TIMEZONE = "Europe/Paris"
# A sourcing forum, an open day, a day of buyer–supplier meetings in slots.
EVENT_KINDS = ("forum", "open_day", "meetings")
EVENT_STATUSES = ("draft", "published", "closed")
# Who is invited to register.
AUDIENCES = ("buyers", "enterprises", "both")
# Registrations (by the organiser) and meeting requests (by the one asked): decided, or
# accepted at once.
DECISION_MODES = ("approval", "automatic")
PARTICIPANT_KINDS = ("buyer", "enterprise")
PARTICIPANT_STATUSES = ("pending", "accepted", "refused", "cancelled")
MEETING_REQUEST_STATUSES = ("pending", "accepted", "declined", "expired", "cancelled")
NEXT_STEPS = ("none", "quote", "visit", "joint_bid", "other")
EVENT_TITLE_MAX = 200
PITCH_MAX = 1000
MOTIVATION_MAX = 1000


class Event(db.Model):
    __tablename__ = "event"
    __table_args__ = (
        CheckConstraint(_one_of("kind", EVENT_KINDS), name="kind"),
        CheckConstraint(_one_of("status", EVENT_STATUSES), name="status"),
        CheckConstraint(_one_of("audience", AUDIENCES), name="audience"),
        CheckConstraint(_one_of("registration_mode", DECISION_MODES), name="registration_mode"),
        CheckConstraint(_one_of("request_mode", DECISION_MODES), name="request_mode"),
        CheckConstraint("slot_minutes IN (15, 20, 30)", name="slot_minutes"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    network_id: Mapped[int] = mapped_column(
        ForeignKey("network.id", ondelete="CASCADE"), index=True
    )
    # Another network organising with it (its facilitators organise too).
    co_network_id: Mapped[int | None] = mapped_column(
        ForeignKey("network.id", ondelete="SET NULL"), index=True
    )
    kind: Mapped[str] = mapped_column(String(10), default="meetings")
    title: Mapped[str] = mapped_column(String(EVENT_TITLE_MAX))
    description: Mapped[str | None] = mapped_column(Text)  # Markdown
    status: Mapped[str] = mapped_column(String(10), default="draft", index=True)
    starts_on: Mapped[date] = mapped_column(Date, index=True)
    ends_on: Mapped[date] = mapped_column(Date)
    # Where: a commune (INSEE code) and an address, or online (a link), or both.
    commune_code: Mapped[str | None] = mapped_column(String(5))
    address: Mapped[str | None] = mapped_column(String(255))
    online_url: Mapped[str | None] = mapped_column(String(500))
    registration_opens_on: Mapped[date | None] = mapped_column(Date)
    registration_closes_on: Mapped[date | None] = mapped_column(Date)
    audience: Mapped[str] = mapped_column(String(12), default="both")
    # The meeting programme of each day: slots of slot_minutes from meetings_start to
    # meetings_end, none in a break ("12:00-13:30, 15:30-15:45"); rows in EventSlot.
    meetings_start: Mapped[time | None] = mapped_column(Time)
    meetings_end: Mapped[time | None] = mapped_column(Time)
    slot_minutes: Mapped[int] = mapped_column(Integer, default=20)
    breaks: Mapped[str] = mapped_column(String(200), default="")
    # Most meetings per participant, by type (a participant may have a lower cap).
    buyer_cap: Mapped[int | None] = mapped_column(Integer)
    enterprise_cap: Mapped[int | None] = mapped_column(Integer)
    registration_mode: Mapped[str] = mapped_column(String(10), default="approval")
    request_mode: Mapped[str] = mapped_column(String(10), default="approval")
    request_expiry_days: Mapped[int] = mapped_column(Integer, default=7)
    created_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("user_account.id", ondelete="SET NULL")
    )
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), default=utcnow, onupdate=utcnow
    )
    published_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    closed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    # The schedule participants see: published once, then each change is sent again.
    schedule_published_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))

    network: Mapped[Network] = relationship(foreign_keys=[network_id])
    co_network: Mapped[Network | None] = relationship(foreign_keys=[co_network_id])
    created_by: Mapped[User | None] = relationship()
    slots: Mapped[list[EventSlot]] = relationship(
        back_populates="event", cascade="all, delete-orphan", order_by="EventSlot.starts_at"
    )
    tables: Mapped[list[EventTable]] = relationship(
        back_populates="event", cascade="all, delete-orphan", order_by="EventTable.position"
    )
    participants: Mapped[list[EventParticipant]] = relationship(
        back_populates="event", cascade="all, delete-orphan", order_by="EventParticipant.id"
    )

    @property
    def organisers(self) -> list[Network]:
        return [n for n in (self.network, self.co_network) if n is not None]


class EventSlot(db.Model):
    """A meeting slot (local wall-clock times, see the module's docstring)."""

    __tablename__ = "event_slot"

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("event.id", ondelete="CASCADE"), index=True)
    starts_at: Mapped[datetime] = mapped_column(DateTime)
    ends_at: Mapped[datetime] = mapped_column(DateTime)

    event: Mapped[Event] = relationship(back_populates="slots")


class EventTable(db.Model):
    """A table or a room where meetings are held."""

    __tablename__ = "event_table"
    __table_args__ = (UniqueConstraint("event_id", "name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("event.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(80))
    position: Mapped[int] = mapped_column(Integer, default=0)

    event: Mapped[Event] = relationship(back_populates="tables")


participant_unavailable_slot = Table(
    "event_participant_unavailable_slot",
    db.metadata,
    Column(
        "participant_id",
        ForeignKey("event_participant.id", ondelete="CASCADE"),
        primary_key=True,
    ),
    Column("slot_id", ForeignKey("event_slot.id", ondelete="CASCADE"), primary_key=True),
)

participant_intention = Table(
    "event_participant_intention",
    db.metadata,
    Column(
        "participant_id",
        ForeignKey("event_participant.id", ondelete="CASCADE"),
        primary_key=True,
    ),
    Column(
        "intention_id", ForeignKey("purchase_intention.id", ondelete="CASCADE"), primary_key=True
    ),
)


class EventParticipant(db.Model):
    """A buyer (a person for their organisation) or an enterprise registered to an event.
    An enterprise registered by a facilitator may have no person yet (``user_id`` None):
    its messages go to ``contact_email``."""

    __tablename__ = "event_participant"
    __table_args__ = (
        CheckConstraint(_one_of("kind", PARTICIPANT_KINDS), name="kind"),
        CheckConstraint(_one_of("status", PARTICIPANT_STATUSES), name="status"),
        CheckConstraint(
            "(kind = 'buyer' AND buyer_organisation_id IS NOT NULL AND enterprise_id IS NULL)"
            " OR (kind = 'enterprise' AND enterprise_id IS NOT NULL"
            " AND buyer_organisation_id IS NULL)",
            name="party",
        ),
        # Named: the convention's name (table and first column) would be the same for both.
        UniqueConstraint("event_id", "enterprise_id", name="uq_event_participant_enterprise"),
        UniqueConstraint(
            "event_id", "buyer_organisation_id", "user_id", name="uq_event_participant_buyer"
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("event.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(10))
    user_id: Mapped[int | None] = mapped_column(
        ForeignKey("user_account.id", ondelete="SET NULL"), index=True
    )
    enterprise_id: Mapped[int | None] = mapped_column(
        ForeignKey("enterprise.id", ondelete="CASCADE"), index=True
    )
    buyer_organisation_id: Mapped[int | None] = mapped_column(
        ForeignKey("buyer_organisation.id", ondelete="CASCADE"), index=True
    )
    contact_email: Mapped[str | None] = mapped_column(String(254))
    status: Mapped[str] = mapped_column(String(10), default="pending", index=True)
    # "What I look for" (a buyer) or "what I offer" (an enterprise).
    pitch: Mapped[str | None] = mapped_column(Text)
    cap: Mapped[int | None] = mapped_column(Integer)  # lower than the event's, if set
    registered_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("user_account.id", ondelete="SET NULL")
    )
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    decided_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    checked_in_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    no_show: Mapped[bool] = mapped_column(Boolean, default=False)

    event: Mapped[Event] = relationship(back_populates="participants")
    user: Mapped[User | None] = relationship(foreign_keys=[user_id])
    registered_by: Mapped[User | None] = relationship(foreign_keys=[registered_by_id])
    enterprise: Mapped[Enterprise | None] = relationship()
    organisation: Mapped[BuyerOrganisation | None] = relationship()
    unavailable_slots: Mapped[list[EventSlot]] = relationship(
        secondary=participant_unavailable_slot, order_by="EventSlot.starts_at"
    )
    intentions: Mapped[list[PurchaseIntention]] = relationship(secondary=participant_intention)

    @property
    def display_name(self) -> str:
        if self.enterprise is not None:
            return self.enterprise.display_name
        return self.organisation.name if self.organisation is not None else ""

    @property
    def effective_cap(self) -> int | None:
        """The most meetings this participant may have: their own cap, within their type's."""
        event_cap = self.event.buyer_cap if self.kind == "buyer" else self.event.enterprise_cap
        caps = [c for c in (self.cap, event_cap) if c is not None]
        return min(caps) if caps else None


class EventMeetingRequest(db.Model):
    """One participant asks another for a meeting. When both ask each other the two rows
    are accepted together: a *mutual* request, met in one meeting."""

    __tablename__ = "event_meeting_request"
    __table_args__ = (
        CheckConstraint(_one_of("status", MEETING_REQUEST_STATUSES), name="status"),
        CheckConstraint("sender_id <> recipient_id", name="not_oneself"),
        UniqueConstraint("sender_id", "recipient_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("event.id", ondelete="CASCADE"), index=True)
    sender_id: Mapped[int] = mapped_column(ForeignKey("event_participant.id", ondelete="CASCADE"))
    recipient_id: Mapped[int] = mapped_column(
        ForeignKey("event_participant.id", ondelete="CASCADE"), index=True
    )
    motivation: Mapped[str | None] = mapped_column(Text)
    # The published intention it is about, if any (preferred by the scheduler).
    intention_id: Mapped[int | None] = mapped_column(
        ForeignKey("purchase_intention.id", ondelete="SET NULL")
    )
    # True when it came from a suggestion (the matcher's ranking), for the dashboard.
    suggested: Mapped[bool] = mapped_column(Boolean, default=False)
    mutual: Mapped[bool] = mapped_column(Boolean, default=False)
    status: Mapped[str] = mapped_column(String(10), default="pending", index=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    expires_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    answered_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))

    event: Mapped[Event] = relationship()
    sender: Mapped[EventParticipant] = relationship(foreign_keys=[sender_id])
    recipient: Mapped[EventParticipant] = relationship(foreign_keys=[recipient_id])
    intention: Mapped[PurchaseIntention | None] = relationship()


class EventMeeting(db.Model):
    """An accepted request placed in a slot at a table (one per pair of participants)."""

    __tablename__ = "event_meeting"
    __table_args__ = (UniqueConstraint("slot_id", "table_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("event.id", ondelete="CASCADE"), index=True)
    request_id: Mapped[int] = mapped_column(
        ForeignKey("event_meeting_request.id", ondelete="CASCADE"), unique=True
    )
    slot_id: Mapped[int] = mapped_column(ForeignKey("event_slot.id", ondelete="CASCADE"))
    table_id: Mapped[int] = mapped_column(ForeignKey("event_table.id", ondelete="CASCADE"))
    # Kept where it is when the schedule is computed again.
    locked: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

    event: Mapped[Event] = relationship()
    request: Mapped[EventMeetingRequest] = relationship()
    slot: Mapped[EventSlot] = relationship()
    table: Mapped[EventTable] = relationship()


class ScheduleRun(db.Model):
    """One computation of an event's schedule: what the solver achieved and what it could
    not place, and why (``unplaced``: [{"request": id, "reason": code, "participant": id}])."""

    __tablename__ = "event_schedule_run"

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("event.id", ondelete="CASCADE"), index=True)
    created_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("user_account.id", ondelete="SET NULL")
    )
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    requested: Mapped[int] = mapped_column(Integer)  # accepted requests (pairs) to place
    placed: Mapped[int] = mapped_column(Integer)
    mutual_placed: Mapped[int] = mapped_column(Integer, default=0)
    intention_placed: Mapped[int] = mapped_column(Integer, default=0)
    optimal: Mapped[bool] = mapped_column(Boolean)
    idle_slots: Mapped[int] = mapped_column(Integer, default=0)
    idle_gap: Mapped[float | None] = mapped_column(Float)
    moves: Mapped[int] = mapped_column(Integer, default=0)
    seconds: Mapped[float] = mapped_column(Float, default=0.0)
    unplaced: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)

    event: Mapped[Event] = relationship()


class EventFeedback(db.Model):
    """After the event: was a meeting (or the event, ``meeting_id`` None) useful, and what
    comes next."""

    __tablename__ = "event_feedback"
    __table_args__ = (
        CheckConstraint(_one_of("next_step", NEXT_STEPS), name="next_step"),
        UniqueConstraint("participant_id", "meeting_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    participant_id: Mapped[int] = mapped_column(
        ForeignKey("event_participant.id", ondelete="CASCADE"), index=True
    )
    meeting_id: Mapped[int | None] = mapped_column(
        ForeignKey("event_meeting.id", ondelete="CASCADE")
    )
    useful: Mapped[bool | None] = mapped_column(Boolean)
    next_step: Mapped[str] = mapped_column(String(10), default="none")
    comment: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

    participant: Mapped[EventParticipant] = relationship()
    meeting: Mapped[EventMeeting | None] = relationship()
