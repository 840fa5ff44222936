"""The opportunities digest: each enterprise's members are e-mailed, once, the published
intentions the matcher found they can answer (alone or in a group) since the last digest.
Also what the enterprise dashboard lists (``opportunities``)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from flask import current_app, url_for
from flask_babel import ngettext
from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from webapp import mail
from webapp.intentions.services import place_name
from webapp.matching.store import refresh_stale
from webapp.models import Enterprise, EnterpriseMembership, MatchCandidate, PurchaseIntention, User
from webapp.models.enterprise import utcnow

# Intentions listed in one e-mail; more are summed up by the link to the dashboard.
MAX_LISTED = 50
INTENTION_ENDPOINT = "intentions.detail"


@dataclass
class DigestReport:
    refreshed: int = 0  # intentions re-matched first
    enterprises: int = 0  # enterprises with something new
    mails: int = 0
    intentions: int = 0  # (enterprise, intention) pairs reported


def intention_url(intention_id: int, external: bool = False) -> str:
    """The intention's public page (``intentions.detail``); the plain path while that
    page is not registered."""
    if INTENTION_ENDPOINT in current_app.view_functions:
        if external:
            return mail.external_url(INTENTION_ENDPOINT, intention_id=intention_id)
        return url_for(INTENTION_ENDPOINT, intention_id=intention_id)
    path = f"/intentions/{intention_id}"
    return current_app.config["PUBLIC_URL"].rstrip("/") + path if external else path


def opportunities(session: Session, enterprise: Enterprise) -> list[MatchCandidate]:
    """The published intentions ``enterprise`` can answer, soonest launch first (those
    without a date last). Call ``refresh_stale`` first to be current."""
    rows = session.scalars(
        select(MatchCandidate)
        .join(PurchaseIntention, PurchaseIntention.id == MatchCandidate.intention_id)
        .where(
            MatchCandidate.enterprise_id == enterprise.id,
            PurchaseIntention.status == "published",
        )
        .options(selectinload(MatchCandidate.intention))
    ).all()
    return sorted(rows, key=lambda candidate: launch_order(candidate.intention))


def launch_order(intention: PurchaseIntention) -> tuple[bool, date | None, int]:
    """The sort key of what the digest and the dashboard list: soonest launch first, those
    without a date last, ties by id (the same order on every page and e-mail)."""
    launch = intention.launch_date
    return (launch is None, launch, intention.id)


def active_members(session: Session, enterprise_id: int) -> list[User]:
    """The members who receive the digest: active accounts with a confirmed e-mail."""
    return list(
        session.scalars(
            select(User)
            .join(EnterpriseMembership, EnterpriseMembership.user_id == User.id)
            .where(
                EnterpriseMembership.enterprise_id == enterprise_id,
                User.is_active_account.is_(True),
                User.email_confirmed_at.is_not(None),
            )
            .order_by(User.id)
        )
    )


def send_digests(session: Session, refresh: bool = True) -> DigestReport:
    """Refresh stale matches, then e-mail each enterprise's members its new opportunities
    (one e-mail per member and enterprise) and mark them notified."""
    report = DigestReport()
    if refresh:
        report.refreshed = refresh_stale(session)
        session.commit()
    # Only enterprises with someone to tell: the others keep theirs for when one joins.
    enterprise_ids = session.scalars(
        select(MatchCandidate.enterprise_id)
        .join(PurchaseIntention, PurchaseIntention.id == MatchCandidate.intention_id)
        .join(
            EnterpriseMembership,
            EnterpriseMembership.enterprise_id == MatchCandidate.enterprise_id,
        )
        .join(User, User.id == EnterpriseMembership.user_id)
        .where(
            MatchCandidate.notified_at.is_(None),
            PurchaseIntention.status == "published",
            User.is_active_account.is_(True),
            User.email_confirmed_at.is_not(None),
        )
        .distinct()
        .order_by(MatchCandidate.enterprise_id)
    ).all()
    for enterprise_id in enterprise_ids:
        enterprise = session.get(Enterprise, enterprise_id)
        members = active_members(session, enterprise_id)
        if enterprise is None or not members:
            continue
        new = [c for c in opportunities(session, enterprise) if c.notified_at is None]
        if not new:
            continue
        _send(session, enterprise, members, new)
        now = utcnow()
        for candidate in new:
            candidate.notified_at = now
        session.commit()
        report.enterprises += 1
        report.mails += len(members)
        report.intentions += len(new)
    return report


def _send(
    session: Session, enterprise: Enterprise, members: list[User], new: list[MatchCandidate]
) -> None:
    listed = new[:MAX_LISTED]
    items = [
        {
            "intention": c.intention,
            "place": place_name(session, c.intention),
            "alone": c.alone,
            "reservations": c.reservations.split(),
            "url": intention_url(c.intention_id, external=True),
        }
        for c in listed
    ]
    dashboard_url = mail.external_url("self_service.dashboard", siret=enterprise.siret)
    subject = ngettext(
        "Une nouvelle intention d'achat pour %(name)s",
        "%(num)s nouvelles intentions d'achat pour %(name)s",
        len(new),
        name=enterprise.display_name,
    )
    for user in members:  # one each: members do not see each other's address
        mail.send(
            [user.email],
            subject,
            "opportunities_digest",
            user=user,
            enterprise=enterprise,
            items=items,
            more=len(new) - len(listed),
            dashboard_url=dashboard_url,
        )
