"""People and the organisations they act for: users, buyer organisations, memberships of
enterprises and networks, API tokens."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    DateTime,
    ForeignKey,
    Integer,
    String,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from webapp.extensions import db
from webapp.models.enterprise import Enterprise, Network, _one_of, utcnow

BUYER_TYPES = ("pouvoir_adjudicateur", "entite_adjudicatrice")
BUYER_KINDS = ("region", "departement", "commune", "epci", "hospital", "state", "company", "other")
TOKEN_SCOPES = ("read", "write:intentions", "write:events")


class User(db.Model):
    __tablename__ = "user_account"  # "user" is reserved in PostgreSQL

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254), unique=True)  # stored lower-cased
    password_hash: Mapped[str] = mapped_column(String(255))
    full_name: Mapped[str] = mapped_column(String(120))
    is_admin: Mapped[bool] = mapped_column(Boolean, default=False)
    is_active_account: Mapped[bool] = mapped_column(Boolean, default=True)
    email_confirmed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    # Changed with the password: sessions signed with an older value are ended.
    session_version: Mapped[int] = mapped_column(Integer, default=1)
    # Password-reset tokens carry this stamp; a used token changes it, so it works once.
    password_changed_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    last_login_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))

    buyer_memberships: Mapped[list[BuyerMembership]] = relationship(
        back_populates="user", cascade="all, delete-orphan"
    )
    enterprise_memberships: Mapped[list[EnterpriseMembership]] = relationship(
        back_populates="user", cascade="all, delete-orphan"
    )
    network_roles: Mapped[list[NetworkFacilitator]] = relationship(
        back_populates="user", cascade="all, delete-orphan"
    )

    # Flask-Login's protocol.
    @property
    def is_authenticated(self) -> bool:
        return True

    @property
    def is_active(self) -> bool:
        return self.is_active_account

    @property
    def is_anonymous(self) -> bool:
        return False

    def get_id(self) -> str:
        """The session identifier: the id and the session version, so that a password
        change (which bumps the version) ends the sessions opened before it."""
        return f"{self.id}:{self.session_version}"

    @property
    def enterprises(self) -> list[Enterprise]:
        return [m.enterprise for m in self.enterprise_memberships]

    @property
    def networks(self) -> list[Network]:
        return [r.network for r in self.network_roles]

    @property
    def organisations(self) -> list[BuyerOrganisation]:
        return [m.organisation for m in self.buyer_memberships]


class BuyerOrganisation(db.Model):
    """A public or private buyer: a région, a city, a hospital, a company."""

    __tablename__ = "buyer_organisation"
    __table_args__ = (
        CheckConstraint(_one_of("buyer_type", BUYER_TYPES), name="buyer_type"),
        CheckConstraint(_one_of("kind", BUYER_KINDS), name="kind"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(255))
    siret: Mapped[str | None] = mapped_column(String(14), unique=True)
    buyer_type: Mapped[str] = mapped_column(String(24))
    kind: Mapped[str] = mapped_column(String(20), default="other")
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

    members: Mapped[list[BuyerMembership]] = relationship(
        back_populates="organisation", cascade="all, delete-orphan"
    )


class BuyerMembership(db.Model):
    __tablename__ = "buyer_membership"
    __table_args__ = (UniqueConstraint("user_id", "organisation_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id", ondelete="CASCADE"))
    organisation_id: Mapped[int] = mapped_column(
        ForeignKey("buyer_organisation.id", ondelete="CASCADE"), index=True
    )
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

    user: Mapped[User] = relationship(back_populates="buyer_memberships")
    organisation: Mapped[BuyerOrganisation] = relationship(back_populates="members")


class EnterpriseMembership(db.Model):
    """A person who may edit an enterprise's profile (granted through a claim)."""

    __tablename__ = "enterprise_membership"
    __table_args__ = (UniqueConstraint("user_id", "enterprise_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id", ondelete="CASCADE"))
    enterprise_id: Mapped[int] = mapped_column(
        ForeignKey("enterprise.id", ondelete="CASCADE"), index=True
    )
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

    user: Mapped[User] = relationship(back_populates="enterprise_memberships")
    enterprise: Mapped[Enterprise] = relationship()


class NetworkFacilitator(db.Model):
    """A person who runs a network (FEI, UNEA, a CRESS, ...) and curates its members."""

    __tablename__ = "network_facilitator"
    __table_args__ = (UniqueConstraint("user_id", "network_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id", ondelete="CASCADE"))
    network_id: Mapped[int] = mapped_column(
        ForeignKey("network.id", ondelete="CASCADE"), index=True
    )

    user: Mapped[User] = relationship(back_populates="network_roles")
    network: Mapped[Network] = relationship()


class ApiToken(db.Model):
    """A personal API token. Only its SHA-256 is stored; the token is shown once."""

    __tablename__ = "api_token"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(
        ForeignKey("user_account.id", ondelete="CASCADE"), index=True
    )
    name: Mapped[str] = mapped_column(String(80))
    prefix: Mapped[str] = mapped_column(String(12))  # shown in lists to tell tokens apart
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    scopes: Mapped[str] = mapped_column(String(200))  # space-separated, from TOKEN_SCOPES
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    last_used_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    revoked_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))

    user: Mapped[User] = relationship()

    @property
    def scope_list(self) -> list[str]:
        return self.scopes.split()
