"""The solver on crafted cases, each small enough for its optimum to be worked out by
hand: the choices it must make, the rules it must keep, and the reasons it gives."""

from __future__ import annotations

import pytest

from domain.scheduling import (
    AGENDA,
    CAP,
    TABLES,
    UNAVAILABLE,
    Placement,
    Unplaced,
    greedy_schedule,
    schedule,
    violations,
)
from tests.domain.scheduling.factories import make_problem, slots_of


def test_a_conflict_forces_a_choice_of_one_meeting_among_three_people_in_one_slot():
    problem = make_problem([(1, 2), (2, 3), (1, 3)], tables=3)
    result = schedule(problem)
    assert result.placed == 1
    assert result.optimal
    assert violations(problem, result.placements) == []
    assert [u.reason for u in result.unplaced] == [AGENDA, AGENDA]


def test_a_full_slot_leaves_the_third_meeting_out_for_want_of_a_table():
    problem = make_problem([(1, 2), (3, 4), (5, 6)], tables=2)
    result = schedule(problem)
    assert result.placed == 2
    assert sorted(p.table for p in result.placements) == [1, 2]
    assert [u.reason for u in result.unplaced] == [TABLES]


def test_an_unavailable_slot_is_avoided():
    problem = make_problem([(1, 2), (1, 3)], slots=2, tables=2, unavailable={2: {0}})
    result = schedule(problem)
    assert slots_of(result) == {1: 1, 2: 0}


def test_a_cap_limits_meetings_and_is_given_as_the_reason():
    problem = make_problem([(1, 2), (1, 3), (1, 4)], slots=3, tables=1, caps={1: 2})
    result = schedule(problem)
    assert result.placed == 2
    (left_out,) = {1, 2, 3} - set(slots_of(result))
    assert result.unplaced == (Unplaced(left_out, CAP, 1),)


def test_a_mutual_request_is_preferred_over_a_one_way_one():
    problem = make_problem([(1, 2), (1, 3, True, False)])
    assert slots_of(schedule(problem)) == {2: 0}


def test_an_intention_tied_request_is_preferred_over_one_that_is_not():
    problem = make_problem([(1, 2), (3, 4, False, True)])
    assert slots_of(schedule(problem)) == {2: 0}


def test_mutual_comes_before_intention_and_count_before_both():
    assert slots_of(schedule(make_problem([(1, 2, False, True), (1, 3, True, False)]))) == {2: 0}
    # One mutual meeting, or two one-way ones: two.
    problem = make_problem([(1, 2, True, True), (1, 3), (2, 4)], tables=2)
    result = schedule(problem)
    assert set(slots_of(result)) == {2, 3}
    assert (result.mutual_placed, result.intention_placed) == (0, 0)


def test_a_locked_meeting_is_kept_even_when_moving_it_would_place_more():
    # Unlocked, the optimum places 2 and 3 (participants 1 and 2 each in their own
    # meeting); the lock of 1 (participants 1 and 2) at table 2 blocks both, and is kept.
    problem = make_problem([(1, 2), (1, 3), (2, 4)], tables=2, locked=[(1, 0, 2)])
    assert schedule(make_problem([(1, 2), (1, 3), (2, 4)], tables=2)).placed == 2
    result = schedule(problem)
    assert result.placements == (Placement(1, 0, 2),)
    assert result.placed == 1
    assert greedy_schedule(problem).placements == (Placement(1, 0, 2),)


def test_a_rerun_after_late_changes_makes_the_fewest_moves():
    # Before: 1 (people 1-2) in slot 0, 2 (1-3) in slot 1, 3 (4-5) in slot 0 at table 2.
    # Then participant 2 can no longer come in slot 0, and 3 and 5 ask each other (4).
    # Request 1 must go to slot 1, which pushes 2 to slot 0 (participant 1); 3 can stay;
    # 4 fits in slot 1. Fewest moves: 2 (requests 1 and 2), all four placed.
    previous = [(1, 0, 1), (2, 1, 1), (3, 0, 2)]
    before = make_problem([(1, 2), (1, 3), (4, 5)], slots=2, tables=2)
    assert violations(before, [Placement(*p) for p in previous]) == []
    problem = make_problem(
        [(1, 2), (1, 3), (4, 5), (3, 5)],
        slots=2,
        tables=2,
        unavailable={2: {0}},
        previous=previous,
    )
    result = schedule(problem)
    assert result.placed == 4
    assert result.moves == 2
    assert Placement(3, 0, 2) in result.placements
    assert violations(problem, result.placements) == []


