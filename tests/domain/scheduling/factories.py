"""Builders of scheduling problems for the scheduler's tests."""

from __future__ import annotations

from domain.scheduling import MeetingRequest, Participant, Placement, Problem


def make_problem(
    requests,
    *,
    slots: int = 1,
    tables: int = 1,
    people: int | None = None,
    caps: dict[int, int] | None = None,
    unavailable: dict[int, set[int]] | None = None,
    locked=(),
    previous=(),
    hosts=frozenset(),
) -> Problem:
    """A problem with slots 0..slots-1, tables 1..tables, participants 1..people (the
    highest id named by a request when None) and ``requests`` as (a, b) or (a, b, mutual,
    intention) tuples numbered from 1; locks and previous placements as (request, slot,
    table) tuples."""
    caps, unavailable = caps or {}, unavailable or {}
    people = people or max(max(r[0], r[1]) for r in requests)
    return Problem(
        slots=tuple(range(slots)),
        tables=tuple(range(1, tables + 1)),
        participants=tuple(
            Participant(p, caps.get(p), frozenset(unavailable.get(p, ())))
            for p in range(1, people + 1)
        ),
        requests=tuple(MeetingRequest(i, *r) for i, r in enumerate(requests, start=1)),
        locked=tuple(Placement(*p) for p in locked),
        previous=tuple(Placement(*p) for p in previous),
        hosts=frozenset(hosts),
    )


def slots_of(schedule) -> dict[int, int]:
    """Request id -> slot of a schedule's placements."""
    return {p.request: p.slot for p in schedule.placements}
