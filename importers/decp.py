"""DECP (données essentielles de la commande publique): awarded contracts as the track
record of their holders (``ContractAward``) and as forecast renewals (``PurchaseIntention``).

Reads JSON files of the 2019 format (``{"marches": [...]}`` or ``{"marches": {"marche":
[...]}}``) and of the v2 schema (holders as ``{"titulaire": {...}}``, no ``uid``), told
apart per contract by the fields present. ``parse_decp`` is pure apart from reading the
reference tables through a ``PlaceReader``; ``load_decp`` writes, all or nothing (the
intentions through the intention service).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path
from typing import Any, BinaryIO

from sqlalchemy import select
from sqlalchemy.orm import Session
from stdnum.fr import siret as siret_number

from domain.cpv import CpvError, normalise_cpv
from domain.purchase_reading import default_reading_rules, describe, read_purchase
from domain.text_repair import repair_mojibake
from importers.cpv import sectors_for_cpv
from importers.places import PlaceReader, PlaceReading
from importers.report import ImportReport, ParseResult, Rejected, Warning_
from importers.tabular import ImportFileError, read_json
from webapp.intentions import services
from webapp.models import ContractAward, Enterprise, PurchaseIntention, Sector
from webapp.models.intentions import EXTERNAL_ID_MAX, TITLE_MAX

SOURCE = "decp"
# A forecast renewal is kept while its expected date is at most this far in the past:
# a contract often runs on (extensions, late procedures) after its nominal end.
RENEWAL_GRACE = timedelta(days=365)


@dataclass(frozen=True)
class Holder:
    siret: str
    name: str | None


@dataclass
class Contract:
    """One DECP contract, read; ``index`` is its 1-based position in the file's list."""

    index: int
    external_id: str
    object: str
    buyer_siret: str | None
    buyer_name: str | None
    cpv: str | None
    amount: int | None
    notified_on: date
    duration_months: int | None
    place: PlaceReading | None
    holders: list[Holder] = field(default_factory=list)
    buyer_type: str = "pouvoir_adjudicateur"
    social_consideration: str = "unknown"

    @property
    def renewal_on(self) -> date | None:
        if not self.duration_months:
            return None
        return add_months(self.notified_on, self.duration_months)


def add_months(start: date, months: int) -> date:
    month = start.month - 1 + months
    year, month = start.year + month // 12, month % 12 + 1
    for day in (start.day, 30, 29, 28):
        try:
            return date(year, month, day)
        except ValueError:
            continue
    raise ValueError(start)  # pragma: no cover - day 28 always exists


# --- Reading -----------------------------------------------------------------------------


def read_contracts(source: str | Path | BinaryIO) -> list[Any]:
    """The list of contracts of a DECP JSON file; ``ImportFileError`` if there is none."""
    document = read_json(source)
    marches = document.get("marches") if isinstance(document, dict) else None
    if isinstance(marches, dict):
        marches = marches.get("marche")
    if not isinstance(marches, list):
        raise ImportFileError('no list of contracts ("marches" or "marches.marche")')
    return marches


def parse_decp(source: str | Path | BinaryIO, places: PlaceReader) -> ParseResult[Contract]:
    """Every contract read; an unreadable one is rejected with its index and the reason.
    A place or CPV code that cannot be read leaves the contract in (as a track record)
    with a warning; it will not become an intention."""
    result: ParseResult[Contract] = ParseResult()
    first: dict[str, int] = {}
    for index, item in enumerate(read_contracts(source), start=1):
        result.rows += 1
        try:
            contract = _contract(index, item, places, result)
        except _Unreadable as exc:
            result.reject(index, str(exc), _key(item))
            continue
        if contract.external_id in first:
            # The same contract published twice (e.g. again with its modifications): the
            # first one is kept, so a re-run does the same.
            result.warn(
                index, "duplicate", f"same contract as number {first[contract.external_id]}"
            )
            continue
        first[contract.external_id] = index
        result.records.append(contract)
    return result


class _Unreadable(ValueError):
    pass


def _key(item: Any) -> str | None:
    if isinstance(item, dict):
        value = item.get("uid") or item.get("id")
        return str(value)[:EXTERNAL_ID_MAX] if value else None
    return None


