"""Claiming an enterprise's profile: who decides, the decision, reminders.

Plain functions on a session; the views and the CLI stay thin. Each function commits and
sends its e-mails once the change is saved.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from urllib.parse import urlsplit

from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm import Session

from webapp import mail
from webapp.models import (
    AuditEvent,
    Claim,
    Enterprise,
    EnterpriseMembership,
    NetworkFacilitator,
    User,
)
from webapp.permissions import ADMIN, can_facilitate, can_manage_enterprise, roles_of
from webapp.services import audit
from webapp.services.changes import actor_of

# Addresses anyone can open: they prove nothing about who runs a company.
WEBMAIL_DOMAINS = frozenset(
    {
        "gmail.com",
        "googlemail.com",
        "orange.fr",
        "wanadoo.fr",
        "free.fr",
        "laposte.net",
        "sfr.fr",
        "neuf.fr",
        "bbox.fr",
        "numericable.fr",
        "aol.com",
        "gmx.fr",
        "gmx.com",
        "icloud.com",
        "me.com",
        "protonmail.com",
        "proton.me",
    }
)
WEBMAIL_PREFIXES = ("hotmail.", "outlook.", "yahoo.", "live.", "msn.", "ymail.")

SYSTEM_ACTOR = "system:claims"


class ClaimError(ValueError):
    """A claim that cannot be made or decided; the message is shown to the person."""


def _host(website: str | None) -> str | None:
    if not website or not website.strip():
        return None
    text = website.strip()
    if "//" not in text:
        text = "//" + text
    try:
        host = urlsplit(text).hostname
    except ValueError:
        return None
    if not host:
        return None
    host = host.lower().rstrip(".")
    return host.removeprefix("www.")


def is_webmail(domain: str) -> bool:
    domain = domain.lower()
    return domain in WEBMAIL_DOMAINS or domain.startswith(WEBMAIL_PREFIXES)


def email_domain_matches(email: str, website: str | None) -> bool:
    """True when the e-mail's domain is the website's domain (``www.`` ignored), and not a
    webmail anyone can open."""
    domain = email.rpartition("@")[2].lower().strip().rstrip(".").removeprefix("www.")
    host = _host(website)
    return bool(domain and host and domain == host and not is_webmail(domain))


# --- Who decides ---------------------------------------------------------------------------


def members_of(enterprise: Enterprise, session: Session) -> list[User]:
    return list(
        session.scalars(
            select(User)
            .join(EnterpriseMembership, EnterpriseMembership.user_id == User.id)
            .where(EnterpriseMembership.enterprise_id == enterprise.id)
            .order_by(User.id)
        )
    )


def facilitators_of(enterprise: Enterprise, session: Session) -> list[User]:
    network_ids = [n.id for n in enterprise.networks]
    if not network_ids:
        return []
    return list(
        session.scalars(
            select(User)
            .join(NetworkFacilitator, NetworkFacilitator.user_id == User.id)
            .where(NetworkFacilitator.network_id.in_(network_ids))
            .distinct()
            .order_by(User.id)
        )
    )


def administrators(session: Session) -> list[User]:
    return list(
        session.scalars(
            select(User).where(User.is_admin.is_(True), User.is_active_account.is_(True))
        )
    )


def deciders(session: Session, claim: Claim) -> list[User]:
    """Who is asked to decide ``claim`` (by e-mail)."""
    if claim.method == "members":
        people = members_of(claim.enterprise, session)
    elif claim.method == "facilitator":
        people = facilitators_of(claim.enterprise, session)
    else:
        people = administrators(session)
    return [p for p in people if p.id != claim.user_id and p.is_active_account]


def can_decide(user, claim: Claim) -> bool:
    """Members decide a claim on their enterprise, a facilitator of one of its networks a
    claim routed to facilitators, administrators any claim; nobody decides their own."""
    if not getattr(user, "is_authenticated", False) or user.id == claim.user_id:
        return False
    if ADMIN in roles_of(user):
        return True
    if claim.method == "members":
        return can_manage_enterprise(user, claim.enterprise)
    if claim.method == "facilitator":
        return any(can_facilitate(user, n) for n in claim.enterprise.networks)
    return False


def is_member(user, enterprise: Enterprise) -> bool:
    return getattr(user, "is_authenticated", False) and any(
        m.enterprise_id == enterprise.id for m in user.enterprise_memberships
    )


def pending_claim(session: Session, user: User, enterprise: Enterprise) -> Claim | None:
    return session.scalar(
        select(Claim).where(
            Claim.user_id == user.id,
            Claim.enterprise_id == enterprise.id,
            Claim.status == "pending",
        )
    )


# --- Asking and deciding -------------------------------------------------------------------


def website_set_by_people(session: Session, enterprise: Enterprise) -> bool:
    """Whether a person (a facilitator's import, an administrator) ever set the website:
    then it proves nothing about who owns the domain, and no claim is approved on it."""
    events = session.scalars(
        select(AuditEvent.changes).where(
            AuditEvent.enterprise_id == enterprise.id, AuditEvent.actor.like("user:%")
        )
    )
    return any("website" in (changes or {}) for changes in events)


def submit_claim(
    session: Session, user: User, enterprise: Enterprise, message: str | None
) -> Claim:
    """Record ``user``'s claim on ``enterprise``: approved at once when their confirmed
    e-mail is on the enterprise's own domain and nobody manages it yet; otherwise pending,
    routed to its members, its networks' facilitators or the administrators."""
    if is_member(user, enterprise):
        raise ClaimError(_("Vous gérez déjà cette fiche."))
    if pending_claim(session, user, enterprise) is not None:
        raise ClaimError(_("Votre demande pour cette fiche attend déjà une décision."))
    if user.email_confirmed_at is None:
        raise ClaimError(_("Confirmez d'abord votre adresse e-mail."))

    claimed = bool(members_of(enterprise, session))
    if claimed:
        method = "members"
    elif email_domain_matches(user.email, enterprise.website) and not website_set_by_people(
        session, enterprise
    ):
        method = "email_domain"
    elif facilitators_of(enterprise, session):
        method = "facilitator"
    else:
        method = "administrator"
    claim = Claim(
        enterprise=enterprise,
        user=user,
        method=method,
        status="pending",
        message=(message or "").strip() or None,
    )
    session.add(claim)
    session.flush()
    audit.record(
        session,
        enterprise,
        actor_of(user),
        "claim_request",
        {"claim": claim.id, "method": method, "user": user.email},
    )
    if method == "email_domain":
        _approve(session, claim, None, SYSTEM_ACTOR)
    session.commit()

    if claim.status == "approved":
        _mail_decision(claim)
    else:
        _mail_request(session, claim)
    return claim


def decide(session: Session, claim: Claim, decider: User, approve: bool) -> Claim:
    """Approve or refuse a pending claim (the caller checked ``can_decide``)."""
    if claim.status != "pending":
        raise ClaimError(_("Cette demande a déjà été traitée."))
    if approve:
        _approve(session, claim, decider, actor_of(decider))
    else:
        claim.status = "refused"
        claim.decided_by = decider
        claim.decided_at = datetime.now(UTC)
        audit.record(
            session,
            claim.enterprise,
            actor_of(decider),
            "claim_refused",
            {"claim": claim.id, "user": claim.user.email},
        )
    session.commit()
    _mail_decision(claim)
    return claim


def _approve(session: Session, claim: Claim, decider: User | None, actor: str) -> None:
    claim.status = "approved"
    claim.decided_by = decider
    claim.decided_at = datetime.now(UTC)
    already = session.scalar(
        select(EnterpriseMembership).where(
            EnterpriseMembership.user_id == claim.user_id,
            EnterpriseMembership.enterprise_id == claim.enterprise_id,
        )
    )
    if already is None:
        session.add(EnterpriseMembership(user=claim.user, enterprise=claim.enterprise))
    audit.record(
        session,
        claim.enterprise,
        actor,
        "claim_approved",
        {"claim": claim.id, "method": claim.method, "user": claim.user.email},
    )


def _mail_request(session: Session, claim: Claim) -> None:
    people = deciders(session, claim)
    mail.send(
        [p.email for p in people],
        _("Demande de gestion de la fiche %(name)s", name=claim.enterprise.display_name),
        "claim_request",
        claim=claim,
        link=mail.external_url("claims.decide", claim_id=claim.id),
    )


def _mail_decision(claim: Claim) -> None:
    approved = claim.status == "approved"
    mail.send(
        [claim.user.email],
        _("Votre demande pour %(name)s est acceptée", name=claim.enterprise.display_name)
        if approved
        else _("Votre demande pour %(name)s est refusée", name=claim.enterprise.display_name),
        "claim_decided",
        claim=claim,
        approved=approved,
        link=mail.external_url("directory.profile", siret=claim.enterprise.siret),
    )


# --- Reminders -----------------------------------------------------------------------------


@dataclass
class ReminderReport:
    reminded: int = 0
    escalated: int = 0


def _aware(moment: datetime) -> datetime:
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def remind(
    session: Session, *, after_days: int = 3, max_reminders: int = 3, now: datetime | None = None
) -> ReminderReport:
    """E-mail the deciders of claims waiting ``after_days`` since the request or the last
    reminder; once ``max_reminders`` have gone unanswered, the administrators instead."""
    now = now or datetime.now(UTC)
    cutoff = now - timedelta(days=after_days)
    report = ReminderReport()
    pending = session.scalars(select(Claim).where(Claim.status == "pending").order_by(Claim.id))
    for claim in list(pending):
        if _aware(claim.last_reminded_at or claim.created_at) > cutoff:
            continue
        escalate = claim.reminders_sent >= max_reminders
        people = administrators(session) if escalate else deciders(session, claim)
        if not people:  # nobody left to ask (members gone, network without facilitator)
            people = administrators(session)
        people = [p for p in people if p.id != claim.user_id]
        claim.reminders_sent += 1
        claim.last_reminded_at = now
        audit.record(
            session,
            claim.enterprise,
            SYSTEM_ACTOR,
            "claim_escalated" if escalate else "claim_reminder",
            {
                "claim": claim.id,
                "reminder": claim.reminders_sent,
                "to": sorted(p.email for p in people),
            },
        )
        session.commit()
        mail.send(
            [p.email for p in people],
            _(
                "Rappel : demande de gestion de la fiche %(name)s",
                name=claim.enterprise.display_name,
            ),
            "claim_reminder",
            claim=claim,
            escalated=escalate,
            link=mail.external_url("claims.decide", claim_id=claim.id),
        )
        if escalate:
            report.escalated += 1
        else:
            report.reminded += 1
    return report


def claims_for(session: Session, user) -> list[Claim]:
    """The pending claims ``user`` may decide."""
    pending = session.scalars(
        select(Claim).where(Claim.status == "pending").order_by(Claim.created_at)
    )
    return [c for c in pending if can_decide(user, c)]
