"""Registrations to an event from a CSV or XLSX file, made by its organisers.

One row per participant. Columns (French or English headers, case and accents ignored):
``SIRET`` (required), ``Courriel`` / ``E-mail`` (optional), ``Présentation`` (optional).
A row whose SIRET is an enterprise of the directory registers that enterprise (the
e-mail, if any, is its contact address); a row whose SIRET is a buyer organisation's and
whose e-mail is an account of one of its members registers that buyer.

``parse_registrations`` reads and checks every row against the database (reads only);
``load_registrations`` registers them all, accepted, in one transaction — or none when a
row was rejected. A row already registered is "unchanged": running a file twice is safe.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

from sqlalchemy import select
from sqlalchemy.orm import Session

from domain.text import fold
from importers.report import ImportReport, ParseResult
from importers.tabular import ImportFileError, read_rows
from webapp.models import BuyerMembership, BuyerOrganisation, Enterprise, Event, User
from webapp.models.events import PITCH_MAX

# Folded header -> field.
HEADERS = {
    "siret": "siret",
    "courriel": "email",
    "e mail": "email",
    "email": "email",
    "mail": "email",
    "adresse e mail": "email",
    "courriel de contact": "email",
    "contact": "email",
    "presentation": "pitch",
    "pitch": "pitch",
}
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
EMAIL_MAX = 254


@dataclass(frozen=True)
class RegistrationRecord:
    line: int
    kind: str  # "enterprise" or "buyer"
    siret: str
    email: str | None
    pitch: str | None
    enterprise_id: int | None = None
    user_id: int | None = None
    organisation_id: int | None = None


def _columns(header: list[str]) -> dict[str, str]:
    """Field -> the file's column; ImportFileError for a missing SIRET column or a field
    given twice."""
    found: dict[str, str] = {}
    unknown = []
    for name in header:
        if not name:
            continue
        key = HEADERS.get(fold(name))
        if key is None:
            unknown.append(name)
        elif key in found:
            raise ImportFileError(f"line 1: columns {found[key]!r} and {name!r} say the same")
        else:
            found[key] = name
    if "siret" not in found:
        raise ImportFileError("line 1: no SIRET column")
    if unknown:
        raise ImportFileError(
            f"line 1: unknown column(s) {', '.join(unknown)[:200]}"
            " (columns: SIRET, Courriel, Présentation)"
        )
    return found


def parse_registrations(
    source: str | Path | BinaryIO, session: Session, event: Event, *, encoding: str = "utf-8"
) -> ParseResult[RegistrationRecord]:
    header, rows = read_rows(source, encoding=encoding)
    columns = _columns(header)
    result: ParseResult[RegistrationRecord] = ParseResult()
    seen: dict[str, int] = {}
    for row in rows:
        result.rows += 1
        if row.error:
            result.reject(row.line, row.error)
            continue
        values = {f: (row.values.get(c) or "").strip() for f, c in columns.items()}
        siret = re.sub(r"[\s.]", "", values.get("siret", ""))
        email = values.get("email", "").lower() or None
        pitch = values.get("pitch") or None
        if not re.fullmatch(r"\d{14}", siret):
            result.reject(row.line, "SIRET: 14 digits expected", siret[:20] or None)
            continue
        if email and (len(email) > EMAIL_MAX or not _EMAIL.match(email)):
            result.reject(row.line, f"not an e-mail address: {email[:40]!r}", siret)
            continue
        if pitch and len(pitch) > PITCH_MAX:
            result.reject(row.line, f"presentation: at most {PITCH_MAX} characters", siret)
            continue
        record, reason = _read(session, event, row.line, siret, email, pitch)
        if record is None:
            result.reject(row.line, reason, siret)
            continue
        key = f"{record.kind}:{record.enterprise_id or record.organisation_id}:{record.user_id}"
        if key in seen:
            result.reject(row.line, f"same participant as line {seen[key]}", siret)
            continue
        seen[key] = row.line
        result.records.append(record)
    return result


def _read(
    session: Session, event: Event, line: int, siret: str, email: str | None, pitch: str | None
) -> tuple[RegistrationRecord | None, str]:
    """The record of a row, or None and why it is refused."""
    enterprise = session.scalar(select(Enterprise).where(Enterprise.siret == siret))
    if enterprise is not None:
        if event.audience == "buyers":
            return None, "the event is for buyers only"
        return RegistrationRecord(
            line, "enterprise", siret, email, pitch, enterprise_id=enterprise.id
        ), ""
    organisation = session.scalar(select(BuyerOrganisation).where(BuyerOrganisation.siret == siret))
    if organisation is None:
        return None, "no enterprise of the directory nor buyer organisation has this SIRET"
    if event.audience == "enterprises":
        return None, "the event is for enterprises only"
    if not email:
        return None, "a buyer's row needs the e-mail of their account"
    user = session.scalar(
        select(User)
        .join(BuyerMembership, BuyerMembership.user_id == User.id)
        .where(User.email == email, BuyerMembership.organisation_id == organisation.id)
    )
    if user is None:
        return None, f"no account {email!r} among the members of {organisation.name[:60]}"
    return RegistrationRecord(
        line, "buyer", siret, email, pitch, user_id=user.id, organisation_id=organisation.id
    ), ""


def load_registrations(
    session: Session, parsed: ParseResult[RegistrationRecord], event: Event, organiser: User
) -> ImportReport:
    """Register every record, accepted, registered by ``organiser``, and commit; nothing
    when a row was rejected (the report lists them). The people registered are mailed
    once it is committed."""
    from webapp.events import organising

    report = ImportReport(f"event:{event.id}", rows=parsed.rows, rejected=list(parsed.rejected))
    if parsed.rejected:
        return report
    added = []
    try:
        for record in parsed.records:
            try:
                if record.kind == "enterprise":
                    participant = organising.add_member(
                        session,
                        organiser,
                        event,
                        session.get(Enterprise, record.enterprise_id),
                        record.email,
                        record.pitch,
                        members_only=False,
                    )
                else:
                    participant = organising.add_buyer(
                        session,
                        organiser,
                        event,
                        session.get(User, record.user_id),
                        session.get(BuyerOrganisation, record.organisation_id),
                        record.pitch,
                    )
            except organising.AlreadyRegistered:
                report.unchanged += 1
                continue
            added.append(participant)
            report.created += 1
        session.commit()
    except Exception:
        session.rollback()
        raise
    for participant in added:
        organising.send_registered(session, participant)
    return report
