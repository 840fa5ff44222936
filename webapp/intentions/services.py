"""Writing purchase intentions: the one path every writer takes (the buyers' pages, the
API, the template import, the DECP import). It checks an intention's rules, writes it with
its lots, sectors and buyer, keeps external ids unique and matches it; who may manage
an intention and the names of places live here too.

Single writes (``create_intention``, ``update_intention``, ``change_status``) are one
transaction each: the intention and its matcher result are committed together. Imports
write many in the caller's transaction through an ``IntentionBatch`` and commit once.
Intentions feed no search document: there is no outbox row to record."""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, selectinload

from domain.places import PLACE_KINDS
from webapp.matching import store
from webapp.models import BuyerOrganisation, IntentionLot, PurchaseIntention, Sector, User
from webapp.models.accounts import BUYER_TYPES
from webapp.models.intentions import (
    BUYER_SOURCES,
    CPV_CODES_MAX,
    EXTERNAL_ID_MAX,
    INTENTION_STATUSES,
    SOCIAL_CONSIDERATIONS,
    TITLE_MAX,
)
from webapp.models.territory import DIVISION_MODELS
from webapp.permissions import ADMIN, BUYER, roles_of

PUBLIC_STATUSES = ("published", "closed")
DESCRIPTION_MAX = 10_000
BUYER_NAME_MAX = PurchaseIntention.__table__.c.buyer_name.type.length
MAX_AMOUNT = 10**12  # € HT: far above any public contract, below BigInteger's range
MAX_DURATION_MONTHS = 600
MAX_LOTS = 50
MAX_LOT_NUMBER = 999


# --- Who may manage an intention -----------------------------------------------------------


def organisations_of(session: Session, user) -> list[BuyerOrganisation]:
    """The organisations ``user`` may write intentions for (every one for administrators)."""
    roles = roles_of(user)
    if ADMIN in roles:
        return list(session.scalars(select(BuyerOrganisation).order_by(BuyerOrganisation.name)))
    if BUYER not in roles:
        return []
    return sorted((m.organisation for m in user.buyer_memberships), key=lambda o: o.name)


def can_manage_intention(user, intention: PurchaseIntention) -> bool:
    roles = roles_of(user)
    if ADMIN in roles:
        return True
    return BUYER in roles and any(
        m.organisation_id == intention.buyer_organisation_id for m in user.buyer_memberships
    )


def can_view_intention(user, intention: PurchaseIntention) -> bool:
    return intention.status in PUBLIC_STATUSES or can_manage_intention(user, intention)


# --- Checking values -------------------------------------------------------------------------


def place_label(session: Session, kind: str, code: str | None) -> str | None:
    """The name of the place ``kind``/``code`` in the reference tables, None if unknown:
    what an intention keeps as its ``place_label`` ("Lille (59)", "Nord (59)", "France")."""
    if kind == "national":
        return "France"
    if not code:
        return None
    model = DIVISION_MODELS.get(kind)
    row = session.get(model, code) if model is not None else None
    if row is None:
        return None
    if kind == "commune":
        return f"{row.name} ({row.departement_code})"
    if kind == "departement":
        return f"{row.name} ({row.code})"
    return row.name


def place_name(session: Session, intention: PurchaseIntention) -> str:
    """The place of ``intention`` as the pages and e-mails name it: the name it keeps, else
    (a row written before names were kept) looked up, else its bare code."""
    return (
        intention.place_label
        or place_label(session, intention.place_kind, intention.place_code)
        or intention.place_code
        or ""
    )


# --- What is written -------------------------------------------------------------------------


@dataclass
class LotData:
    title: str
    amount: int | None
    sectors: list[Sector]
    number: int | None = None  # None: numbered in the order given


@dataclass
class IntentionData:
    """An intention as a writer gives it, its values read (by a form, the API's parser
    or an importer's); ``problems`` checks the rules."""

    title: str
    place_kind: str
    place_code: str | None
    description: str | None = None
    cpv_codes: list[str] = field(default_factory=list)
    sectors: list[Sector] = field(default_factory=list)
    lots: list[LotData] = field(default_factory=list)
    amount_total: int | None = None
    amount_per_year: int | None = None
    duration_months: int | None = None
    launch_date: date | None = None
    social_consideration: str = "unknown"
    status: str = "draft"
    forecast: bool = False
    external_id: str | None = None
    # The place's name when the writer read the place against the reference data itself
    # (the importers' PlaceReader); else it is looked up, which checks the place exists.
    place_label: str | None = None


