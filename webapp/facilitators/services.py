"""What a network's facilitator does: decide the enterprises' requests to join the
network, invite people to claim a member's profile, import a list of members. Each is one
write, audited, committed in one transaction; a change to an enterprise is also queued for
the search index and sent once committed. The views only read forms and answer."""

from __future__ import annotations

import io
from datetime import UTC, datetime

from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session

from importers.enterprise_lists import parse_enterprise_list, parse_mapping
from importers.enterprise_loader import ReferenceDataMissing, load_enterprises
from importers.report import ImportReport, ParseResult
from importers.tabular import ImportFileError
from webapp import mail
from webapp.models import Enterprise, EnterpriseMembership, Network, NetworkMembershipRequest, User
from webapp.models.enterprise import enterprise_network
from webapp.permissions import ADMIN, roles_of
from webapp.services import audit
from webapp.services.changes import actor_of, publish, record_change

# --- Membership requests -----------------------------------------------------------------------


def decide_membership(
    session: Session, facilitator: User, request: NetworkMembershipRequest, approve: bool
) -> None:
    """Approve (the enterprise joins the network, indexed) or refuse a pending request;
    who decided and when is kept on the request, and in the audit trail."""
    enterprise, network = request.enterprise, request.network
    request.decided_by_id = facilitator.id
    request.decided_at = datetime.now(UTC)
    if approve:
        request.status = "approved"
        before = [n.slug for n in enterprise.networks]
        if network not in enterprise.networks:
            enterprise.networks.append(network)
        record_change(
            session,
            enterprise,
            actor_of(facilitator),
            "network_confirmed",
            {"networks": [before, [n.slug for n in enterprise.networks]]},
        )
        session.commit()
        publish(session)
    else:
        request.status = "refused"
        audit.record(
            session, enterprise, actor_of(facilitator), "network_refused", {"network": network.slug}
        )
        session.commit()


# --- Invitations -------------------------------------------------------------------------------


class NotInNetwork(ValueError):
    """No enterprise of the network has this SIRET."""


def invite(session: Session, inviter: User, network: Network, siret: str, email: str) -> str:
    """Invite ``email`` to claim the profile of the network's member ``siret``: the
    invitation is audited and committed, then mailed. Returns the address as written
    (stripped, lower case); raises ``NotInNetwork`` for an enterprise outside the network."""
    enterprise = session.scalar(select(Enterprise).where(Enterprise.siret == siret))
    if enterprise is None or network not in enterprise.networks:
        raise NotInNetwork(siret)
    email = email.strip().lower()
    audit.record(
        session, enterprise, actor_of(inviter), "invite", {"email": email, "network": network.slug}
    )
    session.commit()
    mail.send(
        [email],
        _("Invitation à gérer la fiche de %(name)s", name=enterprise.display_name),
        "claim_invite",
        enterprise=enterprise,
        network=network,
        inviter=inviter,
        link=mail.external_url("claims.claim", siret=enterprise.siret),
    )
    return email


# --- Member lists ------------------------------------------------------------------------------


def import_members(
    session: Session,
    importer: User,
    network: Network,
    content: bytes,
    mapping: str,
    kind: str | None,
) -> ImportReport:
    """Import a list of the network's members (CSV or XLSX ``content``, columns named by
    ``mapping``, enterprises of ``kind`` when the file gives none): each row is created or
    updated by SIRET and joins the network, audited and queued for the index, all in one
    transaction, then published. Raises ``ImportFileError`` (the file cannot be read),
    ``ReferenceDataMissing`` or ``SQLAlchemyError`` (it cannot be loaded); nothing is
    imported then."""
    source = f"réseau {network.slug}"[:40]
    try:
        parsed = parse_enterprise_list(
            io.BytesIO(content),
            parse_mapping(mapping),
            source_name=source,
            default_kind=kind,
            networks=(network.slug,),
        )
        _keep_out_managed_enterprises(session, importer, network, parsed)
        report = load_enterprises(session, parsed, source=source, actor=actor_of(importer))
    except (ImportFileError, ReferenceDataMissing, SQLAlchemyError):
        session.rollback()
        raise
    publish(session)
    return report


def _keep_out_managed_enterprises(
    session: Session, importer: User, network: Network, parsed: ParseResult
) -> None:
    """A list may name any SIRET: an enterprise managed by its own people and outside this
    network is neither rewritten nor joined to it (administrators excepted); its row is
    reported as rejected."""
    if ADMIN in roles_of(importer) or not parsed.records:
        return
    sirets = {r.siret for r in parsed.records}
    managed = set(
        session.scalars(
            select(Enterprise.siret)
            .join(EnterpriseMembership, EnterpriseMembership.enterprise_id == Enterprise.id)
            .where(Enterprise.siret.in_(sirets))
            .where(
                ~Enterprise.id.in_(
                    select(enterprise_network.c.enterprise_id).where(
                        enterprise_network.c.network_id == network.id
                    )
                )
            )
        )
    )
    if not managed:
        return
    kept = []
    for record in parsed.records:
        if record.siret in managed:
            parsed.reject(
                record.line,
                _("fiche gérée par l'entreprise, hors de votre réseau : non modifiée"),
                record.siret,
            )
        else:
            kept.append(record)
    parsed.records = kept
