"""What a meeting day's schedule is made of (slots, tables, participants, accepted requests,
locks, the schedule before late changes) and the one check that a problem is well formed.

Plain frozen dataclasses so that the web layer builds them from its rows and the solver,
the greedy baseline and the tests read the same thing. ``index(problem)`` validates once
and hands back the lookups every other module of the package needs.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass, field

# Why an accepted request could not be placed, checked in this order (``explain``).
UNAVAILABLE = "UNAVAILABLE"  # no slot both can attend
CAP = "CAP"  # one of them already has as many meetings as their cap
TABLES = "TABLES"  # every slot both can attend has a meeting at every table
AGENDA = "AGENDA"  # in every slot both can attend, one of them already meets someone
REASONS = (UNAVAILABLE, CAP, TABLES, AGENDA)


class InvalidProblem(ValueError):
    """The problem cannot be scheduled as given (unknown ids, duplicates, broken locks)."""


@dataclass(frozen=True)
class Participant:
    id: int
    cap: int | None = None  # most meetings this participant may have; None: no cap
    unavailable: frozenset[int] = frozenset()  # slot ids they cannot attend


@dataclass(frozen=True)
class MeetingRequest:
    id: int
    a: int  # participant ids (the asker, the asked; order does not matter)
    b: int
    mutual: bool = False  # both asked each other
    intention: bool = False  # tied to a published purchase intention


@dataclass(frozen=True)
class Placement:
    request: int
    slot: int
    table: int


@dataclass(frozen=True)
class Problem:
    slots: tuple[int, ...]  # slot ids, in time order (a break is not a slot)
    tables: tuple[int, ...]  # table ids (interchangeable for feasibility)
    participants: tuple[Participant, ...]
    requests: tuple[MeetingRequest, ...]  # the accepted requests, one per pair
    locked: tuple[Placement, ...] = ()  # kept as they are (slot AND table)
    previous: tuple[Placement, ...] = ()  # the schedule before late changes: fewest moves
    hosts: frozenset[int] = frozenset()  # participants who keep one table (buyers), optional


@dataclass(frozen=True)
class Unplaced:
    request: int
    reason: str  # one of REASONS
    participant: int | None = None  # whose cap / availability, when one is to blame


@dataclass(frozen=True)
class Schedule:
    placements: tuple[Placement, ...]
    unplaced: tuple[Unplaced, ...]
    placed: int  # requests placed
    mutual_placed: int
    intention_placed: int
    optimal: bool  # first objective proven optimal (False if the solver failed/timed out)
    idle_slots: int  # sum over participants of idle slots between first and last meeting
    idle_gap: float | None  # relative gap of the second objective at its budget (0.0 = proven)
    moves: int  # placements of `previous` whose slot or table changed (or dropped)
    seconds: float  # wall time
    solver: str  # "highs" or "greedy"


@dataclass
class Index:
    """Lookups over a validated problem: positions of slots, participants by id, who can
    attend what, and what the locks already take."""

    problem: Problem
    slot_pos: dict[int, int]
    people: dict[int, Participant]
    requests: dict[int, MeetingRequest]
    available: dict[int, frozenset[int]]  # participant -> slot ids they can attend
    locked: dict[int, Placement]  # request id -> its locked placement
    locked_busy: dict[int, set[int]] = field(default_factory=dict)  # participant -> slots
    locked_tables: dict[int, set[int]] = field(default_factory=dict)  # slot -> tables taken

    def common_slots(self, request: MeetingRequest) -> list[int]:
        """The slots both participants of the request can attend, in time order."""
        both = self.available[request.a] & self.available[request.b]
        return [s for s in self.problem.slots if s in both]


def _duplicates(values) -> list:
    return sorted(value for value, n in Counter(values).items() if n > 1)


def index(problem: Problem) -> Index:
    """Validate ``problem`` and return its lookups; raise InvalidProblem with every reason
    found in the first failing group (ids, then requests, then locks)."""
    errors: list[str] = []
    for name, ids in (
        ("slot", problem.slots),
        ("table", problem.tables),
        ("participant", [p.id for p in problem.participants]),
        ("request", [r.id for r in problem.requests]),
    ):
        if dup := _duplicates(ids):
            errors.append(f"duplicate {name} ids: {dup}")
    slots, tables = set(problem.slots), set(problem.tables)
    people = {p.id: p for p in problem.participants}
    for p in problem.participants:
        if p.cap is not None and p.cap < 0:
            errors.append(f"participant {p.id} has a negative cap {p.cap}")
        if unknown := sorted(set(p.unavailable) - slots):
            errors.append(f"participant {p.id} is unavailable in unknown slots {unknown}")
    if unknown := sorted(set(problem.hosts) - set(people)):
        errors.append(f"unknown host participants {unknown}")
    pairs: dict[frozenset[int], int] = {}
    for r in problem.requests:
        if r.a not in people or r.b not in people:
            errors.append(f"request {r.id} names an unknown participant ({r.a}, {r.b})")
        if r.a == r.b:
            errors.append(f"request {r.id} is a meeting of participant {r.a} with itself")
            continue
        pair = frozenset((r.a, r.b))
        if pair in pairs:
            errors.append(f"requests {pairs[pair]} and {r.id} are for the same pair {r.a}-{r.b}")
        pairs.setdefault(pair, r.id)
    if errors:
        raise InvalidProblem("; ".join(errors))

    requests = {r.id: r for r in problem.requests}
    available = {
        p.id: frozenset(s for s in problem.slots if s not in p.unavailable)
        for p in problem.participants
    }
    idx = Index(
        problem, {s: i for i, s in enumerate(problem.slots)}, people, requests, available, {}
    )
    _check_locks(idx, slots, tables, errors)
    if errors:
        raise InvalidProblem("; ".join(errors))
    return idx


def _check_locks(idx: Index, slots: set[int], tables: set[int], errors: list[str]) -> None:
    """Locks must name known things and obey every rule on their own: they are kept as
    they are, so a broken lock makes the problem impossible, not merely worse."""
    busy: dict[tuple[int, int], int] = {}
    taken: dict[tuple[int, int], int] = {}
    count: Counter[int] = Counter()
    for lock in idx.problem.locked:
        request = idx.requests.get(lock.request)
        if request is None:
            errors.append(f"locked placement of unknown request {lock.request}")
            continue
        if lock.request in idx.locked:
            errors.append(f"request {lock.request} is locked twice")
            continue
        if lock.slot not in slots or lock.table not in tables:
            errors.append(
                f"request {lock.request} is locked in unknown slot {lock.slot} "
                f"or table {lock.table}"
            )
            continue
        idx.locked[lock.request] = lock
        if (lock.slot, lock.table) in taken:
            errors.append(
                f"requests {taken[lock.slot, lock.table]} and {lock.request} are locked "
                f"at table {lock.table} in slot {lock.slot}"
            )
        taken.setdefault((lock.slot, lock.table), lock.request)
        for person in (request.a, request.b):
            count[person] += 1
            if lock.slot not in idx.available[person]:
                errors.append(
                    f"request {lock.request} is locked in slot {lock.slot}, which "
                    f"participant {person} cannot attend"
                )
            if (person, lock.slot) in busy:
                errors.append(
                    f"participant {person} has two locked meetings in slot {lock.slot} "
                    f"(requests {busy[person, lock.slot]} and {lock.request})"
                )
            busy.setdefault((person, lock.slot), lock.request)
    for person, n in sorted(count.items()):
        cap = idx.people[person].cap
        if cap is not None and n > cap:
            errors.append(f"participant {person} has {n} locked meetings, above their cap {cap}")
    locked_busy: dict[int, set[int]] = defaultdict(set)
    locked_tables: dict[int, set[int]] = defaultdict(set)
    for person, slot in busy:
        locked_busy[person].add(slot)
    for slot, table in taken:
        locked_tables[slot].add(table)
    idx.locked_busy = dict(locked_busy)
    idx.locked_tables = dict(locked_tables)