@dataclass(frozen=True)
class Buyer:
    """Who buys: an organisation of ours (the pages, the API, a template row whose SIRET
    is known), or only the name and SIRET a file gives."""

    name: str
    siret: str | None
    type: str = "pouvoir_adjudicateur"
    organisation: BuyerOrganisation | None = None

    @classmethod
    def of(cls, organisation: BuyerOrganisation) -> Buyer:
        return cls(organisation.name, organisation.siret, organisation.buyer_type, organisation)


class IntentionInvalid(ValueError):
    """The intention breaks a rule: a message per field (``title``, ``lots[0].title``…)."""

    def __init__(self, errors: dict[str, str]):
        super().__init__("; ".join(f"{name}: {message}" for name, message in errors.items()))
        self.errors = errors


class ExternalIdTaken(IntentionInvalid):
    """Another intention of the same source (and organisation, for the buyers' own
    sources) already has this external id."""

    def __init__(self):
        super().__init__({"external_id": "already used"})


def _whole(value: int | None, low: int, high: int) -> str | None:
    """What is wrong with an optional whole number in [low, high], if anything."""
    if value is None or (
        isinstance(value, int) and not isinstance(value, bool) and low <= value <= high
    ):
        return None
    return f"expected a whole number from {low} to {high}"


def _text(value: str | None, limit: int, required: bool = False) -> str | None:
    """What is wrong with a text of at most ``limit`` characters, if anything."""
    if not value:
        return "required" if required else None
    return f"at most {limit} characters" if len(value) > limit else None


def _kept(found: dict[str, str | None]) -> dict[str, str]:
    return {name: message for name, message in found.items() if message}


def lot_problems(lot: LotData, number: int) -> dict[str, str]:
    """The rules of one lot (numbered ``number``): a message per field broken
    (``title``, ``amount``, ``number``). An importer checks each lot row with it."""
    return _kept(
        {
            "title": _text(lot.title, TITLE_MAX, required=True),
            "amount": _whole(lot.amount, 0, MAX_AMOUNT),
            "number": _whole(number, 1, MAX_LOT_NUMBER),
        }
    )


def problems(data: IntentionData, buyer: Buyer) -> dict[str, str]:
    """The rules an intention must keep, whoever writes it: a message per field broken
    (``lots[0].title`` for a lot's). Reads nothing: the place's code is checked against
    the reference data on writing, when its name is looked up."""
    found = {
        "title": _text(data.title, TITLE_MAX, required=True),
        "description": _text(data.description, DESCRIPTION_MAX),
        "external_id": _text(data.external_id, EXTERNAL_ID_MAX),
        "buyer.name": _text(buyer.name, BUYER_NAME_MAX, required=True),
        "amount_total": _whole(data.amount_total, 0, MAX_AMOUNT),
        "amount_per_year": _whole(data.amount_per_year, 0, MAX_AMOUNT),
        "duration_months": _whole(data.duration_months, 1, MAX_DURATION_MONTHS),
    }
    if any(not re.fullmatch(r"[0-9]{8}", code) for code in data.cpv_codes):
        found["cpv_codes"] = "not CPV codes (8 digits)"
    elif len(" ".join(data.cpv_codes)) > CPV_CODES_MAX:
        found["cpv_codes"] = "too many CPV codes"
    if data.place_kind not in PLACE_KINDS:
        found["place"] = "expected one of " + ", ".join(PLACE_KINDS)
    elif data.place_kind != "national" and not data.place_code:
        found["place"] = f"a {data.place_kind} needs its code"
    for name, value, allowed in (
        ("social_consideration", data.social_consideration, SOCIAL_CONSIDERATIONS),
        ("status", data.status, INTENTION_STATUSES),
        ("buyer.type", buyer.type, BUYER_TYPES),
    ):
        if value not in allowed:
            found[name] = "expected one of " + ", ".join(allowed)
    if len(data.lots) > MAX_LOTS:
        found["lots"] = f"at most {MAX_LOTS} lots"
    numbers: set[int] = set()
    for index, (number, lot) in enumerate(_numbered(data.lots)):
        lot_found = lot_problems(lot, number)
        if number in numbers and "number" not in lot_found:
            lot_found["number"] = f"lot {number} is given twice"
        numbers.add(number)
        found.update({f"lots[{index}].{name}": message for name, message in lot_found.items()})
    return _kept(found)


