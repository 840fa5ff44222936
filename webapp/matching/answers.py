"""Who answers a match result, and how: the rule both the stored candidates
(``store.run``) and the enterprise dashboard's fresh answers read. An enterprise answers
alone, with the reserved contracts it is eligible for, when the ranking says so; else in
the first group it is a member of; otherwise not at all."""

from __future__ import annotations

from typing import NamedTuple

from domain.matching.match import MatchResult

# Refs of suppliers not read from the database (built in memory): no enterprise to store.
_NO_ENTERPRISE = (-1, None)


class Answer(NamedTuple):
    """How one enterprise answers: its score, alone or only in a group, and the articles
    of the reserved contracts it is eligible for, space-separated as stored."""

    score: float
    alone: bool
    reservations: str


def answers(result: MatchResult) -> dict[int, Answer]:
    """Every enterprise answering ``result``, by id: alone first, then the members of the
    groups (a member of several keeps its first group)."""
    ranking = result.ranking
    rows, scores, articles = ranking.answering_columns()
    # At 200,000 enterprises thousands answer, with few combinations of articles.
    joined = {combination: " ".join(combination) for combination in set(articles)}
    found = {
        ref: Answer(score, True, joined[combination])
        for ref, score, combination in zip(
            ranking.refs[rows].tolist(), scores, articles, strict=True
        )
    }
    for group in result.groups:
        for member in group.members:
            found.setdefault(
                member.supplier.ref,
                Answer(member.score, False, " ".join(member.eligible_articles())),
            )
    for ref in _NO_ENTERPRISE:
        found.pop(ref, None)
    return found
