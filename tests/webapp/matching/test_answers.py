"""Who answers a match result and how (webapp/matching/answers.py): the rule the stored
candidates and the enterprise dashboard both read."""

from __future__ import annotations

from dataclasses import replace

from domain.matching.match import match
from tests.factories import CLEANING, GREEN, LINEN
from tests.webapp.matching.factories import intention_row, supplier_row
from webapp.matching.answers import answers
from webapp.matching.facts import purchase_of, supplier_of
from webapp.matching.pool import current_pool


def _result(session, intention):
    return match(purchase_of(session, intention), current_pool(session))


def test_an_enterprise_covering_everything_answers_alone_with_its_articles(session):
    disability = supplier_row(session, 1, kind="EA")
    insertion = supplier_row(session, 2, kind="ACI")
    supplier_row(session, 3, sectors=(LINEN,))  # covers nothing asked
    result = _result(session, intention_row(session))

    found = answers(result)

    assert set(found) == {disability.id, insertion.id}
    assert found[disability.id].alone and found[insertion.id].alone
    assert "L2113-12" in found[disability.id].reservations.split()  # EA: disability
    assert "L2113-13" in found[insertion.id].reservations.split()  # ACI: insertion
    assert "L2113-12" not in found[insertion.id].reservations.split()
    ranked = dict(zip(result.ranking.refs.tolist(), result.ranking.scores.tolist(), strict=True))
    assert found[disability.id].score == ranked[disability.id]


def test_enterprises_covering_a_part_answer_in_their_group(session):
    cleaner = supplier_row(session, 1, kind="EA", sectors=(CLEANING,))
    gardener = supplier_row(session, 2, kind="ESAT", sectors=(GREEN,))
    result = _result(session, intention_row(session, sectors=(CLEANING, GREEN)))
    assert result.groups

    found = answers(result)

    members = {m.supplier.ref: m for m in result.groups[0].members}
    assert set(found) == {cleaner.id, gardener.id} == set(members)
    for ref, answer in found.items():
        assert not answer.alone
        assert answer.reservations == " ".join(members[ref].eligible_articles())
        assert answer.score == members[ref].score


def test_suppliers_not_read_from_the_database_have_no_answer(session):
    enterprise = supplier_row(session, 1)
    intention = intention_row(session)
    in_memory = replace(supplier_of(enterprise), ref=None)  # no enterprise to store it for
    result = match(purchase_of(session, intention), [in_memory])
    assert result.ranking.answering_columns()[0].size == 1  # it does answer
    assert answers(result) == {}
