"""Every route of the application, for every role, against the permission table.

The table (``webapp.permissions.PERMISSIONS``) says which roles may perform each action;
each view declares its action. This walks ``app.url_map``: a role the table refuses is
sent to sign in (anonymous) or gets a 403 (signed in); a role it allows is never refused
by the role check; an anonymous visitor never gets a 2xx or a 5xx on a write route.
"""

from __future__ import annotations

import re
from datetime import date, datetime, time

import pytest
from sqlalchemy import select

from tests.factories import make_enterprise, sign_in
from webapp.models import (
    ApiToken,
    Claim,
    EnterpriseMembership,
    Event,
    EventMeeting,
    EventMeetingRequest,
    EventParticipant,
    EventSlot,
    EventTable,
    LabelDeclaration,
    Network,
    NetworkMembershipRequest,
    Offer,
    PurchaseIntention,
    SavedSearch,
    Shortlist,
    ShortlistEntry,
)
from webapp.models.enterprise import ClientReference
from webapp.permissions import ANONYMOUS, PERMISSIONS, ROLES

SIRET = "73282932000074"
WRITE_METHODS = {"POST", "PUT", "PATCH", "DELETE"}

# Refusals by a rule on one object, after the role check allowed the role: the walk's
# objects belong to one person per role, so these are expected, and say why.
OBJECT_REFUSALS = {
    # The claim in the walk is decided by the enterprise's members (path c), not by the
    # network's facilitator.
    ("facilitator", "claims.decide"),
    # The walk's participant is the buyer, who asked the enterprise for the walk's meeting:
    # only the enterprise answers; the others (an administrator included) do not act for
    # either side, nor are registered, and only organisers read another's agenda.
    ("user", "events.agenda_ics"),
    ("enterprise", "events.agenda_ics"),
    ("enterprise", "events.participation"),
    ("enterprise", "events.cancel_participation"),
    ("buyer", "events.answer_meeting_request"),
    ("admin", "events.meeting_request"),
    ("admin", "events.answer_meeting_request"),
    ("admin", "events.cancel_meeting_request"),
    ("admin", "events.feedback"),
}


def _world(session, make_user):
    """One enterprise in one network, a person per role, and an object of each kind."""
    from webapp.models import Label

    enterprise = make_enterprise(session, SIRET, name="Menuiserie du Nord")
    network = session.scalar(select(Network).order_by(Network.id))
    enterprise.networks.append(network)
    people = {
        "user": make_user("user"),
        "buyer": make_user("buyer"),
        "enterprise": make_user("enterprise", enterprise=enterprise),
        "facilitator": make_user("facilitator", network=network),
        "admin": make_user("admin"),
    }
    claimant = make_user("user")
    organisation = people["buyer"].buyer_memberships[0].organisation
    label = session.scalar(select(Label).order_by(Label.id))
    claim = Claim(enterprise=enterprise, user=claimant, method="members", status="pending")
    offer = Offer(enterprise=enterprise, title="Pose de cloisons", presta_type="service")
    reference = ClientReference(enterprise=enterprise, client_name="Ville de Lille")
    declaration = LabelDeclaration(enterprise=enterprise, label=label)
    request = NetworkMembershipRequest(enterprise=enterprise, network=network, status="pending")
    shortlist = Shortlist(owner=people["buyer"], name="Menuiseries")
    entry = ShortlistEntry(shortlist=shortlist, enterprise=enterprise)
    intention = PurchaseIntention(
        title="Entretien des écoles",
        place_kind="departement",
        place_code="59",
        buyer_name=organisation.name,
        buyer_organisation_id=organisation.id,
        status="published",
    )
    session.add_all([claim, offer, reference, declaration, request, shortlist, entry, intention])
    session.flush()
    event, meeting = _event_world(session, people, enterprise, network)
    objects = {
        "siret": SIRET,
        "slug": network.slug,
        "network_id": network.id,
        "claim_id": claim.id,
        "offer_id": offer.id,
        "reference_id": reference.id,
        "declaration_id": declaration.id,
        "request_id": request.id,
        "shortlist_id": shortlist.id,
        "entry_id": entry.id,
        "intention_id": intention.id,
        "user_id": claimant.id,
        "sector_id": 1,
        "token": "not-a-token",
        "lang_code": "fr",
        "event_id": event.id,
        "participant_id": meeting.request.sender_id,
        "meeting_request_id": meeting.request_id,
        "meeting_id": meeting.id,
        "table_id": meeting.table_id,
    }
    session.commit()
    return people, objects


def _event_world(session, people, enterprise, network):
    """A published meeting day of the network: the buyer (their registration is the
    walk's participant) met the enterprise at the first table in the first slot."""
    day = date(2027, 3, 18)
    event = Event(
        network=network,
        title="Rencontres du Nord",
        status="published",
        starts_on=day,
        ends_on=day,
        meetings_start=time(9),
        meetings_end=time(10),
    )
    slot = EventSlot(starts_at=datetime(2027, 3, 18, 9), ends_at=datetime(2027, 3, 18, 9, 20))
    table = EventTable(name="Table 1")
    event.slots.append(slot)
    event.tables.append(table)
    organisation = people["buyer"].buyer_memberships[0].organisation
    buyer = EventParticipant(
        event=event,
        kind="buyer",
        user=people["buyer"],
        organisation=organisation,
        status="accepted",
    )
    supplier = EventParticipant(
        event=event,
        kind="enterprise",
        enterprise=enterprise,
        user=people["enterprise"],
        status="accepted",
    )
    request = EventMeetingRequest(event=event, sender=buyer, recipient=supplier, status="accepted")
    meeting = EventMeeting(event=event, request=request, slot=slot, table=table)
    session.add_all([event, buyer, supplier, request, meeting])
    session.flush()
    return event, meeting


