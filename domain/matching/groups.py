"""Co-bidding groups (groupements momentanés, R2142-19 to R2142-27): when no single
enterprise answers a purchase, the best groups of 2 to 4 that together cover its sectors,
serve its place and carry its size — every member eligible for the reservation
considered (no mixed group on a reserved contract).

Every member serves the place or a part of it. Exact search over a pruned candidate set:
the candidates are the best few per required sector; every combination of 2..4 of them is
tried, smallest first, in a fixed order (deterministic), within a time budget (reported
when reached)."""

from __future__ import annotations

import time
from dataclasses import dataclass, replace
from itertools import combinations

from domain.geo import haversine_km
from domain.matching.evaluate import KNOWN_LEVELS, NONE, Evaluation
from domain.matching.facts import Purchase
from domain.matching.rules import Rules
from domain.matching.territory import (
    divisions_inside,
    served_communes,
    touches,
    whole,
)
from domain.matching.texts import N_, Text

MANDATAIRE, COTRAITANT = "mandataire", "cotraitant"


@dataclass(frozen=True)
class Group:
    members: tuple[Evaluation, ...]  # the mandataire first
    reservation: str | None  # the article every member is eligible for, None: unreserved
    covers: tuple[str, ...]  # sectors covered
    score: float
    explanation: Text  # French, translatable (texts.py)

    @property
    def sirets(self) -> tuple[str, ...]:
        return tuple(m.supplier.siret for m in self.members)


@dataclass(frozen=True)
class GroupSearch:
    groups: tuple[Group, ...]
    candidates: int
    combinations: int
    complete: bool  # False: the time budget ran out before every combination was tried


def find_groups(
    purchase: Purchase,
    evaluations: list[Evaluation],
    rules: Rules,
    reservation: str | None = None,
) -> GroupSearch:
    """The best groups for ``purchase`` among ``evaluations`` (every member eligible for
    ``reservation`` if given). No group when one enterprise answers alone."""
    settings = rules["groups"]
    inside = divisions_inside(purchase.place)
    pool = [
        e
        for e in evaluations
        if e.covered
        and e.relevant
        and (reservation is None or e.eligibility[reservation].eligible)
        and (e.serves or touches(e.supplier.zone, purchase.place, inside))
    ]
    if any(e.answers_alone for e in pool):
        return GroupSearch((), len(pool), 0, True)
    candidates = _prune(pool, purchase, settings)
    reach = {e.supplier.siret: _served_part(e, purchase) for e in candidates}
    needed = {sector for sector, _ in purchase.sectors}
    deadline = time.monotonic() + settings["time_budget_ms"] / 1000
    found: list[_Found] = []
    tried = 0
    complete = True
    for size in range(settings["min_members"], settings["max_members"] + 1):
        for combo in combinations(candidates, size):
            tried += 1
            if tried % 16 == 0 and time.monotonic() > deadline:
                complete = False
                break
            group = _group(combo, purchase, needed, rules, reservation, reach)
            if group is not None:
                found.append(group)
        if not complete:
            break
        if found:  # fewer members first: a larger group is proposed only if none smaller
            break
    found.sort(key=lambda f: (-f.group.score, f.group.sirets))
    # Explanations are written for the groups kept only (a search may find thousands).
    kept = tuple(
        replace(f.group, explanation=_explain(f, purchase, needed, rules))
        for f in found[: settings["max_groups"]]
    )
    return GroupSearch(kept, len(candidates), tried, complete)


@dataclass(frozen=True)
class _Found:
    """A group found, its explanation not written yet, and what it will say."""

    group: Group
    carried: bool | None  # the members' turnovers together carry the yearly amount
    spread: float | None
    ties: frozenset[str]


def _prune(pool: list[Evaluation], purchase: Purchase, settings) -> list[Evaluation]:
    """The best ``candidates_per_need`` per required sector (and for the place, those that
    serve it), by score then SIRET: deterministic."""
    ranked = sorted(pool, key=lambda e: (-e.score, e.supplier.siret))
    chosen: dict[str, Evaluation] = {}
    for sector, _ in purchase.sectors:
        covering = [e for e in ranked if e.coverage.get(sector, NONE) in KNOWN_LEVELS]
        for evaluation in covering[: settings["candidates_per_need"]]:
            chosen.setdefault(evaluation.supplier.siret, evaluation)
    for evaluation in [e for e in ranked if e.serves][: settings["candidates_per_need"]]:
        chosen.setdefault(evaluation.supplier.siret, evaluation)
    kept = sorted(chosen.values(), key=lambda e: (-e.score, e.supplier.siret))
    return kept[: settings["max_candidates"]]


def _served_part(evaluation: Evaluation, purchase: Purchase) -> int:
    """The part of the place the member serves (``territory.served_communes``), the whole
    of it when the evaluation says it serves the place (an inferred zone near its base
    does); computed once per candidate, not once per combination."""
    if evaluation.serves:
        return whole(purchase.place)
    return served_communes(evaluation.supplier.zone, purchase.place)


