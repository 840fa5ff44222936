"""What administrators do: to people's accounts (activation, administration rights,
network facilitation, attachment to a buyer organisation), to enterprises (label
verification, merging duplicates). Each is one transaction that writes the change and an
audit event naming the administrator, what was acted on and the value before and after;
a change to an enterprise also queues it for the search index, sent once committed."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy.orm import Session

from webapp.admin import merge as merging
from webapp.models import (
    BuyerMembership,
    BuyerOrganisation,
    Enterprise,
    LabelDeclaration,
    Network,
    NetworkFacilitator,
    User,
)
from webapp.services import audit
from webapp.services.changes import publish, record_change


class OwnAccount(ValueError):
    """An administrator may not deactivate their own account or drop their own rights
    (the last administrator would lock everyone out)."""


def _record(
    session: Session, admin: User, user: User, action: str, changes: dict[str, Any]
) -> None:
    audit.record_account(session, user, audit.account_of(admin), action, changes)
    session.commit()


def _switch(
    session: Session, admin: User, user: User, name: str, value: bool, actions: tuple[str, str]
) -> bool:
    """Set the yes/no field ``name`` of another's account, audited as ``actions[0]``
    (set) or ``actions[1]`` (unset); whether it changed (nothing is written if not)."""
    if user.id == admin.id:
        raise OwnAccount()
    before = getattr(user, name)
    if before == value:
        return False
    setattr(user, name, value)
    audit.record_account(
        session, user, audit.account_of(admin), actions[0 if value else 1], {name: [before, value]}
    )
    return True


def set_active(session: Session, admin: User, user: User, active: bool) -> None:
    """Activate or deactivate ``user``; deactivating ends their open sessions."""
    actions = ("account_activate", "account_deactivate")
    if _switch(session, admin, user, "is_active_account", active, actions) and not active:
        user.session_version += 1
    session.commit()


def set_admin(session: Session, admin: User, user: User, is_admin: bool) -> None:
    """Grant or withdraw ``user``'s administration rights."""
    _switch(session, admin, user, "is_admin", is_admin, ("admin_grant", "admin_revoke"))
    session.commit()


def _network_slugs(user: User) -> list[str]:
    return sorted(role.network.slug for role in user.network_roles)


def add_facilitator(session: Session, admin: User, user: User, network: Network) -> None:
    """Make ``user`` a facilitator of ``network`` (nothing written if they are one)."""
    if any(role.network_id == network.id for role in user.network_roles):
        return
    before = _network_slugs(user)
    user.network_roles.append(NetworkFacilitator(network=network))
    _record(session, admin, user, "facilitator_add", {"networks": [before, _network_slugs(user)]})


def remove_facilitator(session: Session, admin: User, user: User, role: NetworkFacilitator):
    """End ``user``'s facilitation of ``role``'s network."""
    before = _network_slugs(user)
    user.network_roles.remove(role)
    session.delete(role)
    _record(
        session, admin, user, "facilitator_remove", {"networks": [before, _network_slugs(user)]}
    )


def _organisations(user: User) -> list[str]:
    return sorted(
        f"{m.organisation.siret or '-'} {m.organisation.name}" for m in user.buyer_memberships
    )


def attach_buyer(
    session: Session, admin: User, user: User, organisation: BuyerOrganisation
) -> None:
    """Attach ``user`` to ``organisation`` (nothing written if they belong to it)."""
    if any(m.organisation_id == organisation.id for m in user.buyer_memberships):
        return
    before = _organisations(user)
    user.buyer_memberships.append(BuyerMembership(organisation=organisation))
    _record(session, admin, user, "buyer_attach", {"organisations": [before, _organisations(user)]})


# --- Enterprises -----------------------------------------------------------------------------


def verify_label(session: Session, admin: User, declaration: LabelDeclaration) -> None:
    """The label declared is checked: shown as verified on the enterprise (indexed)."""
    enterprise, label = declaration.enterprise, declaration.label
    before = [lab.slug for lab in enterprise.labels]
    declaration.verified = True
    declaration.verified_by_id = admin.id
    declaration.verified_at = datetime.now(UTC)
    if label not in enterprise.labels:
        enterprise.labels.append(label)
    record_change(
        session,
        enterprise,
        audit.account_of(admin),
        "label_verified",
        {"labels": [before, [lab.slug for lab in enterprise.labels]]},
    )
    session.commit()
    publish(session)


def refuse_label(session: Session, admin: User, declaration: LabelDeclaration) -> None:
    """The declaration is not retained: deleted, its evidence kept in the audit trail."""
    audit.record(
        session,
        declaration.enterprise,
        audit.account_of(admin),
        "label_refused",
        {"label": declaration.label.slug, "evidence_url": declaration.evidence_url},
    )
    session.delete(declaration)
    session.commit()


def merge_enterprises(
    session: Session, admin: User, kept: Enterprise, duplicate: Enterprise
) -> None:
    """Merge ``duplicate`` into ``kept`` (``webapp.admin.merge``), then index both."""
    merging.merge(session, kept, duplicate, audit.account_of(admin))
    session.commit()
    publish(session)
