"""The profile completeness score (``domain.completeness``): weights, next step, and the
facts read from an enterprise."""

from __future__ import annotations

import dataclasses

from sqlalchemy import select

from domain.completeness import ITEMS, ProfileFacts, completeness, facts_of
from tests.factories import make_enterprise
from webapp.models import Capacity, EnterpriseSector, InterventionZone, Offer, Sector

SIRET = "44306184100047"
NOTHING = ProfileFacts(**{field.name: False for field in dataclasses.fields(ProfileFacts)})
EVERYTHING = ProfileFacts(**{field.name: True for field in dataclasses.fields(ProfileFacts)})


def test_an_empty_profile_scores_zero_and_starts_with_sectors():
    result = completeness(NOTHING)
    assert result.score == 0
    assert result.next_step == "Confirmez ou ajoutez vos secteurs d'activité"
    assert len(result.missing) == len(ITEMS)


def test_a_full_profile_scores_100_with_nothing_next():
    result = completeness(EVERYTHING)
    assert (result.score, result.next_step, result.missing) == (100, None, ())


def test_each_item_adds_its_weight_and_the_next_step_moves_on():
    facts = dataclasses.replace(NOTHING, has_confirmed_sector=True, has_website=True)
    result = completeness(facts)
    assert result.score == 25
    assert result.next_step == "Indiquez votre zone d'intervention"
    assert "Ajoutez votre site web" not in result.missing


def test_facts_of_an_enterprise(app, session):
    enterprise = make_enterprise(session, SIRET, description="  ")
    facts = facts_of(enterprise)
    assert facts == NOTHING
    sector = session.scalars(select(Sector)).first()
    enterprise.sectors.append(
        EnterpriseSector(sector=sector, source="naf", confidence=0.5, status="suggested")
    )
    enterprise.zone = InterventionZone(kind="national", derived=True)
    enterprise.capacity = Capacity(headcount_bracket="10 à 19 salariés")
    enterprise.offers.append(Offer(title="Repas", presta_type="service"))
    enterprise.contact_phone = "0320000000"
    session.flush()
    facts = facts_of(enterprise)
    # A suggested sector and a derived zone are not the enterprise's word yet.
    assert not facts.has_confirmed_sector and not facts.has_declared_zone
    assert facts.has_capacity and facts.has_offer and facts.has_contact
    assert not facts.has_largest_contract
    enterprise.sectors[0].status = "confirmed"
    enterprise.zone.derived = False
    with app.test_request_context():
        assert completeness(facts_of(enterprise)).score == 20 + 15 + 15 + 10 + 10
