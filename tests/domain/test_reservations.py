"""One table of reserved markets (``domain.reservations``): the search and the matcher read
the same articles and the same kinds, so a structure found under "L2113-13" is one the
matcher counts as eligible to it, for every kind and ESS status."""

from __future__ import annotations

import pytest

from domain import reservations
from domain.kinds import ESS_STATUSES, KIND_CODES
from domain.matching import eligibility, table
from domain.matching.facts import Place, Purchase, Supplier, Zone
from domain.matching.rules import load_rules
from domain.reservations import (
    ARTICLE_LABELS,
    ARTICLES,
    L2113_14,
    SEARCH_ARTICLES,
    eligible_articles,
    kind_answers,
)
from search.query import QueryError, parse_query

RULES = load_rules()
PLACE = Place("commune", "59350", "Lille", 50.63, 3.06, (("commune", "59350"),))
PURCHASE = Purchase(key="p", title="Nettoyage", sectors=(), place=PLACE)
EVERY_STRUCTURE = [(kind, status) for kind in KIND_CODES for status in ESS_STATUSES]


def test_one_definition_of_the_articles():
    assert eligibility.ARTICLES is reservations.ARTICLES
    assert len(ARTICLES) == 4 and len(set(ARTICLES)) == 4
    # The search leaves out the combined reservation only, and labels what it offers.
    assert tuple(a for a in ARTICLES if a != L2113_14) == SEARCH_ARTICLES
    assert tuple(ARTICLE_LABELS) == SEARCH_ARTICLES


@pytest.mark.parametrize(("kind", "status"), EVERY_STRUCTURE)
def test_the_search_and_the_matcher_agree_on_every_structure(kind, status):
    supplier = Supplier(siret="1", name="S", kind=kind, ess_status=status, zone=Zone("national"))
    by_matcher = [
        article
        for article in ARTICLES
        if eligibility.supplier_eligible(article, supplier, PURCHASE, RULES).eligible
    ]
    assert [a for a in by_matcher if a in SEARCH_ARTICLES] == list(eligible_articles(kind, status))
    assert by_matcher == [a for a in ARTICLES if kind_answers(a, kind, status)]
    # The matcher's vectorised table reads the same table.
    columns = table.SupplierTable([supplier])
    assert bool(columns.disability[0]) == kind_answers("L2113-12", kind, status)
    assert bool(columns.insertion[0]) == kind_answers("L2113-13", kind, status)
    assert bool(columns.ess[0]) == kind_answers("L2113-15", kind, status)


def test_the_legal_cases():
    assert eligible_articles("ESAT") == ("L2113-12",)
    assert eligible_articles("EATT") == ("L2113-12",)
    assert eligible_articles("EITI") == ("L2113-13",)
    assert eligible_articles("GEIQ") == ()  # an employer group, not an SIAE
    assert eligible_articles("ACI", "by_statute") == ("L2113-13", "L2113-15")
    assert kind_answers(L2113_14, "EA") and kind_answers(L2113_14, "AI")
    assert not kind_answers(L2113_14, "ESS")
    with pytest.raises(ValueError, match="unknown article"):
        kind_answers("L2113-13-1", "SEP")


class _NoPlaces:
    def known(self, _name):
        return frozenset()


def test_the_search_filter_takes_the_search_articles_only():
    query = parse_query({"reservation": "l2113-12,L2113-15"}, _NoPlaces())
    assert query.reservations == ("L2113-12", "L2113-15")
    with pytest.raises(QueryError) as refused:
        parse_query({"reservation": L2113_14}, _NoPlaces())
    assert "L2113-14" in refused.value.errors["reservation"]
