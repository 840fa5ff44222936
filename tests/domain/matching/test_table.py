"""The columnar matcher (``table.assess``, used by ``match``) against the reference: the
rules applied one supplier at a time by ``evaluate``. On generated pools mixing every
kind, zone, position, turnover and track record, and purchases of every place kind, with
and without lots, amounts and CPV codes, both must give the same scores, the same
ranking, the same verdict counts and the same groups."""

from __future__ import annotations

import random

import numpy as np
import pytest

from domain.matching.eligibility import ARTICLES, allowed_articles
from domain.matching.evaluate import LEVELS, evaluate
from domain.matching.facts import Purchase, Supplier
from domain.matching.groups import find_groups
from domain.matching.match import match
from domain.matching.recommend import verdicts
from domain.matching.rules import load_rules
from domain.matching.table import SupplierTable, assess
from tests.domain.matching.factories import places, random_purchase, random_supplier

RULES = load_rules()


def reference(purchase: Purchase, pool: list[Supplier]):
    """The matcher's answer computed the slow way: ``evaluate`` for every supplier."""
    evaluations = [evaluate(s, purchase, RULES, explain=False) for s in pool]
    ranked = sorted(
        (e for e in evaluations if e.relevant),
        key=lambda e: (-e.score, e.supplier.siret),
    )
    groups, seen = [], set()
    by_article = {}
    for reservation in (*ARTICLES, None):
        by_article[reservation] = find_groups(purchase, evaluations, RULES, reservation).groups
        for group in by_article[reservation]:
            if frozenset(group.sirets) not in seen:
                seen.add(frozenset(group.sirets))
                groups.append(group)
    groups.sort(key=lambda g: (g.reservation is None, -g.score, g.sirets))
    return evaluations, ranked, groups[: RULES["groups"]["max_groups"] * 2], by_article


def able(evaluations, who: str = "answers_alone") -> dict[str, int]:
    """Per article, the eligible suppliers answering alone (what the verdicts count), or
    those that would were they known (``probable_alone``)."""
    return {
        a: sum(1 for e in evaluations if getattr(e, who) and e.eligibility[a].eligible)
        for a in ARTICLES
    }


@pytest.mark.parametrize(
    ("seed", "size"), [(0, 400), (1, 400), (2, 400), (3, 30), (4, 30), (5, 30), (6, 30)]
)
def test_the_columns_give_what_evaluate_gives_one_by_one(seed, size):
    """Large pools: someone answers nearly everything alone; small ones: groups."""
    rng = random.Random(seed)
    pool = [random_supplier(rng, i) for i in range(size)]
    table = SupplierTable(pool, RULES)
    everyone = np.arange(len(pool))
    compared = with_groups = 0
    for number, place in enumerate(places() * 2):
        purchase = random_purchase(rng, number, place)
        allowed = allowed_articles(purchase, RULES)
        evaluations, ranked, groups, groups_by_article = reference(purchase, pool)
        columns = assess(table, purchase, everyone, RULES, allowed)
        levels = {level: code for code, level in enumerate(LEVELS)}
        for row, evaluation in enumerate(evaluations):
            assert columns.score[row] == evaluation.score, evaluation.supplier
            assert columns.coverage[row].tolist() == [
                levels[level] for level in evaluation.coverage.values()
            ]
            assert bool(columns.serves[row]) == evaluation.serves
            assert bool(columns.works[row]) == evaluation.works
            assert float(columns.evidence[row]) == evaluation.evidence
            assert bool(columns.known[row]) == evaluation.known
            assert bool(columns.probable_alone[row]) == evaluation.probable_alone
            assert columns.carries[row] == {None: -1, False: 0, True: 1}[evaluation.carries]
            distance = columns.distance_km[row]
            assert (None if np.isnan(distance) else round(float(distance), 1)) == (
                evaluation.distance_km
            )
            assert [a for a, v in evaluation.eligibility.items() if v.to_verify] == [
                a for a, flag in zip(ARTICLES, columns.to_verify[row], strict=True) if flag
            ]
            assert bool(columns.answers_alone[row]) == evaluation.answers_alone
            assert bool(columns.relevant[row]) == evaluation.relevant
            assert [a for a, ok in zip(ARTICLES, columns.eligible[row], strict=True) if ok] == list(
                evaluation.eligible_articles()
            )
        result = match(purchase, table)
        assert result.ranking.sirets() == [e.supplier.siret for e in ranked]
        assert [e.supplier.siret for e in result.suppliers] == [
            e.supplier.siret for e in ranked[:100]
        ]
        assert [(s.siret, score, a) for s, score, a in result.ranking.answering()] == [
            (e.supplier.siret, e.score, e.eligible_articles()) for e in ranked if e.answers_alone
        ]
        expected_verdicts = verdicts(
            purchase,
            able(evaluations),
            {
                lot.lot: able([evaluate(s, lot, RULES, explain=False) for s in pool])
                for lot in purchase.lots
            },
            sum(1 for e in evaluations if e.answers_alone and e.eligible_articles()),
            RULES,
            {a: sum(1 for g in groups_by_article[a]) for a in ARTICLES},
            probable=able(evaluations, "probable_alone"),
        )
        assert result.reservations == tuple(expected_verdicts)
        assert [(g.reservation, g.sirets, g.score, g.explanation) for g in result.groups] == [
            (g.reservation, g.sirets, g.score, g.explanation) for g in groups
        ]
        with_groups += bool(groups)
        compared += len(evaluations)
    assert compared == size * len(places()) * 2
    if size < 100:
        assert with_groups >= 2  # the groups compared are not all empty


