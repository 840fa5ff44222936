"""France's official divisions: région, département, EPCI, commune (INSEE codes)."""

from __future__ import annotations

from sqlalchemy import Float, ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from webapp.extensions import db


class Region(db.Model):
    __tablename__ = "region"

    code: Mapped[str] = mapped_column(String(3), primary_key=True)
    name: Mapped[str] = mapped_column(String(100))
    chef_lieu: Mapped[str | None] = mapped_column(String(5))

    departements: Mapped[list[Departement]] = relationship(back_populates="region")


class Departement(db.Model):
    __tablename__ = "departement"

    code: Mapped[str] = mapped_column(String(3), primary_key=True)
    name: Mapped[str] = mapped_column(String(100))
    region_code: Mapped[str] = mapped_column(ForeignKey("region.code"), index=True)
    chef_lieu: Mapped[str | None] = mapped_column(String(5))

    region: Mapped[Region] = relationship(back_populates="departements")


class Epci(db.Model):
    __tablename__ = "epci"

    siren: Mapped[str] = mapped_column(String(9), primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    kind: Mapped[str] = mapped_column(String(10))
    population: Mapped[int | None] = mapped_column(Integer)


class Commune(db.Model):
    __tablename__ = "commune"

    insee: Mapped[str] = mapped_column(String(5), primary_key=True)
    name: Mapped[str] = mapped_column(String(100), index=True)
    # Space-separated: a commune has one to a few dozen postal codes, only ever read whole.
    postal_codes: Mapped[str] = mapped_column(String(400), default="")
    departement_code: Mapped[str] = mapped_column(ForeignKey("departement.code"), index=True)
    region_code: Mapped[str] = mapped_column(ForeignKey("region.code"), index=True)
    epci_siren: Mapped[str | None] = mapped_column(ForeignKey("epci.siren"), index=True)
    population: Mapped[int | None] = mapped_column(Integer)
    latitude: Mapped[float] = mapped_column(Float)
    longitude: Mapped[float] = mapped_column(Float)
    # How the position was found: commune (GeoNames), postal_code, epci or departement.
    position_precision: Mapped[str] = mapped_column(String(20))

    departement: Mapped[Departement] = relationship()
    region: Mapped[Region] = relationship()
    epci: Mapped[Epci | None] = relationship()


# The model of each kind of division, by the name intentions' places and declared zones
# give it (``domain.places.PLACE_KINDS`` but "national"; ``DIVISION_TYPES``). Each is
# keyed by its official code, its primary key: ``session.get(DIVISION_MODELS[kind], code)``.
DIVISION_MODELS: dict[str, type[Region | Departement | Epci | Commune]] = {
    "region": Region,
    "departement": Departement,
    "epci": Epci,
    "commune": Commune,
}
