"""The solver against an independent brute force on small random problems: every
assignment of each request to a slot or to none is enumerated and checked by a checker
of this file's own (not ``violations``)."""

from __future__ import annotations

import random
from collections import Counter

import pytest

from domain.scheduling import (
    MeetingRequest,
    Participant,
    Placement,
    Problem,
    greedy_schedule,
    schedule,
    violations,
)

SEEDS = range(60)


def random_problem(seed: int) -> Problem:
    rng = random.Random(seed)
    slots = tuple(range(rng.randint(1, 4)))
    tables = tuple(range(1, rng.randint(1, 2) + 1))
    people = range(1, rng.randint(2, 6) + 1)
    participants = tuple(
        Participant(
            p,
            rng.choice([None, None, 1, 2, 3]),
            frozenset(s for s in slots if rng.random() < 0.25),
        )
        for p in people
    )
    pairs = [(a, b) for a in people for b in people if a < b]
    chosen = rng.sample(pairs, min(len(pairs), rng.randint(1, 7)))
    requests = tuple(
        MeetingRequest(
            i, *(pair if rng.random() < 0.5 else pair[::-1]), rng.random() < 0.3, rng.random() < 0.4
        )
        for i, pair in enumerate(chosen, start=1)
    )
    locked = ()
    if rng.random() < 0.3:
        # One lock at a slot both can attend, if any (caps of 0 make it invalid: skip).
        request = rng.choice(requests)
        a, b = participants[request.a - 1], participants[request.b - 1]
        free = [s for s in slots if s not in a.unavailable | b.unavailable]
        if free and a.cap != 0 and b.cap != 0:
            locked = (Placement(request.id, rng.choice(free), rng.choice(tables)),)
    return Problem(slots, tables, participants, requests, locked=locked)


def assignments(problem: Problem):
    """Every assignment (a tuple of a slot or None per request) that keeps the rules."""
    people = {p.id: p for p in problem.participants}
    locked = {p.request: p.slot for p in problem.locked}
    n = len(problem.requests)
    chosen: list[int | None] = []
    busy: set[tuple[int, int]] = set()
    per_slot: Counter[int] = Counter()
    meetings: Counter[int] = Counter()

    def fits(request: MeetingRequest, slot: int) -> bool:
        return per_slot[slot] < len(problem.tables) and all(
            (p, slot) not in busy
            and slot not in people[p].unavailable
            and (people[p].cap is None or meetings[p] < people[p].cap)
            for p in (request.a, request.b)
        )

    def walk(i: int):
        if i == n:
            yield tuple(chosen)
            return
        request = problem.requests[i]
        options = [locked[request.id]] if request.id in locked else [None, *problem.slots]
        for slot in options:
            if slot is not None:
                if not fits(request, slot):
                    continue
                per_slot[slot] += 1
                for p in (request.a, request.b):
                    busy.add((p, slot))
                    meetings[p] += 1
            chosen.append(slot)
            yield from walk(i + 1)
            chosen.pop()
            if slot is not None:
                per_slot[slot] -= 1
                for p in (request.a, request.b):
                    busy.discard((p, slot))
                    meetings[p] -= 1

    yield from walk(0)


def score(problem: Problem, assignment) -> tuple[int, int, int]:
    placed = [r for r, s in zip(problem.requests, assignment, strict=True) if s is not None]
    return len(placed), sum(r.mutual for r in placed), sum(r.intention for r in placed)


def idle(problem: Problem, assignment) -> int:
    at: dict[int, list[int]] = {}
    for request, slot in zip(problem.requests, assignment, strict=True):
        if slot is not None:
            for p in (request.a, request.b):
                at.setdefault(p, []).append(problem.slots.index(slot))
    return sum(max(v) - min(v) + 1 - len(v) for v in at.values())


@pytest.mark.parametrize("seed", SEEDS)
def test_the_solver_matches_the_brute_force_and_beats_first_fit(seed):
    problem = random_problem(seed)
    every = list(assignments(problem))
    best = max(score(problem, a) for a in every)
    result = schedule(problem)
    assert result.optimal
    assert (result.placed, result.mutual_placed, result.intention_placed) == best
    assert violations(problem, result.placements) == []
    # Idle slots: the fewest among the assignments placing the solver's requests.
    placed = {p.request for p in result.placements}
    same = [
        a
        for a in every
        if {r.id for r, s in zip(problem.requests, a, strict=True) if s is not None} == placed
    ]
    assert result.idle_gap == 0.0
    assert result.idle_slots == min(idle(problem, a) for a in same)
    greedy = greedy_schedule(problem)
    assert violations(problem, greedy.placements) == []
    assert greedy.placed <= result.placed


def test_the_random_problems_are_not_trivial():
    # The brute force must have choices to make: some problems leave requests out, and
    # first fit is beaten on at least one.
    problems = [random_problem(seed) for seed in SEEDS]
    left_out = sum(schedule(p).placed < len(p.requests) for p in problems)
    beaten = sum(greedy_schedule(p).placed < schedule(p).placed for p in problems)
    assert left_out >= 20
    assert beaten >= 1
