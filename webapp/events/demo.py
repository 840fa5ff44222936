"""The demo forum (``flask events demo``, run by ``make demo``): a day of buyer–supplier
meetings of the demo network in Lille, with the demo buyer and three other demo buyers,
each with purchase intentions in the Nord, and ~40 real enterprises of the directory —
those the matcher ranks for these intentions first —, the meetings the buyers ask from
their suggestions, one asked back (mutual), a published schedule, and one request left
for the demo member to answer. Every write goes through the events' services, as a
person would make it; re-running changes nothing."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, time, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from webapp.auth import services as accounts
from webapp.events import meetings, organising, registration, scheduling, suggestions
from webapp.facilitators.services import decide_membership
from webapp.intentions.services import Buyer, IntentionData, create_intention
from webapp.models import (
    BuyerMembership,
    BuyerOrganisation,
    Enterprise,
    Event,
    EventParticipant,
    MatchCandidate,
    Network,
    NetworkMembershipRequest,
    PurchaseIntention,
    Sector,
    User,
)

TITLE = "Rencontres acheteurs – structures inclusives du Nord"
FACILITATOR = "animatrice@demo.passerelles.example"
BUYER = "acheteuse@demo.passerelles.example"
MEMBER = "membre@demo.passerelles.example"
ENTERPRISES = 40
MEETINGS_PER_BUYER = 8  # of a cap of 10: room for the requests asked afterwards
SOURCE = "web"  # written by the buyers themselves, as on the intention form


@dataclass(frozen=True)
class DemoBuyer:
    email: str
    person: str
    organisation: str
    kind: str
    intentions: tuple[tuple[str, str, tuple[str, ...], int], ...]  # title, place, sectors, €/yr


# The demo buyer (made by ``flask users demo``) and three more, each with intentions in
# the Nord in the sectors the département's structures work in most.
BUYERS = (
    DemoBuyer(
        BUYER,
        "Claire Acheteuse",
        "Région Démo",
        "region",
        (
            (
                "Entretien des espaces verts des lycées du Nord",
                "departement:59",
                ("creation-et-entretien-des-espaces-verts",),
                180_000,
            ),
            (
                "Nettoyage des locaux de l'antenne régionale de Lille",
                "commune:59350",
                ("nettoyage-de-locaux",),
                90_000,
            ),
        ),
    ),
    DemoBuyer(
        "acheteur.ville@demo.passerelles.example",
        "Karim Achats",
        "Ville Démo du Nord",
        "commune",
        (
            (
                "Collecte et recyclage des déchets d'équipements électriques",
                "departement:59",
                ("recyclage-d-equipements-electriques-et-electroniques-deee", "autre-recyclage"),
                60_000,
            ),
        ),
    ),
    DemoBuyer(
        "achats.hopital@demo.passerelles.example",
        "Sophie Marchés",
        "Centre hospitalier Démo",
        "hospital",
        (
            (
                "Nettoyage spécifique des parkings et des abords",
                "commune:59350",
                ("nettoyage-specifique-chantiers-parkings-hopitaux-hotellerie",),
                120_000,
            ),
        ),
    ),
    DemoBuyer(
        "achats.bailleur@demo.passerelles.example",
        "Julien Travaux",
        "Bailleur social Démo",
        "other",
        (
            (
                "Travaux de peinture des parties communes",
                "departement:59",
                ("peinture-revetement-des-murs",),
                150_000,
            ),
        ),
    ),
)


class DemoMissing(RuntimeError):
    """The demo forum needs the directory and the demo accounts first."""


def build(session: Session, password: str, today: date | None = None) -> Event:
    """The demo forum, built once (an event of that title in the demo network is kept)."""
    network = session.scalar(select(Network).order_by(Network.id))
    facilitator = _user(session, FACILITATOR)
    if network is None or facilitator is None or _user(session, BUYER) is None:
        raise DemoMissing("import the demo data and run `flask users demo` first")
    existing = session.scalar(
        select(Event).where(Event.network_id == network.id, Event.title == TITLE)
    )
    if existing is not None:
        return existing
    buyers = [(spec, _buyer_account(session, spec, password)) for spec in BUYERS]
    intentions = {spec.email: _intentions(session, spec, user) for spec, user in buyers}
    enterprises = _enterprises(session, [i for found in intentions.values() for i in found])
    _join(session, facilitator, network, enterprises)

    day = (today or date.today()) + timedelta(days=45)
    event = organising.create_event(
        session,
        facilitator,
        network,
        organising.EventData(
            title=TITLE,
            kind="meetings",
            starts_on=day,
            ends_on=day,
            description=(
                "Une journée de rendez-vous de 20 minutes entre les acheteurs publics du "
                "Nord et les structures inclusives (SIAE, entreprises adaptées, ESAT) qui "
                "peuvent répondre à leurs **intentions d'achat** publiées. Les rendez-vous "
                "sont proposés par le rapprochement des intentions et des fiches, puis "
                "planifiés pour que chacun en tienne le plus possible."
            ),
            commune_code="59350",
            address="Hôtel de Région, 151 avenue du Président Hoover, Lille",
            registration_closes_on=day - timedelta(days=3),
            meetings_start=time(9, 0),
            meetings_end=time(16, 0),
            slot_minutes=20,
            breaks="10:40-11:00, 12:20-14:00",
            table_count=8,
            buyer_cap=10,
            enterprise_cap=4,
            registration_mode="automatic",
            request_mode="automatic",
        ),
    )
    organising.publish_event(session, facilitator, event)

    member = _user(session, MEMBER)
    own = member.enterprise_memberships[0].enterprise if member else None
    for enterprise in enterprises:
        if enterprise != own:
            organising.register_member(session, facilitator, event, enterprise)
    participants: dict[str, EventParticipant] = {}
    for spec, user in buyers:
        participants[spec.email] = registration.register_buyer(
            session,
            user,
            event,
            user.buyer_memberships[0].organisation,
            intentions=[i.id for i in intentions[spec.email]],
            pitch="Nous préparons : " + " ; ".join(i.title for i in intentions[spec.email]),
        )
    # The first buyer cannot attend the first slot (a meeting elsewhere).
    first = participants[BUYER]
    registration.update_participation(
        session, buyers[0][1], first, pitch=first.pitch, unavailable=[event.slots[0].id]
    )
    for spec, user in buyers:
        _ask_suggested(session, user, participants[spec.email])
    # From now on requests wait for an answer (the organisers accepted the suggested ones
    # at once to open the day).
    organising.update_event(
        session, facilitator, event, organising.EventData.of(event, request_mode="approval")
    )
    if own is not None:
        mine = registration.register_enterprise(
            session,
            member,
            event,
            own,
            pitch="Nous proposons nos services partout dans les Hauts-de-France.",
        )
        # The member asks the demo buyer, who asks back: a mutual request.
        meetings.ask(session, member, mine, first, "Nous aimerions vous présenter nos prestations.")
        meetings.ask(session, buyers[0][1], first, mine, "Volontiers : parlons de vos prestations.")
    scheduling.compute_schedule(session, facilitator, event, budget_seconds=5.0)
    scheduling.publish_schedule(session, facilitator, event)
    if own is not None:
        # A request left for the demo member to answer.
        other_buyer, other_user = buyers[1]
        meetings.ask(
            session,
            other_user,
            participants[other_buyer.email],
            mine,
            "Vos prestations nous intéressent pour nos équipements municipaux.",
        )
    return event


def _user(session: Session, email: str) -> User | None:
    return session.scalar(select(User).where(User.email == email))


def _buyer_account(session: Session, spec: DemoBuyer, password: str) -> User:
    user = _user(session, spec.email)
    if user is not None:
        return user
    organisation = BuyerOrganisation(
        name=spec.organisation, buyer_type="pouvoir_adjudicateur", kind=spec.kind
    )
    return accounts.create_account(
        session,
        spec.email,
        spec.person,
        password,
        links=(BuyerMembership(organisation=organisation),),
    )


def _intentions(session: Session, spec: DemoBuyer, user: User) -> list[PurchaseIntention]:
    """The buyer's demo intentions, published (and matched) through the intentions'
    service; those already there are kept."""
    organisation = user.buyer_memberships[0].organisation
    found = []
    for number, (title, place, slugs, per_year) in enumerate(spec.intentions, start=1):
        external_id = f"forum-demo-{number}"
        intention = session.scalar(
            select(PurchaseIntention).where(
                PurchaseIntention.buyer_organisation_id == organisation.id,
                PurchaseIntention.external_id == external_id,
            )
        )
        if intention is None:
            kind, code = place.split(":")
            sectors = list(session.scalars(select(Sector).where(Sector.slug.in_(slugs))))
            intention = create_intention(
                session,
                IntentionData(
                    title=title,
                    place_kind=kind,
                    place_code=code,
                    sectors=sectors,
                    amount_per_year=per_year,
                    duration_months=36,
                    status="published",
                    external_id=external_id,
                    launch_date=date.today() + timedelta(days=120),
                ),
                Buyer.of(organisation),
                source=SOURCE,
                author=user,
            )
        found.append(intention)
    return found


def _enterprises(session: Session, intentions: list[PurchaseIntention]) -> list[Enterprise]:
    """The enterprises of the Nord the matcher ranks best for the intentions (each
    intention's best in turn), then others of the Nord, up to ``ENTERPRISES``."""
    chosen: dict[int, Enterprise] = {}
    ranked = [
        list(
            session.scalars(
                select(Enterprise)
                .join(MatchCandidate, MatchCandidate.enterprise_id == Enterprise.id)
                .where(MatchCandidate.intention_id == i.id, Enterprise.departement_code == "59")
                .order_by(MatchCandidate.score.desc(), Enterprise.id)
                .limit(ENTERPRISES)
            )
        )
        for i in intentions
    ]
    for rank in range(ENTERPRISES):
        for found in ranked:
            if rank < len(found) and len(chosen) < ENTERPRISES:
                chosen.setdefault(found[rank].id, found[rank])
    if len(chosen) < ENTERPRISES:
        chosen.update(
            (e.id, e)
            for e in session.scalars(
                select(Enterprise)
                .where(Enterprise.departement_code == "59", Enterprise.id.not_in(chosen))
                .order_by(func.length(Enterprise.description).desc(), Enterprise.id)
                .limit(ENTERPRISES - len(chosen))
            )
        )
    return list(chosen.values())


def _join(session: Session, facilitator: User, network: Network, enterprises) -> None:
    """The enterprises ask to join the demo network and its facilitator approves them."""
    for enterprise in enterprises:
        if network in enterprise.networks:
            continue
        request = NetworkMembershipRequest(enterprise=enterprise, network=network)
        session.add(request)
        session.flush()
        decide_membership(session, facilitator, request, approve=True)


def _ask_suggested(session: Session, user: User, buyer: EventParticipant) -> None:
    """The buyer asks the enterprises suggested to them, best first, leaving room under
    their cap for the meetings asked later; an enterprise whose cap is reached says so and
    is skipped, as on the page."""
    asked = 0
    for suggestion in suggestions.for_participant(session, buyer).meetings:
        if asked == MEETINGS_PER_BUYER:
            break
        try:
            meetings.ask(
                session,
                user,
                buyer,
                suggestion.other,
                suggestion.reason,
                intention=suggestion.intention,
                suggested=True,
            )
        except meetings.MeetingRefused:
            continue
        asked += 1