def _own_objects(session, user, objects):
    """The objects a person can only reach when they own them: a token, a saved search."""
    if user is None:
        return objects | {"token_id": 1, "search_id": 1}
    token = ApiToken(
        user=user, name="walk", prefix="abcd", token_hash=f"{user.id:064d}", scopes="read"
    )
    search = SavedSearch(owner=user, name="walk", query_string="q=menuiserie")
    session.add_all([token, search])
    session.commit()
    return objects | {"token_id": token.id, "search_id": search.id}


def _routes(app):
    for rule in sorted(app.url_map.iter_rules(), key=lambda r: r.rule):
        if rule.endpoint == "static":
            continue
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}, key=lambda m: m != "GET"):
            yield rule, method


def test_every_route_declares_an_action_of_the_table(app):
    for rule, _ in _routes(app):
        action = getattr(app.view_functions[rule.endpoint], "permission", None)
        assert action in PERMISSIONS, f"{rule.rule} declares no known action ({action!r})"


@pytest.mark.parametrize("role", ROLES)
def test_each_route_answers_each_role_as_the_table_says(app, session, make_user, client, role):
    people, objects = _world(session, make_user)
    user = people.get(role)
    if user is not None:
        sign_in(client, user)
    values = _own_objects(session, user, objects)
    token = _csrf(client)
    problems = []
    # GETs first (the POSTs may delete what a later GET would read), signing out last.
    order = sorted(
        _routes(app), key=lambda item: (item[0].endpoint == "auth.logout", item[1] != "GET")
    )
    for rule, method in order:
        action = app.view_functions[rule.endpoint].permission
        url = _url(rule, values)
        data = {"csrf_token": token} if method in WRITE_METHODS else None
        response = client.open(url, method=method, data=data)
        status = response.status_code
        to_sign_in = status == 302 and "/compte/connexion" in response.headers["Location"]
        where = f"{method} {url} [{action}] -> {status}"
        # Readiness says "not ready" (503) in the walk's world: its enterprise is not indexed.
        if status >= 500 and not (rule.endpoint == "health.readyz" and status == 503):
            problems.append(f"server error: {where}")
        elif role not in PERMISSIONS[action]:
            expected = to_sign_in if role == ANONYMOUS else status == 403
            if not expected:
                problems.append(f"not refused: {where}")
        elif status == 401 and (rule.rule.startswith("/api/") or action == "authenticate"):
            pass  # a wrong or missing credential (password, API token), not a role refusal
        elif (to_sign_in or status in (401, 403)) and (
            (role, rule.endpoint) not in OBJECT_REFUSALS
        ):
            problems.append(f"refused although allowed: {where}")
        if role == ANONYMOUS and method in WRITE_METHODS and 200 <= status < 300:
            problems.append(f"anonymous write accepted: {where}")
    assert not problems, "\n".join(problems)


def _url(rule, values) -> str:
    url = rule.rule
    for name in rule.arguments:
        url = re.sub(r"<(?:[a-z]+:)?" + name + ">", str(values[name]), url)
    return url


def _csrf(client) -> str:
    page = client.get("/compte/connexion").get_data(as_text=True)
    found = re.search(r'name="csrf_token"[^>]*?value="([^"]+)"', page)
    if found:
        return found.group(1)
    page = client.get("/").get_data(as_text=True)  # signed in: the sign-out form has one
    return re.search(r'name="csrf_token"[^>]*?value="([^"]+)"', page).group(1)


def test_membership_alone_does_not_open_another_enterprise(app, session, make_user, client):
    """IDOR: a member of one enterprise is refused every page of another one."""
    people, objects = _world(session, make_user)
    other = make_enterprise(session, "44306184100013", name="Autre structure")
    session.commit()
    sign_in(client, people["enterprise"])
    assert (
        session.scalar(
            select(EnterpriseMembership).where(EnterpriseMembership.enterprise_id == other.id)
        )
        is None
    )
    for rule, method in _routes(app):
        if not rule.rule.startswith("/espace/entreprises/<siret>"):
            continue
        url = _url(rule, objects | {"siret": other.siret})
        data = {"csrf_token": _csrf(client)} if method == "POST" else None
        assert client.open(url, method=method, data=data).status_code in (403, 404), url


def test_an_id_no_column_can_hold_is_a_404(app, session, make_user, client):
    """Every route taking an integer: 2**63 (beyond SQLite's and PostgreSQL's integers)
    is not found, not an overflow in the database driver."""
    sign_in(client, make_user("admin"))
    huge = str(2**63)
    checked = 0
    for rule, method in _routes(app):
        integers = re.findall(r"<int:(\w+)>", rule.rule)
        if not integers:
            continue
        url = re.sub(r"<int:\w+>", huge, rule.rule)
        url = url.replace("<siret>", SIRET).replace("<slug>", "fei")
        data = {"csrf_token": _csrf(client)} if method in WRITE_METHODS else None
        assert client.open(url, method=method, data=data).status_code == 404, url
        checked += 1
    assert checked > 20
