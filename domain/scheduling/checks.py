"""Every hard rule of a schedule, checked on its own: for the tests, and for the web layer
to check a set of placements (the locks an organiser set, a schedule edited by hand)
before trusting it. It does not call ``problem.index`` so that it reports, rather than
raises on, placements that name unknown things."""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable

from domain.scheduling.problem import Placement, Problem


def violations(problem: Problem, placements: Iterable[Placement]) -> list[str]:
    """Every broken rule of ``placements`` for ``problem``, in English; empty when none."""
    placements = list(placements)
    slots, tables = set(problem.slots), set(problem.tables)
    people = {p.id: p for p in problem.participants}
    requests = {r.id: r for r in problem.requests}
    found: list[str] = []
    times = Counter(p.request for p in placements)
    for request, n in sorted(times.items()):
        if n > 1:
            found.append(f"request {request} is placed {n} times")
    meetings: Counter[int] = Counter()
    busy: dict[tuple[int, int], list[int]] = defaultdict(list)
    at_table: dict[tuple[int, int], list[int]] = defaultdict(list)
    per_slot: Counter[int] = Counter()
    for place in placements:
        request = requests.get(place.request)
        if request is None:
            found.append(f"placement of unknown request {place.request}")
            continue
        if place.slot not in slots:
            found.append(f"request {place.request} is placed in unknown slot {place.slot}")
            continue
        if place.table not in tables:
            found.append(f"request {place.request} is placed at unknown table {place.table}")
        at_table[place.slot, place.table].append(place.request)
        per_slot[place.slot] += 1
        for person in (request.a, request.b):
            meetings[person] += 1
            busy[person, place.slot].append(place.request)
            who = people.get(person)
            if who is not None and place.slot in who.unavailable:
                found.append(
                    f"request {place.request} is in slot {place.slot}, which participant "
                    f"{person} cannot attend"
                )
    for (person, slot), ids in sorted(busy.items()):
        if len(ids) > 1:
            found.append(f"participant {person} has {len(ids)} meetings in slot {slot}: {ids}")
    for (slot, table), ids in sorted(at_table.items()):
        if len(ids) > 1:
            found.append(f"table {table} has {len(ids)} meetings in slot {slot}: {ids}")
    for slot, n in sorted(per_slot.items()):
        if n > len(tables):
            found.append(f"slot {slot} has {n} meetings for {len(tables)} tables")
    for person, n in sorted(meetings.items()):
        cap = people[person].cap if person in people else None
        if cap is not None and n > cap:
            found.append(f"participant {person} has {n} meetings, above their cap {cap}")
    placed = set(placements)
    for lock in problem.locked:
        if lock not in placed:
            found.append(
                f"locked request {lock.request} is not at table {lock.table} in slot {lock.slot}"
            )
    return found
