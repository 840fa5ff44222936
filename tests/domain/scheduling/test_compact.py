"""Idle slots reduced by local moves, and the solver's second solve when its budget is
too short for HiGHS to prove anything."""

from __future__ import annotations

import random
import time

from domain.scheduling import MeetingRequest, Participant, Problem, schedule, violations
from domain.scheduling.compact import compact
from domain.scheduling.explain import idle_of
from domain.scheduling.problem import index
from tests.domain.scheduling.factories import make_problem


def test_a_meeting_moves_into_the_gap_and_a_locked_one_stays():
    idx = index(make_problem([(1, 2), (1, 3), (4, 5)], slots=4, tables=1))
    slot_of = {1: 0, 2: 3, 3: 1}
    better = compact(idx, slot_of, {2: [0, 1, 2, 3]}, time.perf_counter() + 5)
    # Request 2 cannot go to 0 (1 is busy) nor 1 (its one table is taken): slot 2.
    assert better == {1: 0, 2: 2, 3: 1}
    assert idle_of(idx, better.items()) == 1 < idle_of(idx, slot_of.items())


def test_two_meetings_of_one_participant_swap_slots():
    # 1 meets 2 in slot 0 and 3 in slot 2; 2 also meets 4 in slot 3, 3 meets 5 in 1.
    # Idle: 1 one slot, 2 two (0 and 3), 3 none. Neither meeting of 1 can move alone (1
    # is busy in the other slot); swapped, 2 meets in 2 and 3, 3 in 0 and 1: idle 3 -> 1.
    idx = index(make_problem([(1, 2), (1, 3), (2, 4), (3, 5)], slots=4, tables=2))
    slot_of = {1: 0, 2: 2, 3: 3, 4: 1}
    options = {1: [0, 2], 2: [0, 2]}
    better = compact(idx, slot_of, options, time.perf_counter() + 5)
    assert better == {1: 2, 2: 0, 3: 3, 4: 1}
    assert (idle_of(idx, slot_of.items()), idle_of(idx, better.items())) == (3, 1)


def busy_day(seed: int) -> Problem:
    rng = random.Random(seed)
    people = [
        Participant(p, rng.choice([4, 6, None]), frozenset(rng.sample(range(10), 2)))
        for p in range(1, 41)
    ]
    pairs = rng.sample([(a, b) for a in range(1, 11) for b in range(11, 41)], 150)
    requests = tuple(
        MeetingRequest(i, a, b, rng.random() < 0.2, rng.random() < 0.4)
        for i, (a, b) in enumerate(pairs, start=1)
    )
    return Problem(tuple(range(10)), tuple(range(6)), tuple(people), requests)


def test_a_short_budget_keeps_the_first_objective_and_the_rules():
    problem = busy_day(3)
    first_only = schedule(problem, budget_seconds=0)
    short = schedule(problem, budget_seconds=0.2)
    assert first_only.optimal and short.optimal
    assert first_only.idle_gap is None
    assert (short.placed, short.mutual_placed, short.intention_placed) == (
        first_only.placed,
        first_only.mutual_placed,
        first_only.intention_placed,
    )
    assert violations(problem, short.placements) == []
    assert short.idle_slots <= first_only.idle_slots
    assert short.idle_gap is not None and 0.0 <= short.idle_gap <= 1.0
