"""Which kinds of structure may answer which reserved market (Code de la commande publique).

Plain data and functions: the matcher (intentions issue) builds its verdicts on these.
"""

from __future__ import annotations

from domain.kinds import N_

L2113_12 = "L2113-12"  # disability
L2113_13 = "L2113-13"  # insertion
L2113_15 = "L2113-15"  # ESS, public-service missions

ARTICLES: dict[str, str] = {
    L2113_12: N_("Marché réservé aux structures du handicap (EA, ESAT)"),
    L2113_13: N_("Marché réservé aux structures d'insertion (SIAE)"),
    L2113_15: N_("Marché réservé aux entreprises de l'ESS"),
}

# EATT are experimental: eligibility under L2113-12 is still to be confirmed (DESIGN.md).
_DISABILITY = frozenset({"EA", "ESAT", "EATT"})
# GEIQ are not SIAE: not eligible under L2113-13.
_INSERTION = frozenset({"EI", "ETTI", "AI", "ACI", "EITI"})
_ESS_STATUSES = frozenset({"by_statute", "company"})


def eligible_articles(kind: str, ess_status: str = "unknown") -> tuple[str, ...]:
    """The reservation articles a structure of this kind may answer, before the
    contract-level conditions (share of workers, buyer type, duration...)."""
    articles = []
    if kind in _DISABILITY:
        articles.append(L2113_12)
    if kind in _INSERTION:
        articles.append(L2113_13)
    if kind == "ESS" or ess_status in _ESS_STATUSES:
        articles.append(L2113_15)
    return tuple(articles)
