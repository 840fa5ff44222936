"""How complete an enterprise's profile is, and the most useful thing to fill in next.

Each item weighs what it is worth to a buyer searching and to the matcher: sectors and
zone decide whether the enterprise is found at all, capacity whether it can carry a
purchase. Plain data in, no database.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from domain.kinds import N_


@dataclass(frozen=True)
class ProfileFacts:
    has_confirmed_sector: bool
    has_description: bool
    has_offer: bool
    has_declared_zone: bool
    has_capacity: bool  # headcount or turnover
    has_largest_contract: bool
    has_contact: bool
    has_reference: bool
    has_website: bool
    has_label_or_network: bool


# (fact, weight, what to do next), most useful first: the first missing one is suggested.
ITEMS = (
    ("has_confirmed_sector", 20, N_("Confirmez ou ajoutez vos secteurs d'activité")),
    ("has_declared_zone", 15, N_("Indiquez votre zone d'intervention")),
    ("has_offer", 15, N_("Décrivez au moins une offre")),
    ("has_capacity", 10, N_("Indiquez votre effectif ou votre chiffre d'affaires")),
    ("has_description", 10, N_("Présentez votre structure en quelques lignes")),
    ("has_contact", 10, N_("Indiquez une personne à contacter")),
    ("has_largest_contract", 5, N_("Indiquez le montant de votre plus gros marché")),
    ("has_reference", 5, N_("Citez une référence client")),
    ("has_website", 5, N_("Ajoutez votre site web")),
    ("has_label_or_network", 5, N_("Déclarez vos labels et réseaux")),
)
assert sum(weight for _, weight, _ in ITEMS) == 100
_WEIGHTS = tuple((name, weight) for name, weight, _ in ITEMS)


@dataclass(frozen=True)
class Completeness:
    score: int  # 0..100
    next_step: str | None  # None when complete
    missing: tuple[str, ...]  # every missing item's advice, most useful first


def completeness_score(facts: ProfileFacts) -> int:
    """The score alone (the matcher's need: no advice to translate)."""
    return 100 - sum(weight for name, weight in _WEIGHTS if not getattr(facts, name))


def completeness(facts: ProfileFacts, translate: Callable[[str], str] = str) -> Completeness:
    """The score and the advice, each French source string passed through ``translate``
    (the caller's gettext: the core translates nothing itself)."""
    missing = [(weight, advice) for name, weight, advice in ITEMS if not getattr(facts, name)]
    score = 100 - sum(weight for weight, _ in missing)
    advice = tuple(translate(text) for _, text in missing)
    return Completeness(score, advice[0] if advice else None, advice)


def facts_of(enterprise) -> ProfileFacts:
    """The facts of an ``Enterprise`` model (its relationships loaded or loadable)."""
    capacity = enterprise.capacity
    zone = enterprise.zone
    return ProfileFacts(
        has_confirmed_sector=any(
            s.status == "confirmed" or s.source == "declared" for s in enterprise.sectors
        ),
        has_description=bool((enterprise.description or "").strip()),
        has_offer=bool(enterprise.offers),
        has_declared_zone=zone is not None and not zone.derived,
        has_capacity=capacity is not None
        and any(
            v is not None
            for v in (capacity.headcount_total, capacity.turnover_eur, capacity.headcount_bracket)
        ),
        has_largest_contract=capacity is not None and capacity.largest_contract_eur is not None,
        has_contact=bool(enterprise.contact_email or enterprise.contact_phone),
        has_reference=bool(enterprise.client_references),
        has_website=bool(enterprise.website),
        has_label_or_network=bool(enterprise.labels or enterprise.networks),
    )
