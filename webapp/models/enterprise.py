"""Inclusive enterprises and what they publish: offers, sectors, zone, capacity, ties."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import TYPE_CHECKING

from sqlalchemy import (
    BigInteger,
    CheckConstraint,
    Column,
    DateTime,
    Float,
    ForeignKey,
    Integer,
    Numeric,
    String,
    Table,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from domain.kinds import ESS_STATUSES, KIND_CODES, PRESTA_TYPES
from webapp.extensions import db

if TYPE_CHECKING:
    from webapp.models.sectors import Sector
    from webapp.models.territory import Commune, Departement


def utcnow() -> datetime:
    return datetime.now(UTC)


def _one_of(column: str, values) -> str:
    return f"{column} IN ({', '.join(repr(v) for v in values)})"


enterprise_label = Table(
    "enterprise_label",
    db.metadata,
    Column("enterprise_id", ForeignKey("enterprise.id", ondelete="CASCADE"), primary_key=True),
    Column("label_id", ForeignKey("label.id", ondelete="CASCADE"), primary_key=True),
)

enterprise_network = Table(
    "enterprise_network",
    db.metadata,
    Column("enterprise_id", ForeignKey("enterprise.id", ondelete="CASCADE"), primary_key=True),
    Column("network_id", ForeignKey("network.id", ondelete="CASCADE"), primary_key=True),
)

ENTERPRISE_STATUSES = ("active", "closed")
POSITION_PRECISIONS = ("address", "commune", "postal_code", "epci", "departement")


class Enterprise(db.Model):
    __tablename__ = "enterprise"
    __table_args__ = (
        CheckConstraint(_one_of("kind", KIND_CODES), name="kind"),
        CheckConstraint(_one_of("status", ENTERPRISE_STATUSES), name="status"),
        CheckConstraint(_one_of("ess_status", ESS_STATUSES), name="ess_status"),
        CheckConstraint(
            "position_precision IS NULL OR " + _one_of("position_precision", POSITION_PRECISIONS),
            name="position_precision",
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    siret: Mapped[str] = mapped_column(String(14), unique=True)
    siren: Mapped[str] = mapped_column(String(9), index=True)
    name: Mapped[str] = mapped_column(String(255))
    brand: Mapped[str | None] = mapped_column(String(255))
    kind: Mapped[str] = mapped_column(String(8), index=True)
    legal_form: Mapped[str | None] = mapped_column(String(100))
    ess_status: Mapped[str] = mapped_column(String(20), default="unknown")
    naf_code: Mapped[str | None] = mapped_column(String(6), index=True)
    address: Mapped[str | None] = mapped_column(String(255))
    post_code: Mapped[str | None] = mapped_column(String(5))
    city: Mapped[str | None] = mapped_column(String(100))
    commune_insee: Mapped[str | None] = mapped_column(ForeignKey("commune.insee"), index=True)
    departement_code: Mapped[str | None] = mapped_column(ForeignKey("departement.code"), index=True)
    latitude: Mapped[float | None] = mapped_column(Float)
    longitude: Mapped[float | None] = mapped_column(Float)
    position_precision: Mapped[str | None] = mapped_column(String(20))
    website: Mapped[str | None] = mapped_column(String(500))
    description: Mapped[str | None] = mapped_column(Text)  # Markdown, sanitised when shown
    # The contact person; shown to signed-in users only, never to anonymous visitors.
    contact_name: Mapped[str | None] = mapped_column(String(120))
    contact_email: Mapped[str | None] = mapped_column(String(254))
    contact_phone: Mapped[str | None] = mapped_column(String(30))
    status: Mapped[str] = mapped_column(String(10), default="active", index=True)
    source: Mapped[str] = mapped_column(String(40))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), default=utcnow, onupdate=utcnow
    )

    commune: Mapped[Commune | None] = relationship()
    departement: Mapped[Departement | None] = relationship()
    offers: Mapped[list[Offer]] = relationship(
        back_populates="enterprise", cascade="all, delete-orphan", order_by="Offer.id"
    )
    sectors: Mapped[list[EnterpriseSector]] = relationship(
        back_populates="enterprise", cascade="all, delete-orphan"
    )
    zone: Mapped[InterventionZone | None] = relationship(
        back_populates="enterprise", cascade="all, delete-orphan"
    )
    capacity: Mapped[Capacity | None] = relationship(
        back_populates="enterprise", cascade="all, delete-orphan"
    )
    labels: Mapped[list[Label]] = relationship(secondary=enterprise_label, order_by="Label.name")
    networks: Mapped[list[Network]] = relationship(
        secondary=enterprise_network, order_by="Network.name"
    )
    client_references: Mapped[list[ClientReference]] = relationship(
        back_populates="enterprise", cascade="all, delete-orphan", order_by="ClientReference.id"
    )

    @property
    def display_name(self) -> str:
        return self.brand or self.name


class Offer(db.Model):
    __tablename__ = "offer"
    __table_args__ = (CheckConstraint(_one_of("presta_type", PRESTA_TYPES), name="presta_type"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    enterprise_id: Mapped[int] = mapped_column(
        ForeignKey("enterprise.id", ondelete="CASCADE"), index=True
    )
    title: Mapped[str] = mapped_column(String(255))
    description: Mapped[str | None] = mapped_column(Text)
    sector_id: Mapped[int | None] = mapped_column(ForeignKey("sector.id"), index=True)
    presta_type: Mapped[str] = mapped_column(String(20), default="service")

    enterprise: Mapped[Enterprise] = relationship(back_populates="offers")
    sector: Mapped[Sector | None] = relationship()


SECTOR_SOURCES = ("naf", "name", "description", "declared")
SECTOR_STATUSES = ("suggested", "confirmed", "rejected")


class EnterpriseSector(db.Model):
    """A sector an enterprise works in, with where that knowledge comes from."""

    __tablename__ = "enterprise_sector"
    __table_args__ = (
        CheckConstraint(_one_of("source", SECTOR_SOURCES), name="source"),
        CheckConstraint(_one_of("status", SECTOR_STATUSES), name="status"),
    )

    enterprise_id: Mapped[int] = mapped_column(
        ForeignKey("enterprise.id", ondelete="CASCADE"), primary_key=True
    )
    sector_id: Mapped[int] = mapped_column(ForeignKey("sector.id"), primary_key=True, index=True)
    source: Mapped[str] = mapped_column(String(20))
    confidence: Mapped[float] = mapped_column(Float)
    status: Mapped[str] = mapped_column(String(10), default="suggested")
    evidence: Mapped[str | None] = mapped_column(String(300))

    enterprise: Mapped[Enterprise] = relationship(back_populates="sectors")
    sector: Mapped[Sector] = relationship()


ZONE_KINDS = ("national", "divisions", "radius")
DIVISION_TYPES = ("region", "departement", "epci", "commune")


class InterventionZone(db.Model):
    """Where an enterprise works: all of France, a set of divisions, or a radius around its base."""

    __tablename__ = "intervention_zone"
    __table_args__ = (
        CheckConstraint(_one_of("kind", ZONE_KINDS), name="kind"),
        CheckConstraint("kind != 'radius' OR radius_km > 0", name="radius_positive"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    enterprise_id: Mapped[int] = mapped_column(
        ForeignKey("enterprise.id", ondelete="CASCADE"), unique=True
    )
    kind: Mapped[str] = mapped_column(String(10))
    radius_km: Mapped[int | None] = mapped_column(Integer)
    # A zone the importer inferred rather than one the enterprise declared, and why.
    derived: Mapped[bool] = mapped_column(default=False)
    derivation: Mapped[str | None] = mapped_column(String(300))

    enterprise: Mapped[Enterprise] = relationship(back_populates="zone")
    divisions: Mapped[list[ZoneDivision]] = relationship(
        back_populates="zone",
        cascade="all, delete-orphan",
        order_by="(ZoneDivision.division_type, ZoneDivision.code)",
    )


class ZoneDivision(db.Model):
    __tablename__ = "zone_division"
    __table_args__ = (
        CheckConstraint(_one_of("division_type", DIVISION_TYPES), name="division_type"),
        UniqueConstraint("zone_id", "division_type", "code", name="uq_zone_division"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    zone_id: Mapped[int] = mapped_column(
        ForeignKey("intervention_zone.id", ondelete="CASCADE"), index=True
    )
    division_type: Mapped[str] = mapped_column(String(12))
    code: Mapped[str] = mapped_column(String(9), index=True)

    zone: Mapped[InterventionZone] = relationship(back_populates="divisions")


class Capacity(db.Model):
    """How much an enterprise can take on. Every figure is optional: unknown is not zero."""

    __tablename__ = "capacity"

    id: Mapped[int] = mapped_column(primary_key=True)
    enterprise_id: Mapped[int] = mapped_column(
        ForeignKey("enterprise.id", ondelete="CASCADE"), unique=True
    )
    headcount_total: Mapped[int | None] = mapped_column(Integer)
    # Workers in insertion (SIAE) or disabled workers (EA, ESAT).
    headcount_inclusion: Mapped[int | None] = mapped_column(Integer)
    # Places agréées: the disabled workers an ESAT's authorisation allows (FINESS register).
    # A ceiling set by the ARS, not a headcount: never added to or read as one.
    authorised_places: Mapped[int | None] = mapped_column(Integer)
    # Bracket as published (e.g. INSEE's "50 à 99 salariés") when no exact headcount is known.
    headcount_bracket: Mapped[str | None] = mapped_column(String(60))
    etp: Mapped[float | None] = mapped_column(Numeric(10, 2))
    turnover_eur: Mapped[int | None] = mapped_column(BigInteger)
    turnover_year: Mapped[int | None] = mapped_column(Integer)
    largest_contract_eur: Mapped[int | None] = mapped_column(BigInteger)
    volumes: Mapped[str | None] = mapped_column(Text)

    enterprise: Mapped[Enterprise] = relationship(back_populates="capacity")


class Label(db.Model):
    __tablename__ = "label"

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(80), unique=True)
    name: Mapped[str] = mapped_column(String(120))
    description: Mapped[str | None] = mapped_column(Text)
    website: Mapped[str | None] = mapped_column(String(500))


class Network(db.Model):
    __tablename__ = "network"

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(80), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    brand: Mapped[str | None] = mapped_column(String(80))
    website: Mapped[str | None] = mapped_column(String(500))


class ClientReference(db.Model):
    """A past client an enterprise names as a reference."""

    __tablename__ = "client_reference"

    id: Mapped[int] = mapped_column(primary_key=True)
    enterprise_id: Mapped[int] = mapped_column(
        ForeignKey("enterprise.id", ondelete="CASCADE"), index=True
    )
    client_name: Mapped[str] = mapped_column(String(255))
    description: Mapped[str | None] = mapped_column(Text)
    year: Mapped[int | None] = mapped_column(Integer)
    amount_eur: Mapped[int | None] = mapped_column(BigInteger)

    enterprise: Mapped[Enterprise] = relationship(back_populates="client_references")