def _numbered(lots: list[LotData]) -> list[tuple[int, LotData]]:
    return [(lot.number or index, lot) for index, lot in enumerate(lots, start=1)]


# --- The rule of external ids ------------------------------------------------------------------


def _external_id_taken(
    session: Session, intention: PurchaseIntention, buyer: Buyer, external_id: str
) -> bool:
    """Whether another intention holds ``external_id`` where it must be unique: in its
    source, and in its organisation too when the source is the buyers' own (two buyers
    may both number a purchase "2027-001", and neither may learn that the other did)."""
    query = select(PurchaseIntention.id).where(
        PurchaseIntention.source == intention.source,
        PurchaseIntention.external_id == external_id,
    )
    if intention.source in BUYER_SOURCES:
        organisation_id = buyer.organisation.id if buyer.organisation else None
        query = query.where(PurchaseIntention.buyer_organisation_id == organisation_id)
    if intention.id is not None:
        query = query.where(PurchaseIntention.id != intention.id)
    return session.scalar(query.limit(1)) is not None


# --- Writing ---------------------------------------------------------------------------------


def _checked(session: Session, data: IntentionData, buyer: Buyer) -> str:
    """The place's name once every rule holds; else ``IntentionInvalid``."""
    found = problems(data, buyer)
    label = data.place_label
    if "place" not in found and label is None:
        label = place_label(session, data.place_kind, data.place_code)
        if label is None:
            found["place"] = f"no {data.place_kind} with this code in the reference data"
    if found:
        raise IntentionInvalid(found)
    return label


def _write(
    session: Session, intention: PurchaseIntention, data: IntentionData, buyer: Buyer, label: str
) -> bool:
    """Set ``intention`` to ``data``; whether anything changed. Lots are kept by number
    (a re-import that changes a lot's amount updates that lot)."""
    values = {
        "title": data.title,
        "description": data.description,
        "cpv_codes": " ".join(data.cpv_codes),
        "place_kind": data.place_kind,
        "place_code": None if data.place_kind == "national" else data.place_code,
        "place_label": label,
        "amount_total": data.amount_total,
        "amount_per_year": data.amount_per_year,
        "duration_months": data.duration_months,
        "launch_date": data.launch_date,
        "social_consideration": data.social_consideration,
        "status": data.status,
        "forecast": data.forecast,
        "external_id": data.external_id,
        "buyer_name": buyer.name,
        "buyer_siret": buyer.siret,
        "buyer_type": buyer.type,
    }
    changed = False
    with session.no_autoflush:
        for name, value in values.items():
            if getattr(intention, name) != value:
                setattr(intention, name, value)
                changed = True
        organisation = buyer.organisation
        if organisation is None and intention.buyer_organisation_id is not None:
            intention.organisation, intention.buyer_organisation_id = None, None
            changed = True
        elif organisation is not None and (
            organisation.id is None or intention.buyer_organisation_id != organisation.id
        ):
            intention.organisation, intention.buyer_organisation_id = organisation, organisation.id
            changed = True
        if _ids(intention.sectors) != _ids(data.sectors):
            intention.sectors = list(data.sectors)
            changed = True
        kept = {lot.number: lot for lot in intention.lots}
        for number, given in _numbered(data.lots):
            lot = kept.pop(number, None)
            if lot is None:
                lot = IntentionLot(number=number)
                intention.lots.append(lot)
                changed = True
            for name, value in (("title", given.title), ("amount", given.amount)):
                if getattr(lot, name) != value:
                    setattr(lot, name, value)
                    changed = True
            if _ids(lot.sectors) != _ids(given.sectors):
                lot.sectors = list(given.sectors)
                changed = True
        for gone in kept.values():
            intention.lots.remove(gone)
            changed = True
    if intention.status == "published" and intention.published_at is None:
        intention.published_at = datetime.now(UTC)
    if changed:
        # Stated, not left to the column's onupdate: a change of sectors or lots alone
        # writes no intention row, and the matcher's result must know it is older.
        intention.updated_at = datetime.now(UTC)
    session.add(intention)
    return changed


