"""Fewer idle slots by local moves: a placed meeting goes to another slot, or two
meetings of one participant swap slots, when that lowers the idle slots of the people
involved and keeps every rule. Same requests, and a request in its slot of ``previous``
is left there (the caller leaves it out of ``options``): the first objective does not
change.

``scipy.optimize.milp`` takes no starting solution, and on the largest problems HiGHS
does not finish its root LP within a budget of seconds, so its own incumbent can be
worse than first fit's; the solver keeps the better of this and HiGHS's.
"""

from __future__ import annotations

import time
from collections import Counter, defaultdict

from domain.scheduling.problem import Index


def compact(
    idx: Index, slot_of: dict[int, int], options: dict[int, list[int]], deadline: float
) -> dict[int, int]:
    """``slot_of`` (request id -> slot position, locks included) with fewer idle slots.
    ``options``: for each request that may move, the slot positions it may take (the
    ones its variables allow); a request absent from ``options`` stays put."""
    slot_of = dict(slot_of)
    tables = len(idx.problem.tables)
    per_slot: Counter[int] = Counter(slot_of.values())
    busy: dict[int, dict[int, int]] = defaultdict(dict)  # person -> position -> request
    for request, t in slot_of.items():
        meeting = idx.requests[request]
        busy[meeting.a][t] = request
        busy[meeting.b][t] = request

    def idle(person: int, leave: int | None = None, join: int | None = None) -> int:
        positions = [t for t in busy[person] if t != leave]
        if join is not None:
            positions.append(join)
        return max(positions) - min(positions) + 1 - len(positions) if positions else 0

    def move(request: int, to: int) -> None:
        meeting = idx.requests[request]
        was = slot_of[request]
        per_slot[was] -= 1
        per_slot[to] += 1
        for person in (meeting.a, meeting.b):
            del busy[person][was]
            busy[person][to] = request
        slot_of[request] = to

    improved = True
    while improved and time.perf_counter() < deadline:
        improved = False
        for request in list(options):
            if request not in slot_of:
                continue
            meeting = idx.requests[request]
            was = slot_of[request]
            pair = (meeting.a, meeting.b)
            now = sum(idle(p) for p in pair)
            for to in options[request]:
                if to == was or per_slot[to] >= tables:
                    continue
                if any(to in busy[p] for p in pair):
                    continue
                if sum(idle(p, was, to) for p in pair) < now:
                    move(request, to)
                    improved = True
                    break
        improved = _swaps(idx, slot_of, options, busy, idle) or improved
    return slot_of


def _swaps(idx, slot_of, options, busy, idle) -> bool:
    """Two meetings of one participant exchange slots when both others are free in the
    other's slot and the idle slots of the three people drop."""
    improved = False
    for person, at in list(busy.items()):
        for t1, r1 in list(at.items()):
            for t2, r2 in list(at.items()):
                if t1 >= t2 or busy[person].get(t1) != r1 or busy[person].get(t2) != r2:
                    continue
                if t2 not in options.get(r1, ()) or t1 not in options.get(r2, ()):
                    continue
                m1, m2 = idx.requests[r1], idx.requests[r2]
                o1 = m1.b if m1.a == person else m1.a
                o2 = m2.b if m2.a == person else m2.a
                if t2 in busy[o1] or t1 in busy[o2]:
                    continue
                before = idle(o1) + idle(o2)
                after = idle(o1, t1, t2) + idle(o2, t2, t1)
                if after < before:
                    del busy[person][t1], busy[person][t2]
                    del busy[o1][t1], busy[o2][t2]
                    busy[person][t2], busy[o1][t2] = r1, r1
                    busy[person][t1], busy[o2][t1] = r2, r2
                    slot_of[r1], slot_of[r2] = t2, t1
                    improved = True
    return improved
