"""The matcher's results as people and the API read them: the JSON stored and served
(``result_json``), sectors named rather than quoted by slug, and the texts in another
language (``in_language``)."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from sqlalchemy.orm import Session

from domain.matching.match import MatchResult, match
from domain.matching.texts import Text
from webapp.matching.facts import purchase_of, sector_names
from webapp.matching.pool import current_pool
from webapp.models import PurchaseIntention

SUPPLIERS_IN_RESULT = 100  # the API gives at least the first 100 by default


_QUOTED_SLUG = re.compile(r"« ([a-z0-9-]+) »")


def in_language(
    session: Session,
    intention: PurchaseIntention,
    result: dict[str, Any],
    translate: Callable[[str], str],
) -> dict[str, Any]:
    """``result`` (the current result of ``intention``, as ``result_json`` shapes it)
    with the matcher's texts in another language: the purchase is matched again — the
    same answer, its texts (``Text``) still knowing their templates — and those written
    again with ``translate``. Stored results keep the French only (half the size to write
    at 200,000 enterprises)."""
    fresh = match(purchase_of(session, intention), current_pool(session))
    names = sector_names(session)

    def say(text: str) -> str:
        return _readable(text.translated(translate) if isinstance(text, Text) else text, names)

    reasons = {e.supplier.siret: [say(r) for r in e.reasons] for e in fresh.suppliers}
    verdicts = {v.article: say(v.explanation) for v in fresh.reservations}
    groups = {g.sirets: say(g.explanation) for g in fresh.groups}
    return {
        **result,
        "suppliers": [
            {**s, "reasons": reasons.get(s["siret"], s["reasons"])} for s in result["suppliers"]
        ],
        "reservations": {
            article: {**v, "explanation": verdicts.get(article, v["explanation"])}
            for article, v in result["reservations"].items()
        },
        "groups": [
            {
                **g,
                "explanation": groups.get(
                    tuple(m["siret"] for m in g["members"]), g["explanation"]
                ),
            }
            for g in result["groups"]
        ],
    }


def _readable(reason: str, names: dict[str, str]) -> str:
    """The matcher quotes sectors by slug: shown to people by name."""
    return _QUOTED_SLUG.sub(lambda m: f"« {names.get(m.group(1), m.group(1))} »", reason)


def result_json(
    result: MatchResult, limit: int = SUPPLIERS_IN_RESULT, names: dict[str, str] | None = None
) -> dict[str, Any]:
    """The result in the shape the API serves and ``MatchRun`` stores: the first
    ``limit`` suppliers, the verdicts per article, the groups; sectors quoted in the
    texts by name (``names``: by slug)."""
    names = names or {}
    return {
        "rules_version": result.rules_version,
        "suppliers": [
            {
                "siret": e.supplier.siret,
                "name": e.supplier.name,
                "kind": e.supplier.kind,
                "score": e.score,
                "answers_alone": e.answers_alone,
                "known": e.known,
                "covers_place": e.serves,
                "reasons": [_readable(reason, names) for reason in e.reasons],
                "eligible_reservations": list(e.eligible_articles()),
                "to_verify": [a for a, v in e.eligibility.items() if v.to_verify],
                "distance_km": e.distance_km,
                "dependency": e.dependency,
                "sector_match": dict(e.coverage),
            }
            for e in result.suppliers[:limit]
        ],
        "suppliers_total": len(result.ranking),
        "suppliers_known": int(result.ranking.known.sum()),
        "census": result.census,
        "reservations": {
            v.article: {
                "allowed": v.allowed,
                "eligible_count": v.eligible_count,
                "probable_count": v.probable_count,
                "lots": [{"lot": lot, "eligible_count": n} for lot, n in v.lots],
                "recommendation": v.recommendation,
                "explanation": v.explanation,
            }
            for v in result.reservations
        },
        "groups": [
            {
                "members": [
                    {
                        "siret": m.supplier.siret,
                        "name": m.supplier.name,
                        "kind": m.supplier.kind,
                        "role": "mandataire" if i == 0 else "cotraitant",
                    }
                    for i, m in enumerate(g.members)
                ],
                "reservation": g.reservation,
                "covers": list(g.covers),
                "score": g.score,
                "explanation": _readable(g.explanation, names),
            }
            for g in result.groups
        ],
        "groups_search_complete": result.groups_complete,
    }
