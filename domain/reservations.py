"""Reserved markets (Code de la commande publique, DESIGN.md): the articles, and which
kinds of structure may answer each one — the one table that the search (the documents'
``reservations``, the reservation filter) and the matcher (``domain.matching.eligibility``,
its vectorised ``table``) read.

Plain data and functions. What a kind answers is only the first condition: the
contract-level ones (share of workers, buyer type, duration, a recent L2113-15 award) are
the matcher's.
"""

from __future__ import annotations

from functools import cache

from domain.kinds import N_

L2113_12 = "L2113-12"  # disability
L2113_13 = "L2113-13"  # insertion
L2113_14 = "L2113-14"  # L2113-12 and L2113-13 combined on one contract or lot
L2113_15 = "L2113-15"  # ESS, public-service missions

# Every article the matcher weighs, in the order of its verdicts and eligibility columns.
ARTICLES = (L2113_12, L2113_13, L2113_14, L2113_15)

# EATT are experimental: eligibility under L2113-12 is still to be confirmed (DESIGN.md).
DISABILITY_KINDS = frozenset({"EA", "ESAT", "EATT"})
TO_VERIFY = frozenset({"EATT"})
# EITI answer as "equivalent structures"; GEIQ are not SIAE: not eligible under L2113-13.
INSERTION_KINDS = frozenset({"EI", "ETTI", "AI", "ACI", "EITI"})
# ESS firms: the kind "ESS", or any structure whose ESS status is known (by its statute,
# or a company meeting loi 2014-856 art. 1).
ESS_STATUSES = frozenset({"by_statute", "company"})

# A combined reservation is answered by a structure that answers one of its parts.
COMBINED = {L2113_14: (L2113_12, L2113_13)}

# The articles a structure is found by in the search: L2113-14 is left out because a
# filter on it would only be the union of the L2113-12 and L2113-13 filters.
SEARCH_ARTICLES = tuple(article for article in ARTICLES if article not in COMBINED)
ARTICLE_LABELS: dict[str, str] = {
    L2113_12: N_("Marché réservé aux structures du handicap (EA, ESAT)"),
    L2113_13: N_("Marché réservé aux structures d'insertion (SIAE)"),
    L2113_15: N_("Marché réservé aux entreprises de l'ESS"),
}


@cache  # a handful of (article, kind, status) triples, asked per supplier of a 200,000 pool
def kind_answers(article: str, kind: str, ess_status: str = "unknown") -> bool:
    """Whether a structure of this kind (and ESS status) may answer a contract reserved
    under ``article``, before the contract-level conditions."""
    if article == L2113_12:
        return kind in DISABILITY_KINDS
    if article == L2113_13:
        return kind in INSERTION_KINDS
    if article == L2113_15:
        return kind == "ESS" or ess_status in ESS_STATUSES
    if article in COMBINED:
        return any(kind_answers(part, kind, ess_status) for part in COMBINED[article])
    raise ValueError(f"unknown article {article!r}")


def eligible_articles(kind: str, ess_status: str = "unknown") -> tuple[str, ...]:
    """The articles of ``SEARCH_ARTICLES`` a structure of this kind may answer: what its
    search document lists and the reservation filter reads."""
    return tuple(a for a in SEARCH_ARTICLES if kind_answers(a, kind, ess_status))
