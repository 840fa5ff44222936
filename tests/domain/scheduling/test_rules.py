"""What makes a problem invalid (InvalidProblem) and what ``violations`` reports."""

from __future__ import annotations

import pytest

from domain.scheduling import (
    InvalidProblem,
    Participant,
    Placement,
    greedy_schedule,
    schedule,
    violations,
)
from tests.domain.scheduling.factories import make_problem


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"requests": [(1, 9)], "people": 2}, "unknown participant"),
        ({"requests": [(1, 1)], "people": 2}, "with itself"),
        ({"requests": [(1, 2), (2, 1)]}, "same pair"),
        ({"requests": [(1, 2)], "unavailable": {1: {5}}}, "unknown slots"),
        ({"requests": [(1, 2)], "caps": {1: -1}}, "negative cap"),
        ({"requests": [(1, 2)], "hosts": {7}}, "unknown host"),
        ({"requests": [(1, 2)], "locked": [(9, 0, 1)]}, "unknown request"),
        ({"requests": [(1, 2)], "locked": [(1, 3, 1)]}, "unknown slot"),
        ({"requests": [(1, 2)], "locked": [(1, 0, 4)]}, "unknown slot 0 or table 4"),
        ({"requests": [(1, 2)], "locked": [(1, 0, 1), (1, 0, 1)]}, "locked twice"),
        (
            {"requests": [(1, 2), (1, 3)], "tables": 2, "locked": [(1, 0, 1), (2, 0, 2)]},
            "participant 1 has two locked meetings in slot 0",
        ),
        (
            {"requests": [(1, 2), (3, 4)], "tables": 2, "locked": [(1, 0, 1), (2, 0, 1)]},
            "locked at table 1 in slot 0",
        ),
        (
            {"requests": [(1, 2)], "unavailable": {2: {0}}, "locked": [(1, 0, 1)]},
            "which participant 2 cannot attend",
        ),
        (
            {
                "requests": [(1, 2), (1, 3)],
                "slots": 2,
                "caps": {1: 1},
                "locked": [(1, 0, 1), (2, 1, 1)],
            },
            "2 locked meetings, above their cap 1",
        ),
    ],
)
def test_invalid_problems_are_refused_with_the_reason(kwargs, message):
    problem = make_problem(**kwargs)
    for solve in (schedule, greedy_schedule):
        with pytest.raises(InvalidProblem, match=message):
            solve(problem)


def test_duplicate_ids_are_refused():
    problem = make_problem([(1, 2)])
    twice = problem.__class__(
        slots=(0, 0),
        tables=(1,),
        participants=(Participant(1), Participant(2), Participant(1)),
        requests=problem.requests,
    )
    with pytest.raises(InvalidProblem, match="duplicate slot ids: \\[0\\].*duplicate participant"):
        schedule(twice)


def test_violations_names_every_broken_rule():
    problem = make_problem(
        [(1, 2), (1, 3), (4, 5), (2, 3)],
        slots=2,
        tables=1,
        caps={3: 1},
        unavailable={4: {0}},
        locked=[(4, 1, 1)],
    )
    found = violations(
        problem,
        [
            Placement(1, 0, 1),
            Placement(2, 0, 1),
            Placement(3, 0, 1),
            Placement(3, 1, 1),
            Placement(9, 0, 1),
            Placement(4, 1, 2),
        ],
    )
    text = "\n".join(found)
    for expected in (
        "request 3 is placed 2 times",
        "placement of unknown request 9",
        "participant 1 has 2 meetings in slot 0",
        "which participant 4 cannot attend",
        "table 1 has 3 meetings in slot 0",
        "slot 0 has 3 meetings for 1 tables",
        "participant 3 has 2 meetings, above their cap 1",
        "locked request 4 is not at table 1 in slot 1",
        "request 4 is placed at unknown table 2",
    ):
        assert expected in text
    assert violations(problem, [Placement(4, 1, 1), Placement(1, 0, 1)]) == []
