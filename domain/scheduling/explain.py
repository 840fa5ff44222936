"""What a schedule amounts to: why each accepted request left out could not be placed,
the idle slots, the moves from the schedule before late changes, and the ``Schedule``
that the solver and the greedy baseline both return."""

from __future__ import annotations

from collections import Counter, defaultdict

from domain.scheduling.problem import (
    AGENDA,
    CAP,
    TABLES,
    UNAVAILABLE,
    Index,
    Placement,
    Schedule,
    Unplaced,
)
from domain.scheduling.tables import assign_tables


def unplaced_reasons(idx: Index, placements: list[Placement]) -> list[Unplaced]:
    """One reason per request of the problem left out of ``placements``, checked in the
    order UNAVAILABLE, CAP, TABLES, AGENDA (the first that holds is given)."""
    placed = {p.request for p in placements}
    meetings: Counter[int] = Counter()
    busy: dict[int, set[int]] = defaultdict(set)
    per_slot: Counter[int] = Counter()
    for place in placements:
        request = idx.requests[place.request]
        per_slot[place.slot] += 1
        for person in (request.a, request.b):
            meetings[person] += 1
            busy[person].add(place.slot)
    tables = len(idx.problem.tables)
    found = []
    for request in idx.problem.requests:
        if request.id in placed:
            continue
        common = idx.common_slots(request)
        if not common:
            alone = [p for p in (request.a, request.b) if not idx.available[p]]
            # One of them cannot attend any slot: theirs; otherwise their two sets of
            # slots do not meet, and neither alone is to blame.
            found.append(Unplaced(request.id, UNAVAILABLE, alone[0] if len(alone) == 1 else None))
            continue
        full = [
            p
            for p in (request.a, request.b)
            if idx.people[p].cap is not None and meetings[p] >= idx.people[p].cap
        ]
        if full:
            found.append(Unplaced(request.id, CAP, full[0]))
        elif all(per_slot[s] >= tables for s in common):
            found.append(Unplaced(request.id, TABLES))
        else:
            found.append(Unplaced(request.id, AGENDA))
    return found


def idle_slots(idx: Index, placements: list[Placement]) -> int:
    """Sum over participants of the slots between their first and last meeting in which
    they meet nobody (breaks are not slots, so they never count)."""
    return idle_of(idx, ((p.request, idx.slot_pos[p.slot]) for p in placements))


def idle_of(idx: Index, positions) -> int:
    """``idle_slots`` for (request id, slot position) pairs."""
    at: dict[int, list[int]] = defaultdict(list)
    for request, t in positions:
        meeting = idx.requests[request]
        at[meeting.a].append(t)
        at[meeting.b].append(t)
    return sum(max(ps) - min(ps) + 1 - len(ps) for ps in at.values())


def moves(idx: Index, placements: list[Placement]) -> int:
    """Placements of ``previous`` not found as they were (slot and table): moved to another
    slot or table, or dropped (also when their request, slot or table is gone)."""
    now = set(placements)
    return sum(1 for before in idx.problem.previous if before not in now)


def summarise(
    idx: Index,
    slot_of: dict[int, int],
    *,
    optimal: bool,
    idle_gap: float | None,
    seconds: float,
    solver: str,
) -> Schedule:
    """The Schedule for ``slot_of`` (request id -> slot id, locks included): tables
    assigned, counts, reasons for what is left out."""
    placements = assign_tables(idx, slot_of)
    chosen = [idx.requests[p.request] for p in placements]
    return Schedule(
        placements=tuple(placements),
        unplaced=tuple(unplaced_reasons(idx, placements)),
        placed=len(chosen),
        mutual_placed=sum(r.mutual for r in chosen),
        intention_placed=sum(r.intention for r in chosen),
        optimal=optimal,
        idle_slots=idle_slots(idx, placements),
        idle_gap=idle_gap,
        moves=moves(idx, placements),
        seconds=seconds,
        solver=solver,
    )
