"""Who may do what: one table of actions and the roles allowed to perform them.

Every view declares its action with ``@requires(action)``; a test walks ``app.url_map``
and checks each route, for each role, against this table. Rules about a particular
object (a member edits *their* enterprise, a facilitator curates *their* network, an
owner sees *their* shortlist) are the ``can_*`` functions below, called by the views
and services after the role check.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import TYPE_CHECKING, Any, TypeVar

from flask import abort
from flask_login import current_user

from webapp.extensions import login_manager

if TYPE_CHECKING:
    from webapp.models import Enterprise, Network, User

ANONYMOUS, USER, BUYER, ENTERPRISE, FACILITATOR, ADMIN = (
    "anonymous",
    "user",  # signed in, e-mail confirmed, no organisation yet
    "buyer",
    "enterprise",
    "facilitator",
    "admin",
)
ROLES = (ANONYMOUS, USER, BUYER, ENTERPRISE, FACILITATOR, ADMIN)
SIGNED_IN = frozenset({USER, BUYER, ENTERPRISE, FACILITATOR, ADMIN})
EVERYONE = SIGNED_IN | {ANONYMOUS}

# action -> the roles that may perform it.
PERMISSIONS: dict[str, frozenset[str]] = {
    # Reading the directory, the search, the API's public data; language choice.
    "view_public": EVERYONE,
    # Registering, signing in, resetting a password: open to all (a signed-in visitor is
    # sent on to their space).
    "authenticate": EVERYONE,
    # One's own account: profile, password, sign-out, API tokens, saved searches.
    "use_account": SIGNED_IN,
    # Ask to manage an enterprise's profile (any signed-in person may ask).
    "claim_enterprise": SIGNED_IN,
    # Edit an enterprise's profile; accept or refuse others' claims on it (own only).
    "manage_enterprise": frozenset({ENTERPRISE, ADMIN}),
    # Write to an enterprise through the contact form (the enterprise's address is never
    # shown to anonymous visitors).
    "contact_enterprise": SIGNED_IN,
    # Shortlists (own only).
    "manage_shortlists": frozenset({BUYER, ADMIN}),
    # A network's members, invitations, member-list imports, membership decisions.
    "facilitate_network": frozenset({FACILITATOR, ADMIN}),
    # Users, claims, label verification, merges, the audit trail.
    "administer": frozenset({ADMIN}),
    # Claims (helper B): accept or refuse a claim routed to oneself (the enterprise's
    # members, its networks' facilitators, administrators); ``can_decide_claim`` says whose.
    "decide_claim": frozenset({ENTERPRISE, FACILITATOR, ADMIN}),
    # Purchase intentions (issue 5, helper D): create, edit, publish, close one's
    # organisation's intentions and read their sourcing report (own organisation only:
    # ``webapp.intentions.services.can_manage_intention``).
    "manage_intentions": frozenset({BUYER, ADMIN}),
    # Events (issue 12): create, edit, publish, close a network's forums and meeting days,
    # decide registrations, register members, schedule meetings, check people in, read the
    # dashboard (own or co-organised network's events only: ``webapp.events.access``).
    "organise_events": frozenset({FACILITATOR, ADMIN}),
    # Register to an event for one's organisation or enterprise, state availability, ask
    # for, accept and decline meetings, read one's agenda, give feedback (own registration
    # only: ``webapp.events.access``).
    "attend_events": frozenset({BUYER, ENTERPRISE, ADMIN}),
}

F = TypeVar("F", bound=Callable[..., Any])


def roles_of(user: User | Any) -> frozenset[str]:
    """The roles a person holds now (an unconfirmed e-mail gives none beyond anonymous)."""
    if not getattr(user, "is_authenticated", False):
        return frozenset({ANONYMOUS})
    if user.email_confirmed_at is None:
        return frozenset({ANONYMOUS})
    roles = {USER}
    if user.buyer_memberships:
        roles.add(BUYER)
    if user.enterprise_memberships:
        roles.add(ENTERPRISE)
    if user.network_roles:
        roles.add(FACILITATOR)
    if user.is_admin:
        roles.add(ADMIN)
    return frozenset(roles)


def allowed(user: User | Any, action: str) -> bool:
    return bool(roles_of(user) & PERMISSIONS[action])


def requires(action: str) -> Callable[[F], F]:
    """Refuse the view to whoever the table does not allow: an anonymous visitor is sent
    to sign in, a signed-in one gets a 403."""
    if action not in PERMISSIONS:
        raise KeyError(f"unknown action {action!r}: declare it in PERMISSIONS")

    def decorate(view: F) -> F:
        @wraps(view)
        def guarded(*args: Any, **kwargs: Any) -> Any:
            if not allowed(current_user, action):
                if not current_user.is_authenticated:
                    return login_manager.unauthorized()
                abort(403)
            return view(*args, **kwargs)

        guarded.permission = action  # type: ignore[attr-defined]
        return guarded  # type: ignore[return-value]

    return decorate


# --- Rules on one object -------------------------------------------------------------------


def can_manage_enterprise(user: User | Any, enterprise: Enterprise) -> bool:
    roles = roles_of(user)
    if ADMIN in roles:
        return True
    return ENTERPRISE in roles and any(
        m.enterprise_id == enterprise.id for m in user.enterprise_memberships
    )


def can_facilitate(user: User | Any, network: Network) -> bool:
    roles = roles_of(user)
    if ADMIN in roles:
        return True
    return FACILITATOR in roles and any(r.network_id == network.id for r in user.network_roles)


def ensure(condition: bool) -> None:
    """403 unless ``condition``: for the rules on one object."""
    if not condition:
        abort(403)
