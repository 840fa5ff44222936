"""The buyer-facing sector taxonomy and the NAF nomenclature."""

from __future__ import annotations

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from webapp.extensions import db


class SectorGroup(db.Model):
    __tablename__ = "sector_group"

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(120), unique=True)
    name: Mapped[str] = mapped_column(String(120))

    sectors: Mapped[list[Sector]] = relationship(back_populates="group", order_by="Sector.name")


class Sector(db.Model):
    __tablename__ = "sector"

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(120), unique=True)
    name: Mapped[str] = mapped_column(String(120), unique=True)
    group_id: Mapped[int] = mapped_column(ForeignKey("sector_group.id"), index=True)

    group: Mapped[SectorGroup] = relationship(back_populates="sectors")


class NafCode(db.Model):
    __tablename__ = "naf_code"

    code: Mapped[str] = mapped_column(String(6), primary_key=True)
    label: Mapped[str] = mapped_column(String(300))
    level: Mapped[str] = mapped_column(String(10))
