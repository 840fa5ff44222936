"""Purchase intentions (upcoming purchases), their lots, the contracts enterprises won
(track record), and the matcher's stored results."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    CheckConstraint,
    Column,
    Date,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Table,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from domain.places import PLACE_KINDS
from webapp.extensions import db
from webapp.models.accounts import BUYER_TYPES, BuyerOrganisation, User
from webapp.models.enterprise import Enterprise, _one_of, utcnow
from webapp.models.sectors import Sector

INTENTION_STATUSES = ("draft", "published", "closed")
SOCIAL_CONSIDERATIONS = ("none", "clause", "criterion", "reservation", "unknown")
# Lengths of the text columns: the one definition the forms, the API schemas and the
# importers check against (``TITLE_MAX`` is also a lot's title, ``EXTERNAL_ID_MAX`` a
# contract award's DECP identifier).
TITLE_MAX = 300
CPV_CODES_MAX = 400
EXTERNAL_ID_MAX = 120
SOURCE_MAX = 40
# Sources written by a buyer's own people (the pages, the API): their external ids are the
# organisation's own references, unique per organisation; other sources are files (the
# template import's --source, the DECP) whose ids are unique within the source.
BUYER_SOURCES = ("web", "api")
_BUYER_SOURCE = "source IN ({})".format(", ".join(f"'{source}'" for source in BUYER_SOURCES))

intention_sector = Table(
    "intention_sector",
    db.metadata,
    Column(
        "intention_id", ForeignKey("purchase_intention.id", ondelete="CASCADE"), primary_key=True
    ),
    Column("sector_id", ForeignKey("sector.id", ondelete="CASCADE"), primary_key=True),
)

lot_sector = Table(
    "lot_sector",
    db.metadata,
    Column("lot_id", ForeignKey("intention_lot.id", ondelete="CASCADE"), primary_key=True),
    Column("sector_id", ForeignKey("sector.id", ondelete="CASCADE"), primary_key=True),
)


class PurchaseIntention(db.Model):
    """A purchase a buyer plans (or, ``forecast``, a renewal expected from an awarded
    contract of the DECP)."""

    __tablename__ = "purchase_intention"
    __table_args__ = (
        CheckConstraint(_one_of("status", INTENTION_STATUSES), name="status"),
        CheckConstraint(_one_of("place_kind", PLACE_KINDS), name="place_kind"),
        CheckConstraint(_one_of("buyer_type", BUYER_TYPES), name="buyer_type"),
        CheckConstraint(
            _one_of("social_consideration", SOCIAL_CONSIDERATIONS), name="social_consideration"
        ),
        # The rule of external ids (webapp.intentions.services), kept by the database too.
        Index(
            "uq_purchase_intention_source_external_id",
            "source",
            "external_id",
            unique=True,
            sqlite_where=text(f"NOT ({_BUYER_SOURCE})"),
            postgresql_where=text(f"NOT ({_BUYER_SOURCE})"),
        ),
        Index(
            "uq_purchase_intention_organisation_external_id",
            "source",
            "buyer_organisation_id",
            "external_id",
            unique=True,
            sqlite_where=text(_BUYER_SOURCE),
            postgresql_where=text(_BUYER_SOURCE),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(String(TITLE_MAX))
    description: Mapped[str | None] = mapped_column(Text)
    # CPV codes, 8 digits without check digit, space-separated.
    cpv_codes: Mapped[str] = mapped_column(String(CPV_CODES_MAX), default="")
    place_kind: Mapped[str] = mapped_column(String(12))
    place_code: Mapped[str | None] = mapped_column(String(12))  # None when national
    place_label: Mapped[str | None] = mapped_column(String(200))
    amount_total: Mapped[int | None] = mapped_column(BigInteger)  # € HT
    amount_per_year: Mapped[int | None] = mapped_column(BigInteger)
    duration_months: Mapped[int | None] = mapped_column(Integer)
    launch_date: Mapped[date | None] = mapped_column(Date, index=True)
    buyer_organisation_id: Mapped[int | None] = mapped_column(
        ForeignKey("buyer_organisation.id", ondelete="SET NULL"), index=True
    )
    buyer_name: Mapped[str] = mapped_column(String(255))
    buyer_siret: Mapped[str | None] = mapped_column(String(14), index=True)
    buyer_type: Mapped[str] = mapped_column(String(24), default="pouvoir_adjudicateur")
    social_consideration: Mapped[str] = mapped_column(String(12), default="unknown")
    status: Mapped[str] = mapped_column(String(10), default="draft", index=True)
    forecast: Mapped[bool] = mapped_column(Boolean, default=False, index=True)
    source: Mapped[str] = mapped_column(String(SOURCE_MAX), default="web")
    external_id: Mapped[str | None] = mapped_column(String(EXTERNAL_ID_MAX))
    created_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("user_account.id", ondelete="SET NULL")
    )
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), default=utcnow, onupdate=utcnow
    )
    published_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))

    sectors: Mapped[list[Sector]] = relationship(secondary=intention_sector, order_by="Sector.name")
    lots: Mapped[list[IntentionLot]] = relationship(
        back_populates="intention", cascade="all, delete-orphan", order_by="IntentionLot.number"
    )
    organisation: Mapped[BuyerOrganisation | None] = relationship()
    created_by: Mapped[User | None] = relationship()

    @property
    def cpv_list(self) -> list[str]:
        return self.cpv_codes.split() if self.cpv_codes else []


class IntentionLot(db.Model):
    __tablename__ = "intention_lot"
    __table_args__ = (UniqueConstraint("intention_id", "number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    intention_id: Mapped[int] = mapped_column(
        ForeignKey("purchase_intention.id", ondelete="CASCADE"), index=True
    )
    number: Mapped[int] = mapped_column(Integer)
    title: Mapped[str] = mapped_column(String(TITLE_MAX))
    amount: Mapped[int | None] = mapped_column(BigInteger)  # € HT, whole duration

    intention: Mapped[PurchaseIntention] = relationship(back_populates="lots")
    sectors: Mapped[list[Sector]] = relationship(secondary=lot_sector, order_by="Sector.name")


class ContractAward(db.Model):
    """A contract an enterprise won: its track record (from the DECP, or declared)."""

    __tablename__ = "contract_award"
    __table_args__ = (UniqueConstraint("source", "external_id", "holder_siret"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    holder_siret: Mapped[str] = mapped_column(String(14), index=True)
    holder_name: Mapped[str | None] = mapped_column(String(255))
    enterprise_id: Mapped[int | None] = mapped_column(
        ForeignKey("enterprise.id", ondelete="SET NULL"), index=True
    )
    buyer_siret: Mapped[str | None] = mapped_column(String(14))
    buyer_name: Mapped[str | None] = mapped_column(String(255))
    object: Mapped[str | None] = mapped_column(Text)
    cpv: Mapped[str | None] = mapped_column(String(8))
    amount: Mapped[int | None] = mapped_column(BigInteger)
    notified_on: Mapped[date | None] = mapped_column(Date)
    duration_months: Mapped[int | None] = mapped_column(Integer)
    place_code: Mapped[str | None] = mapped_column(String(12))
    reservation: Mapped[str | None] = mapped_column(String(10))  # the article, if reserved
    source: Mapped[str] = mapped_column(String(40))
    external_id: Mapped[str] = mapped_column(String(EXTERNAL_ID_MAX))

    enterprise: Mapped[Enterprise | None] = relationship()


class MatchRun(db.Model):
    """The matcher's last result for an intention (JSON, as the API serves it)."""

    __tablename__ = "match_run"

    id: Mapped[int] = mapped_column(primary_key=True)
    intention_id: Mapped[int] = mapped_column(
        ForeignKey("purchase_intention.id", ondelete="CASCADE"), unique=True
    )
    computed_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    rules_version: Mapped[str] = mapped_column(String(40))
    # The directory's state it was computed on (webapp.matching.staleness.directory_version).
    directory_version: Mapped[str | None] = mapped_column(String(200))
    result: Mapped[dict[str, Any]] = mapped_column(JSON)

    intention: Mapped[PurchaseIntention] = relationship()


class MatchCandidate(db.Model):
    """One enterprise able to answer an intention, alone or in a group: the enterprise's
    dashboard and its e-mail digest read these."""

    __tablename__ = "match_candidate"
    # Also the index by intention (its first column): no other, writes are many.
    __table_args__ = (UniqueConstraint("intention_id", "enterprise_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    intention_id: Mapped[int] = mapped_column(
        ForeignKey("purchase_intention.id", ondelete="CASCADE")
    )
    enterprise_id: Mapped[int] = mapped_column(
        ForeignKey("enterprise.id", ondelete="CASCADE"), index=True
    )
    score: Mapped[float] = mapped_column(Float)
    alone: Mapped[bool] = mapped_column(Boolean)  # answers alone (else: in a group)
    reservations: Mapped[str] = mapped_column(String(60), default="")  # space-separated
    notified_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

    intention: Mapped[PurchaseIntention] = relationship()
    enterprise: Mapped[Enterprise] = relationship()