def _contract(index: int, item: Any, places: PlaceReader, result: ParseResult) -> Contract:
    if not isinstance(item, dict):
        raise _Unreadable("not a JSON object")
    if "concessionnaires" in item or "autoriteConcedante" in item:
        raise _Unreadable("a concession contract, not a public market")
    contract_id = _text(item.get("id"))
    if not contract_id:
        raise _Unreadable("no contract id")
    buyer = item.get("acheteur") if isinstance(item.get("acheteur"), dict) else {}
    buyer_siret = _text(buyer.get("id")) or None
    if buyer_siret and not siret_number.is_valid(buyer_siret):
        result.warn(index, "buyer_siret_invalid", f"buyer SIRET {buyer_siret!r} is not valid")
        buyer_siret = None
    uid = _text(item.get("uid"))
    if uid:
        external_id = uid
    elif buyer_siret:
        external_id = buyer_siret + contract_id
    else:
        raise _Unreadable("no uid and no buyer SIRET: the contract cannot be identified")
    if len(external_id) > EXTERNAL_ID_MAX:
        raise _Unreadable(f"identifier longer than {EXTERNAL_ID_MAX} characters")
    notified_on = _date(item.get("dateNotification"))
    if notified_on is None:
        notified_on, how = _notification_guess(contract_id, item)
        if notified_on is None:
            raise _Unreadable(
                f"dateNotification {item.get('dateNotification')!r} is not a date, and "
                "neither the contract id nor datePublicationDonnees gives one"
            )
        result.warn(
            index,
            "notification_date_guessed",
            f"dateNotification {item.get('dateNotification')!r} is not a date: {how}",
        )

    cpv = None
    try:
        cpv = normalise_cpv(_text(item.get("codeCPV")))
    except CpvError as exc:
        result.warn(index, "cpv_invalid", str(exc))
    amount = _number(item.get("montant"))
    if amount is None or amount < 0:
        result.warn(index, "amount_invalid", f"montant {item.get('montant')!r} is not an amount")
        amount = None
    duration = _number(item.get("dureeMois"))
    if duration is not None and not 0 < duration <= 600:
        result.warn(index, "duration_invalid", f"dureeMois {item.get('dureeMois')!r}")
        duration = None
    place = places.decp(item.get("lieuExecution"))
    if not place.ok:
        result.warn(index, "place_unreadable", place.error)
    elif place.warning:
        # Approximate: a coarser place than the one written (a canton read as its
        # département); guessed: read precisely from what the code and the name agree on.
        code = "place_approximate" if place.approximate else "place_guessed"
        result.warn(index, code, place.warning)
    title = _text(item.get("objet"))
    repaired = repair_mojibake(title)
    if repaired != title:
        result.warn(index, "text_repaired", f"objet {title!r} read as {repaired!r}")

    holders: list[Holder] = []
    for entry in _list(item.get("titulaires")):
        holder = entry.get("titulaire", entry) if isinstance(entry, dict) else None
        if not isinstance(holder, dict):
            result.warn(index, "holder_unreadable", "a holder is not an object")
            continue
        kind = _text(holder.get("typeIdentifiant")).upper()
        identifier = re.sub(r"\s", "", _text(holder.get("id")))
        if kind not in ("", "SIRET") or not siret_number.is_valid(identifier):
            result.warn(
                index, "holder_not_siret", f"holder {kind or '?'} {identifier!r} is not a SIRET"
            )
            continue
        name = _text(holder.get("denominationSociale")) or None
        if identifier not in (h.siret for h in holders):
            holders.append(Holder(identifier, name[:255] if name else None))

    return Contract(
        index=index,
        external_id=external_id,
        object=repaired or contract_id,
        buyer_siret=buyer_siret,
        buyer_name=(_text(buyer.get("nom")) or None),
        cpv=cpv,
        amount=int(round(amount)) if amount is not None else None,
        notified_on=notified_on,
        duration_months=int(duration) if duration else None,
        place=place if place.ok else None,
        holders=holders,
        social_consideration=_social(item.get("considerationsSociales")),
    )


def _text(value: Any) -> str:
    return str(value).strip() if value is not None and not isinstance(value, dict | list) else ""


def _list(value: Any) -> list:
    if isinstance(value, list):
        return value
    if isinstance(value, dict):  # {"titulaire": [...]} in some XML-derived files
        inner = value.get("titulaire")
        return inner if isinstance(inner, list) else [value]
    return []


def _number(value: Any) -> float | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int | float):
        return float(value)
    if isinstance(value, str):
        try:
            return float(value.replace(" ", "").replace(",", "."))
        except ValueError:
            return None
    return None


# The year a contract id starts with ("2019I1703000", "2024-NET-01").
_ID_YEAR = re.compile(r"20\d\d")