def _union(members: tuple[Evaluation, ...], reach: dict[str, int]) -> int:
    mask = 0
    for member in members:
        mask |= reach[member.supplier.siret]
    return mask


def _group(
    members: tuple[Evaluation, ...],
    purchase: Purchase,
    needed: set[str],
    rules: Rules,
    reservation: str | None,
    reach: dict[str, int],
) -> _Found | None:
    covered = set().union(*(m.covered for m in members))
    if not needed <= covered:
        return None
    everything = whole(purchase.place)
    if _union(members, reach) != everything:
        return None
    share = rules["dependency"]["max_share"]
    carried = _carries(members, purchase, share)
    if carried is False:
        return None
    # Every member must bring something the others lack: a sector, a place, or capacity.
    for member in members:
        others = tuple(m for m in members if m is not member)
        if (
            needed <= set().union(*(m.covered for m in others))
            and _union(others, reach) == everything
            and _carries(others, purchase, share) is not False
        ):
            return None
    ordered = sorted(members, key=_mandataire_key, reverse=True)
    spread = _spread_km(members)
    ties = _shared_networks(members)
    score = (
        sum(m.score for m in members) / len(members)
        - 5 * (len(members) - 2)
        - min(10.0, (spread or 0) / 20)
        + (5 if ties else 0)
    )
    group = Group(
        members=tuple(ordered),
        reservation=reservation,
        covers=tuple(sorted(covered & needed)),
        score=round(score, 1),
        explanation=Text(""),
    )
    return _Found(group, carried, spread, ties)


def _carries(members: tuple[Evaluation, ...], purchase: Purchase, share: float) -> bool | None:
    """Whether the members' turnovers together pass the dependency rule (R2142-25: the
    group's capacity is assessed as a whole); None when a turnover or the amount is
    unknown."""
    yearly = purchase.yearly_amount
    turnovers = [m.supplier.turnover for m in members]
    if yearly is None or not all(turnovers):
        return None
    return yearly / sum(turnovers) <= share


def _mandataire_key(evaluation: Evaluation) -> tuple:
    """The strongest capacity and references lead the group."""
    supplier = evaluation.supplier
    return (supplier.turnover or 0, len(supplier.awards), evaluation.score, supplier.siret)


def _spread_km(members: tuple[Evaluation, ...]) -> float | None:
    located = [m.supplier for m in members if m.supplier.latitude is not None]
    if len(located) < 2:
        return None
    return max(
        haversine_km(a.latitude, a.longitude, b.latitude, b.longitude)
        for a, b in combinations(located, 2)
    )


def _shared_networks(members: tuple[Evaluation, ...]) -> frozenset[str]:
    sets = [m.supplier.networks for m in members]
    return frozenset.intersection(*sets) if sets else frozenset()


def _explain(found: _Found, purchase: Purchase, needed: set[str], rules: Rules) -> Text:
    group, spread, ties = found.group, found.spread, found.ties
    ordered, reservation = group.members, group.reservation
    share = rules["dependency"]["max_share"]
    capacity_note = None
    if found.carried:
        dependency = purchase.yearly_amount / sum(m.supplier.turnover for m in ordered)
        capacity_note = Text(
            N_("dépendance du groupe {dependency:.0%} (seuil {share:.0%})"),
            dependency=dependency,
            share=share,
        )
    elif purchase.yearly_amount is not None:
        capacity_note = Text(
            N_("chiffre d'affaires d'un membre au moins inconnu : capacité à vérifier")
        )
    members = []
    for index, member in enumerate(ordered):
        # Sectors quoted « slug », as in every reason: shown to people by their name.
        brings = ", ".join(f"« {sector} »" for sector in sorted(member.covered & needed))
        members.append(
            Text(
                N_("{name} ({kind}, {role}) apporte {brings}"),
                name=member.supplier.name,
                kind=member.supplier.kind,
                role=Text(N_("mandataire") if index == 0 else N_("cotraitant")),
                brings=brings or Text(N_("le territoire")),
            )
        )
    sentences = [
        Text(
            N_("Groupement de {count} : {members}."),
            count=len(ordered),
            members=_joined(members, " ; "),
        ),
        Text(
            N_("Ensemble, ils couvrent tous les secteurs et servent {place}."),
            place=purchase.place.name,
        ),
    ]
    if reservation:
        sentences.append(
            Text(
                N_("Chaque membre est éligible à {article} (pas de groupement mixte)."),
                article=reservation,
            )
        )
    if capacity_note:
        sentences.append(Text(N_("Capacité : {note}."), note=capacity_note))
    if spread is not None:
        sentences.append(Text(N_("Membres distants de {km:.0f} km au plus."), km=spread))
    if ties:
        sentences.append(Text(N_("Réseau commun : {networks}."), networks=", ".join(sorted(ties))))
    return _joined(sentences, " ")


def _joined(texts: list[Text], separator: str) -> Text:
    """Texts one after the other (a template of placeholders: nothing to translate)."""
    template = separator.join(f"{{t{i}}}" for i in range(len(texts)))
    return Text(template, **{f"t{i}": text for i, text in enumerate(texts)})