def test_the_generated_pools_exercise_every_branch():
    """The comparison above means something only if the pools reach every case."""
    rng = random.Random(0)
    pool = [random_supplier(rng, i) for i in range(400)]
    outcomes = set()
    for number, place in enumerate(places() * 2):
        purchase = random_purchase(rng, number, place)
        for supplier in pool:
            e = evaluate(supplier, purchase, RULES, explain=False)
            outcomes.add(("alone", e.answers_alone))
            outcomes.add(("carries", e.carries))
            outcomes.add(("inferred near base", e.serves and not supplier.zone.declared))
            outcomes.update(("coverage", level) for level in e.coverage.values())
            outcomes.add(("known", e.known))
            outcomes.add(("probable alone", e.probable_alone))
            outcomes.add(("nature", e.nature, e.fits_kind))
            outcomes.add(("inside", e.distance_km == 0 and purchase.place.kind != "national"))
            outcomes.add(("part only", e.works and not e.serves))
            outcomes.update(("eligible", a) for a in e.eligible_articles())
    assert {
        ("alone", True),
        ("carries", None),
        ("carries", False),
        ("carries", True),
        ("inferred near base", True),
    } <= outcomes
    assert {("coverage", c) for c in LEVELS} <= outcomes
    assert {("known", True), ("known", False), ("probable alone", True)} <= outcomes
    assert {("nature", True, True), ("nature", True, False), ("nature", False, True)} <= outcomes
    assert {("inside", True), ("part only", True)} <= outcomes
    assert {("eligible", a) for a in ARTICLES} <= outcomes


def test_scores_are_rounded_as_python_rounds_them():
    """NumPy rounds ``x * 10``, which differs from Python's ``round(x, 1)`` near halves
    (0.15 is stored below a half: Python gives 0.1, a plain NumPy rounding 0.2)."""
    from domain.matching.table import _round_tenths

    rng = random.Random(3)
    values = [0.15, 2.675, 43.25, 43.35, 0.05, 99.95, 12.45, 0.0, 100.0]
    values += [rng.uniform(0, 100) for _ in range(20_000)]
    values += [rng.randrange(0, 100_000) / 1000 for _ in range(20_000)]  # many near halves
    assert np.round(np.array([0.15]) * 10)[0] / 10 != round(0.15, 1)  # the trap is real
    assert _round_tenths(np.array(values)).tolist() == [round(v, 1) for v in values]


def _same_match(purchase: Purchase, one, other) -> bool:
    a, b = match(purchase, one), match(purchase, other)
    return (
        a.ranking.sirets() == b.ranking.sirets()
        and a.ranking.scores.tolist() == b.ranking.scores.tolist()
        and [(s.siret, score, x) for s, score, x in a.ranking.answering()]
        == [(s.siret, score, x) for s, score, x in b.ranking.answering()]
        and [(v.article, v.eligible_count, v.lots) for v in a.reservations]
        == [(v.article, v.eligible_count, v.lots) for v in b.reservations]
        and [(g.reservation, g.sirets, g.score) for g in a.groups]
        == [(g.reservation, g.sirets, g.score) for g in b.groups]
    )


@pytest.mark.parametrize("seed", range(4))
def test_a_table_updated_matches_as_one_made_from_scratch(seed):
    """``updated`` recomputes only what changed (suppliers replaced, removed, added):
    matching on it must give what a table built from the same suppliers gives, and the
    table it was made from must not change (a request may be matching on it)."""
    rng = random.Random(seed)
    size = 60 if seed % 2 else 300
    pool = [random_supplier(rng, i) for i in range(size)]
    before = SupplierTable(pool, RULES)
    positions = rng.sample(range(size), size // 4)
    replaced = {
        p: None if rng.random() < 0.3 else random_supplier(rng, 1000 + p) for p in positions
    }
    replaced[positions[0]] = pool[positions[0]].__class__(  # same supplier, one fact changed
        **{**pool[positions[0]].__dict__, "turnover": 12_345.0}
    )
    added = [random_supplier(rng, 2000 + i) for i in range(size // 10)]
    after = before.updated(replaced, added)
    current = [replaced.get(p, s) for p, s in enumerate(pool)] + added
    scratch = SupplierTable([s for s in current if s is not None], RULES)
    assert {s.siret for s in after.suppliers()} == {s.siret for s in scratch.pool}
    untouched = SupplierTable(pool, RULES)
    for number, place in enumerate(places()):
        purchase = random_purchase(rng, number, place)
        assert _same_match(purchase, after, scratch), purchase
        assert _same_match(purchase, before, untouched), purchase
    # Removing then adding back gives the same again; a new kind makes a new table.
    again = after.updated({p: pool[p] for p in positions}, [])
    whole = SupplierTable(pool + added, RULES)
    for number, place in enumerate(places()[:4]):
        assert _same_match(random_purchase(rng, number, place), again, whole)
    novel = Supplier(siret="99999999999999", name="Nouvelle", kind="EXPERIMENTAL")
    remade = after.updated({}, [novel])  # a kind it has no code for: made again
    assert remade.pool[: after.size] == after.pool  # positions kept: callers hold them
    assert remade.alive.tolist() == [*after.alive.tolist(), True]
    assert remade.suppliers()[-1] == novel