def _notification_guess(contract_id: str, item: dict) -> tuple[date | None, str]:
    """A notification date for a contract that has none: the year its id starts with
    (the publication date when it falls in that year, else 1 July, mid-year), else the
    publication date (``datePublicationDonnees``, days or weeks after notification)."""
    published = _date(item.get("datePublicationDonnees"))
    year_match = _ID_YEAR.match(contract_id)
    year = int(year_match.group(0)) if year_match else None
    if year is not None and year <= date.today().year:
        if published is not None and published.year == year:
            return published, (
                f"the id {contract_id!r} starts with {year}: read as the publication date "
                f"{published} of that year"
            )
        return date(year, 7, 1), (
            f"the id {contract_id!r} starts with {year}: read as {year}-07-01 (mid-year)"
        )
    if published is not None:
        return published, f"read as datePublicationDonnees {published}"
    return None, ""


def _date(value: Any) -> date | None:
    match = re.match(r"(\d{4})-(\d{2})-(\d{2})", _text(value))
    if not match:
        return None
    try:
        return date(*(int(part) for part in match.groups()))
    except ValueError:
        return None


def _social(value: Any) -> str:
    """v2's ``considerationsSociales`` (a list or a string) as our social consideration."""
    texts = " ".join(_text(v) for v in _list(value)) if isinstance(value, list) else _text(value)
    folded = texts.lower()
    if "réserv" in folded or "reserv" in folded:
        return "reservation"
    if "critère" in folded or "critere" in folded:
        return "criterion"
    if "clause" in folded:
        return "clause"
    if "pas de consid" in folded or "aucune" in folded:
        return "none"
    return "unknown"


# --- Loading -----------------------------------------------------------------------------


@dataclass
class DecpReports:
    awards: ImportReport | None = None
    intentions: ImportReport | None = None

    def summary(self) -> dict:
        return {
            name: report.summary()
            for name, report in (("awards", self.awards), ("intentions", self.intentions))
            if report is not None
        }


def load_decp(
    session: Session,
    parsed: ParseResult[Contract],
    *,
    history: bool,
    as_intentions: bool,
    today: date | None = None,
    dry_run: bool = False,
    progress: Callable[[int], None] | None = None,
    match: bool = True,
) -> DecpReports:
    """Upsert the awards (``history``) and the forecast intentions (``as_intentions``) and
    commit once (roll back on dry run or error); then match the intentions changed."""
    reports = DecpReports()
    today = today or date.today()
    try:
        if history:
            reports.awards = _load_awards(session, parsed, dry_run)
        if as_intentions:
            reports.intentions, changed = _load_intentions(session, parsed, today, dry_run)
        if progress:
            progress(len(parsed.records))
        if dry_run:
            session.rollback()
            return reports
        session.commit()
        if as_intentions and match and changed:
            services.match_intentions(session, changed)
    except Exception:
        session.rollback()
        raise
    return reports


def _new_report(parsed: ParseResult, dry_run: bool, source: str) -> ImportReport:
    return ImportReport(
        source,
        dry_run=dry_run,
        rows=parsed.rows,
        rejected=list(parsed.rejected),
        warnings=list(parsed.warnings),
    )


def _load_awards(session: Session, parsed: ParseResult[Contract], dry_run: bool) -> ImportReport:
    report = _new_report(parsed, dry_run, "decp awards")
    existing = {
        (a.external_id, a.holder_siret): a
        for a in session.scalars(select(ContractAward).where(ContractAward.source == SOURCE))
    }
    sirets = {h.siret for c in parsed.records for h in c.holders}
    enterprise_ids = {
        siret: id_
        for siret, id_ in session.execute(
            select(Enterprise.siret, Enterprise.id).where(Enterprise.siret.in_(sirets))
        )
    }
    for contract in parsed.records:
        if not contract.holders:
            report.warnings.append(
                _warning(contract.index, "no_holder", "no holder with a SIRET: no award")
            )
        for holder in contract.holders:
            values = {
                "holder_name": holder.name,
                "enterprise_id": enterprise_ids.get(holder.siret),
                "buyer_siret": contract.buyer_siret,
                "buyer_name": contract.buyer_name[:255] if contract.buyer_name else None,
                "object": contract.object,
                "cpv": contract.cpv,
                "amount": contract.amount,
                "notified_on": contract.notified_on,
                "duration_months": contract.duration_months,
                "place_code": contract.place.code if contract.place else None,
            }
            award = existing.get((contract.external_id, holder.siret))
            if award is None:
                award = ContractAward(
                    source=SOURCE, external_id=contract.external_id, holder_siret=holder.siret
                )
                _assign(award, values)
                session.add(award)
                existing[(contract.external_id, holder.siret)] = award
                report.created += 1
            elif _assign(award, values):
                report.updated += 1
            else:
                report.unchanged += 1
    session.flush()
    return report


