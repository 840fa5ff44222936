"""Merging a duplicate enterprise into the one kept: everything people attached to the
duplicate moves over, then the duplicate is deleted (and removed from the index)."""

from __future__ import annotations

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from webapp.models import (
    AuditEvent,
    Claim,
    ContactMessage,
    Enterprise,
    EnterpriseMembership,
    EnterpriseSector,
    LabelDeclaration,
    NetworkMembershipRequest,
    SearchOutbox,
    ShortlistEntry,
)
from webapp.services.changes import record_change


class MergeError(ValueError):
    pass


def _rows(session: Session, model, enterprise: Enterprise) -> list:
    return list(session.scalars(select(model).where(model.enterprise_id == enterprise.id)))


def preview(session: Session, kept: Enterprise, duplicate: Enterprise) -> dict[str, int]:
    """How many of each thing would move (or be united) from ``duplicate``."""
    if kept.id == duplicate.id:
        raise MergeError("an enterprise cannot be merged into itself")
    return {
        "memberships": len(_rows(session, EnterpriseMembership, duplicate)),
        "offers": len(duplicate.offers),
        "client_references": len(duplicate.client_references),
        "label_declarations": len(_rows(session, LabelDeclaration, duplicate)),
        "networks": len([n for n in duplicate.networks if n not in kept.networks]),
        "labels": len([lab for lab in duplicate.labels if lab not in kept.labels]),
        "claims": len(_rows(session, Claim, duplicate)),
        "membership_requests": len(_rows(session, NetworkMembershipRequest, duplicate)),
        "shortlist_entries": len(_rows(session, ShortlistEntry, duplicate)),
        "contact_messages": len(_rows(session, ContactMessage, duplicate)),
        "sectors": len(_sectors_to_take(kept, duplicate)),
    }


def _sectors_to_take(kept: Enterprise, duplicate: Enterprise) -> list[EnterpriseSector]:
    """Confirmed or declared sectors of the duplicate that the kept one does not confirm."""
    confirmed = {
        s.sector_id for s in kept.sectors if s.status == "confirmed" or s.source == "declared"
    }
    return [
        s
        for s in duplicate.sectors
        if (s.status == "confirmed" or s.source == "declared") and s.sector_id not in confirmed
    ]


def merge(session: Session, kept: Enterprise, duplicate: Enterprise, actor: str) -> dict:
    """Move what belongs to ``duplicate`` onto ``kept``, delete ``duplicate``, audit and
    queue both for the index. Does not commit."""
    counts = preview(session, kept, duplicate)

    kept_members = {m.user_id for m in _rows(session, EnterpriseMembership, kept)}
    for membership in _rows(session, EnterpriseMembership, duplicate):
        if membership.user_id in kept_members:
            session.delete(membership)
        else:
            membership.enterprise_id = kept.id
            kept_members.add(membership.user_id)

    # One capacity and one zone per enterprise: the duplicate's fill what the kept one lacks.
    if kept.capacity is None and duplicate.capacity is not None:
        duplicate.capacity.enterprise = kept
    if kept.zone is None and duplicate.zone is not None:
        duplicate.zone.enterprise = kept

    for offer in list(duplicate.offers):
        offer.enterprise = kept
    for reference in list(duplicate.client_references):
        reference.enterprise = kept

    kept_declarations = {d.label_id: d for d in _rows(session, LabelDeclaration, kept)}
    for declaration in _rows(session, LabelDeclaration, duplicate):
        mine = kept_declarations.get(declaration.label_id)
        if mine is None:
            declaration.enterprise_id = kept.id
        else:
            if declaration.verified and not mine.verified:
                mine.verified = True
                mine.verified_by_id = declaration.verified_by_id
                mine.verified_at = declaration.verified_at
            session.delete(declaration)

    for network in duplicate.networks:
        if network not in kept.networks:
            kept.networks.append(network)
    for label in duplicate.labels:
        if label not in kept.labels:
            kept.labels.append(label)

    pending_users = {c.user_id for c in _rows(session, Claim, kept) if c.status == "pending"}
    for claim in _rows(session, Claim, duplicate):
        if claim.status == "pending" and (
            claim.user_id in pending_users or claim.user_id in kept_members
        ):
            claim.status = "cancelled"
        claim.enterprise_id = kept.id
    for request_ in _rows(session, NetworkMembershipRequest, duplicate):
        request_.enterprise_id = kept.id

    listed = {e.shortlist_id: e for e in _rows(session, ShortlistEntry, kept)}
    for entry in _rows(session, ShortlistEntry, duplicate):
        mine = listed.get(entry.shortlist_id)
        if mine is not None:
            # The buyer's note on the duplicate is theirs: kept alongside the other one.
            if entry.note and entry.note != mine.note:
                mine.note = "\n\n".join(n for n in (mine.note, entry.note) if n)
            session.delete(entry)
        else:
            entry.enterprise_id = kept.id
            listed[entry.shortlist_id] = entry

    for message in _rows(session, ContactMessage, duplicate):
        message.enterprise_id = kept.id

    by_sector = {s.sector_id: s for s in kept.sectors}
    for sector in _sectors_to_take(kept, duplicate):
        existing = by_sector.get(sector.sector_id)
        if existing is not None:
            existing.status = "confirmed"
        else:
            kept.sectors.append(
                EnterpriseSector(
                    sector_id=sector.sector_id,
                    source=sector.source,
                    confidence=sector.confidence,
                    status=sector.status,
                    evidence=sector.evidence,
                )
            )

    summary = {"merged_siret": duplicate.siret, "merged_name": duplicate.name} | {
        key: value for key, value in counts.items() if value
    }
    record_change(session, kept, actor, "merge", summary)
    # The duplicate's trail stays (by SIRET) once its row is gone.
    session.execute(
        update(AuditEvent)
        .where(AuditEvent.enterprise_id == duplicate.id)
        .values(enterprise_id=None)
        .execution_options(synchronize_session=False)
    )
    session.add(SearchOutbox(enterprise_id=duplicate.id))
    session.flush()
    session.delete(duplicate)
    session.flush()
    return summary