def _ids(sectors: Iterable[Sector]) -> list[int]:
    return sorted(s.id for s in sectors)


def _save(
    session: Session, intention: PurchaseIntention, data: IntentionData, buyer: Buyer
) -> PurchaseIntention:
    label = _checked(session, data, buyer)
    if data.external_id and _external_id_taken(session, intention, buyer, data.external_id):
        raise ExternalIdTaken()
    _write(session, intention, data, buyer, label)
    try:
        session.flush()
    except IntegrityError:
        # Another writer took the external id between the check and this insert: the
        # database's unique index refuses it. Anything else is not ours to explain.
        session.rollback()
        if data.external_id and _external_id_taken(session, intention, buyer, data.external_id):
            raise ExternalIdTaken() from None
        raise
    _match_and_commit(session, intention)
    return intention


def _match_and_commit(session: Session, intention: PurchaseIntention) -> None:
    """Store a current matcher result with the change, in its transaction."""
    session.flush()
    store.run(session, intention)
    session.commit()


def create_intention(
    session: Session,
    data: IntentionData,
    buyer: Buyer,
    *,
    source: str,
    author: User | None = None,
) -> PurchaseIntention:
    """Check and write a new intention, match it, commit. Raises ``IntentionInvalid``
    (``ExternalIdTaken`` for a used external id) and writes nothing then."""
    intention = PurchaseIntention(source=source, created_by_id=author.id if author else None)
    return _save(session, intention, data, buyer)


def update_intention(
    session: Session, intention: PurchaseIntention, data: IntentionData, buyer: Buyer
) -> PurchaseIntention:
    """Check and write ``data`` over ``intention``, match it, commit. Raises
    ``IntentionInvalid`` (nothing written then)."""
    return _save(session, intention, data, buyer)


def change_status(session: Session, intention: PurchaseIntention, status: str) -> None:
    """Publish or close ``intention`` (or put it back to draft), match it, commit."""
    if status not in INTENTION_STATUSES:
        raise IntentionInvalid({"status": "expected one of " + ", ".join(INTENTION_STATUSES)})
    if intention.status != status:
        intention.status = status
        intention.updated_at = datetime.now(UTC)
    if status == "published" and intention.published_at is None:
        intention.published_at = datetime.now(UTC)
    _match_and_commit(session, intention)


def match_intentions(session: Session, intentions: list[PurchaseIntention]) -> None:
    """Match what an ``IntentionBatch`` wrote, once the batch is committed (the pool of
    enterprises read once for all), and commit the results."""
    store.run_all(session, intentions)
    session.commit()


class IntentionBatch:
    """The intentions of one file source, written in the caller's transaction (an import:
    all or nothing, committed once by the caller, then matched). The source's intentions
    are read once, by external id — the rule's key for a file source — so a row is an
    upsert without a query of its own."""

    def __init__(self, session: Session, source: str):
        if source in BUYER_SOURCES:
            raise ValueError(f"{source!r} is the source of the buyers' own intentions")
        self.session = session
        self.source = source
        self.existing = {
            intention.external_id: intention
            for intention in session.scalars(
                select(PurchaseIntention)
                .where(PurchaseIntention.source == source)
                .options(
                    selectinload(PurchaseIntention.sectors),
                    selectinload(PurchaseIntention.lots).selectinload(IntentionLot.sectors),
                )
            )
        }

    def upsert(self, data: IntentionData, buyer: Buyer) -> tuple[PurchaseIntention, str]:
        """Write the intention of ``data.external_id`` (required): ``created``,
        ``updated`` or ``unchanged``. Raises ``IntentionInvalid`` (nothing written)."""
        if not data.external_id:
            raise IntentionInvalid({"external_id": "required"})
        label = _checked(self.session, data, buyer)
        intention = self.existing.get(data.external_id)
        if intention is None:
            intention = PurchaseIntention(source=self.source)
            self.existing[data.external_id] = intention
            _write(self.session, intention, data, buyer, label)
            return intention, "created"
        changed = _write(self.session, intention, data, buyer, label)
        return intention, "updated" if changed else "unchanged"