def _load_intentions(
    session: Session, parsed: ParseResult[Contract], today: date, dry_run: bool
) -> tuple[ImportReport, list[PurchaseIntention]]:
    report = _new_report(parsed, dry_run, "decp intentions")
    sectors = {s.name: s for s in session.scalars(select(Sector))}
    batch = services.IntentionBatch(session, SOURCE)
    changed: list[PurchaseIntention] = []
    horizon = today - RENEWAL_GRACE
    reading_rules = default_reading_rules()
    for contract in parsed.records:
        duration = contract.duration_months
        if not duration:
            duration = reading_rules.default_duration_months
            report.warnings.append(
                _warning(
                    contract.index,
                    "duration_default",
                    f"no duration (dureeMois): renewal expected after {duration} months "
                    "(default of data/mappings/purchase/reading.toml)",
                )
            )
        renewal = add_months(contract.notified_on, duration)
        if renewal < horizon:
            report.warnings.append(
                _warning(contract.index, "renewal_past", f"expected renewal {renewal} is past")
            )
            continue
        if contract.place is None:
            report.rejected.append(_rejected(contract, "no readable place of execution"))
            continue
        reading = read_purchase(
            {contract.cpv: sectors_for_cpv(contract.cpv)} if contract.cpv else {},
            contract.object,
        )
        for repair in reading.repairs:
            report.warnings.append(_warning(contract.index, "text_repaired", f"read {repair}"))
        if reading.from_text():
            report.warnings.append(
                _warning(
                    contract.index,
                    "sectors_from_title",
                    f"sectors read from the title: {describe(reading.from_text())}",
                )
            )
        if not reading.sectors:
            why = reading.cpv_note or "no CPV code"
            report.warnings.append(
                _warning(
                    contract.index,
                    "no_sector",
                    f"{why} and the title names none: an intention with no sector",
                )
            )
        elif reading.cpv_note and reading.nature is not None:
            report.warnings.append(_warning(contract.index, "cpv_not_a_trade", reading.cpv_note))
        buyer_name = contract.buyer_name or contract.buyer_siret or "?"
        buyer = services.Buyer(
            buyer_name[: services.BUYER_NAME_MAX], contract.buyer_siret, contract.buyer_type
        )
        chosen = [sectors[name] for name in reading.names]
        try:
            intention, outcome = batch.upsert(_forecast(contract, duration, renewal, chosen), buyer)
        except services.IntentionInvalid as exc:
            report.rejected.append(_rejected(contract, str(exc)))
            continue
        setattr(report, outcome, getattr(report, outcome) + 1)
        if outcome != "unchanged":
            changed.append(intention)
    session.flush()
    return report, changed


def _forecast(
    contract: Contract, duration: int, renewal: date, sectors: list[Sector]
) -> services.IntentionData:
    """The renewal expected of ``contract`` (after ``duration`` months, on ``renewal``)
    as a published forecast intention. A default duration dates the renewal; it is not
    stored as the contract's."""
    per_year = (
        int(round(contract.amount * 12 / contract.duration_months))
        if contract.amount is not None and contract.duration_months
        else None
    )
    length = (
        f"pour {duration} mois"
        if contract.duration_months
        else f"sans durée publiée ({duration} mois supposés)"
    )
    return services.IntentionData(
        title=contract.object[:TITLE_MAX],
        description=(
            f"Renouvellement attendu d'un marché notifié le {contract.notified_on:%d/%m/%Y} "
            f"{length} (DECP {contract.external_id}, CPV {contract.cpv or '?'})."
        ),
        cpv_codes=[contract.cpv] if contract.cpv else [],
        sectors=sectors,
        place_kind=contract.place.kind,
        place_code=contract.place.code,
        place_label=contract.place.label,
        amount_total=contract.amount,
        amount_per_year=per_year,
        duration_months=contract.duration_months,
        launch_date=renewal,
        social_consideration=contract.social_consideration,
        status="published",
        forecast=True,
        external_id=contract.external_id,
    )


def _assign(obj: Any, values: dict[str, Any]) -> bool:
    touched = False
    for name, value in values.items():
        if getattr(obj, name) != value:
            setattr(obj, name, value)
            touched = True
    return touched


def _warning(index: int, code: str, message: str):
    return Warning_(index, code, message)


def _rejected(contract: Contract, reason: str):
    return Rejected(contract.index, reason, contract.external_id)
