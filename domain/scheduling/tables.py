"""Tables for meetings already placed in slots.

Tables are interchangeable for feasibility, so the solvers only count meetings per slot;
which table a meeting gets is chosen here, slot by slot, to keep what people already
know: a locked table first, then the table the meeting had before late changes (a table
change is a move), then the table its host (a buyer who stays put) already uses in
another slot, then the first free one.
"""

from __future__ import annotations

from collections import Counter, defaultdict

from domain.scheduling.problem import Index, Placement


def assign_tables(idx: Index, slot_of: dict[int, int]) -> list[Placement]:
    """Placements for ``slot_of`` (request id -> slot id, locked requests included), in
    slot order then request order. The caller guarantees at most one meeting per table
    in each slot; locked requests must be at their locked slot."""
    problem = idx.problem
    by_slot: dict[int, list[int]] = defaultdict(list)
    for request in sorted(slot_of, key=lambda r: (idx.slot_pos[slot_of[r]], r)):
        by_slot[slot_of[request]].append(request)
    previous = {p.request: p for p in problem.previous}
    table_of: dict[int, int] = {}
    used: dict[int, set[int]] = defaultdict(set)

    def take(request: int, table: int) -> None:
        table_of[request] = table
        used[slot_of[request]].add(table)

    for request, lock in idx.locked.items():
        take(request, lock.table)
    known_tables = set(problem.tables)
    for slot, requests in by_slot.items():
        for request in requests:
            before = previous.get(request)
            if (
                request not in table_of
                and before is not None
                and before.slot == slot
                and before.table in known_tables
                and before.table not in used[slot]
            ):
                take(request, before.table)

    host_tables: dict[int, Counter[int]] = defaultdict(Counter)
    for request, table in table_of.items():
        for person in _hosts_of(idx, request):
            host_tables[person][table] += 1
    for slot, requests in by_slot.items():
        for request in requests:
            hosts = _hosts_of(idx, request)
            if request in table_of or not hosts:
                continue
            # A host's most used table if free, else the first free one no other host
            # uses, else the first free one; it becomes theirs for the later slots.
            wanted = [t for person in hosts for t, _ in host_tables[person].most_common()]
            free = [t for t in wanted if t not in used[slot]]
            if not free:
                claimed = {t for person in host_tables for t in host_tables[person]}
                free = [t for t in problem.tables if t not in used[slot]]
                free = [t for t in free if t not in claimed] or free
            take(request, free[0])
            for person in hosts:
                host_tables[person][free[0]] += 1

    for slot, requests in by_slot.items():
        free = (t for t in problem.tables if t not in used[slot])
        for request in requests:
            if request not in table_of:
                take(request, next(free))
    return [Placement(r, slot_of[r], table_of[r]) for rs in by_slot.values() for r in rs]


def _hosts_of(idx: Index, request: int) -> tuple[int, ...]:
    meeting = idx.requests[request]
    return tuple(p for p in (meeting.a, meeting.b) if p in idx.problem.hosts)