def test_unchanged_rerun_moves_nothing():
    problem = make_problem([(1, 2), (1, 3), (2, 3), (3, 4)], slots=3, tables=2, hosts={1, 3})
    first = schedule(problem)
    again = schedule(
        make_problem(
            [(1, 2), (1, 3), (2, 3), (3, 4)],
            slots=3,
            tables=2,
            hosts={1, 3},
            previous=[(p.request, p.slot, p.table) for p in first.placements],
        )
    )
    assert again.moves == 0
    assert again.placements == first.placements


def test_idle_slots_are_minimised():
    # Participant 1 meets 2 (who can only come in slot 0) and 3 (who cannot come in
    # slot 2): slots 0 and 1, not 0 and 3.
    problem = make_problem([(1, 2), (1, 3)], slots=4, tables=1, unavailable={2: {1, 2, 3}, 3: {2}})
    result = schedule(problem)
    assert slots_of(result) == {1: 0, 2: 1}
    assert result.idle_slots == 0
    assert result.idle_gap == 0.0


def test_idle_counts_every_slot_between_first_and_last_meeting():
    # Participant 1's meetings can only be in slots 0 and 3: two idle slots.
    problem = make_problem([(1, 2), (1, 3)], slots=4, unavailable={2: {1, 2, 3}, 3: {0, 1, 2}})
    assert schedule(problem).idle_slots == 2


def test_a_host_keeps_one_table():
    problem = make_problem([(1, 3), (1, 4), (2, 3), (2, 4)], slots=2, tables=3, hosts={1, 2})
    result = schedule(problem)
    tables = {}
    for place in result.placements:
        host = problem.requests[place.request - 1].a
        tables.setdefault(host, set()).add(place.table)
    assert all(len(t) == 1 for t in tables.values())
    assert tables[1] != tables[2]


@pytest.mark.parametrize(
    ("unavailable", "expected"),
    [
        ({1: {0, 1}}, Unplaced(1, UNAVAILABLE, 1)),  # 1 can come to no slot
        ({2: {0, 1}}, Unplaced(1, UNAVAILABLE, 2)),
        ({1: {0}, 2: {1}}, Unplaced(1, UNAVAILABLE, None)),  # together they leave none
    ],
)
def test_unavailability_is_the_first_reason(unavailable, expected):
    result = schedule(make_problem([(1, 2)], slots=2, unavailable=unavailable, caps={1: 0}))
    assert result.unplaced == (expected,)


def test_the_reasons_for_a_cap_a_full_slot_and_a_busy_agenda():
    # One slot, two tables: the mutual requests 1 (people 1-2) and 3 (3-4) take both.
    # 2 (1-7): participant 1 has reached their cap. 4 (5-6) and 5 (2-8): no table left
    # (5 also finds 2 busy, but a full slot is checked first).
    problem = make_problem(
        [(1, 2, True, False), (1, 7), (3, 4, True, False), (5, 6), (2, 8)],
        tables=2,
        caps={1: 1},
    )
    result = schedule(problem)
    reasons = {u.request: (u.reason, u.participant) for u in result.unplaced}
    assert set(slots_of(result)) == {1, 3}
    assert reasons == {2: (CAP, 1), 4: (TABLES, None), 5: (TABLES, None)}
    # With a third table, 2-8 is left out only because 2 is already busy.
    result = schedule(make_problem([(1, 2, True, False), (2, 8), (3, 4)], tables=3))
    assert {u.request: u.reason for u in result.unplaced} == {2: AGENDA}


def test_no_request_means_an_empty_optimal_schedule():
    problem = make_problem([(1, 2)], slots=1, unavailable={1: {0}})
    result = schedule(problem)
    assert (result.placed, result.optimal, result.idle_gap, result.solver) == (
        0,
        True,
        0.0,
        "highs",
    )
