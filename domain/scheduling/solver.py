"""The optimal schedule: HiGHS through ``scipy.optimize.milp``, in two solves.

Variables ``x[r, s]`` (binary) exist only for a request ``r`` that is not locked and a slot
``s`` both of its participants can attend, neither already holds a locked meeting in,
and that has a table left after the locks. Constraints (sparse): each request at most
once; each participant at most one meeting per slot; per slot at most the tables left;
per participant at most their cap less their locked meetings.

1. **First objective, exact** (``mip_rel_gap`` 0, a safety time limit only), in ONE solve
   with integer weights: maximise placed requests, then mutual ones, then intention-tied
   ones, then — when ``previous`` is given — the placements of ``previous`` kept in their
   slot (the fewest moves). Level ``i`` of ``L`` weighs ``(n+1)**(L-1-i)`` (``n`` the
   number of requests with a variable): each level sums to at most ``n``, so all the
   levels below one weigh less than one unit of it. Without ``previous`` that is
   ``w = (n+1)**2 + (n+1)*mutual + intention``, at most about 8e9 in total for n = 2,000;
   with it about 1.6e13: both far below 2**53, every weight and sum exact in float64
   (checked: a larger problem raises InvalidProblem).
2. **Second objective, within a time budget**: fewest idle slots, the first solve's
   requests re-slotted — the same requests placed, each exactly once, the same number of
   ``previous`` placements kept in their slot — so all four levels above stay optimal.
   (The model that may also swap requests for others of the same counts has the same
   first-level rows plus 3 dense ones; at 2,000 requests x 16 slots HiGHS did not finish
   its root LP in 60 s, so it would never improve anything within a budget.) Idle of a
   participant = span - meetings, the span modelled by ``z[p, t]`` in [0, 1] (slot t lies
   between their first and last meeting) and a binary ``u[p, t]`` (the span starts at t):
   ``z[p, t] >= meets[p, t]``, ``z[p, t] <= z[p, t-1] + u[p, t]``, ``sum_t u[p, t] <= 1``:
   z may rise only once, so it covers one interval holding every meeting. Only
   participants with two meetings or more get these variables. ``milp`` takes no
   starting point, so local moves (``compact``) improve the first solve's schedule
   first, within a quarter of the budget; HiGHS has the rest, and the better of the two
   is kept. The gap reported is (idle - HiGHS's dual bound) / idle; a budget of 0 skips
   this stage (the first solve's schedule, gap None).

Tables are assigned afterwards (``tables.assign_tables``); a table change counts as a move
but is not in the MILP: a request kept in its slot keeps its table unless a lock took it.
"""

from __future__ import annotations

import time
from collections import defaultdict
from dataclasses import dataclass, field

import numpy as np
from scipy.optimize import Bounds, LinearConstraint, milp
from scipy.sparse import coo_array

from domain.scheduling.compact import compact
from domain.scheduling.explain import idle_of, summarise
from domain.scheduling.greedy import first_fit
from domain.scheduling.problem import Index, InvalidProblem, Problem, Schedule, index

# The first objective must be proven: this limit is only there so that a pathological
# problem cannot hang a web request forever (``optimal`` is then False).
FIRST_SAFETY_SECONDS = 300.0
_DISP = False
_EXACT = 2.0**53  # integers up to this are exact in float64


@dataclass
class _Rows:
    """Sparse constraint rows ``lower <= sum(vals * x[cols]) <= upper``."""

    rows: list[int] = field(default_factory=list)
    cols: list[int] = field(default_factory=list)
    vals: list[float] = field(default_factory=list)
    lower: list[float] = field(default_factory=list)
    upper: list[float] = field(default_factory=list)

    def add(self, entries, lower: float, upper: float) -> None:
        for col, val in entries:
            self.rows.append(len(self.lower))
            self.cols.append(col)
            self.vals.append(val)
        self.lower.append(lower)
        self.upper.append(upper)

    def at_most(self, variables: list[int], bound: float) -> None:
        """``sum x[variables] <= bound``, left out when it cannot bind."""
        if len(variables) > bound:
            self.add(((k, 1.0) for k in variables), -np.inf, bound)

    def constraint(self, n_vars: int) -> LinearConstraint:
        matrix = coo_array(
            (self.vals, (self.rows, self.cols)), shape=(len(self.lower), n_vars)
        ).tocsr()
        return LinearConstraint(matrix, np.array(self.lower), np.array(self.upper))


@dataclass
class _Model:
    """The placement variables, grouped as the constraints read them."""

    req: np.ndarray  # request id of each variable
    pos: np.ndarray  # slot position of each variable
    kept: np.ndarray  # the variable is the request's slot in ``previous``
    by_request: dict[int, list[int]]
    by_slot: dict[int, list[int]]
    by_person_slot: dict[tuple[int, int], list[int]]
    by_person: dict[int, list[int]]
    tables_left: dict[int, int]  # slot position -> tables not locked
    cap_left: dict[int, int | None]  # participant -> meetings left under their cap


def _build(idx: Index) -> _Model:
    problem = idx.problem
    tables_left = {
        idx.slot_pos[s]: len(problem.tables) - len(idx.locked_tables.get(s, ()))
        for s in problem.slots
    }
    meetings_locked: dict[int, int] = defaultdict(int)
    for request in idx.locked:
        meeting = idx.requests[request]
        meetings_locked[meeting.a] += 1
        meetings_locked[meeting.b] += 1
    cap_left = {
        p.id: None if p.cap is None else p.cap - meetings_locked[p.id] for p in problem.participants
    }
    previous = {p.request: p.slot for p in problem.previous}
    req, pos, kept = [], [], []
    for meeting in problem.requests:
        if meeting.id in idx.locked or 0 in (cap_left[meeting.a], cap_left[meeting.b]):
            continue
        busy = idx.locked_busy.get(meeting.a, set()) | idx.locked_busy.get(meeting.b, set())
        for slot in idx.common_slots(meeting):
            if slot not in busy and tables_left[idx.slot_pos[slot]] > 0:
                req.append(meeting.id)
                pos.append(idx.slot_pos[slot])
                kept.append(previous.get(meeting.id) == slot)
    model = _Model(
        np.array(req, dtype=np.int64),
        np.array(pos, dtype=np.int64),
        np.array(kept, dtype=bool),
        defaultdict(list),
        defaultdict(list),
        defaultdict(list),
        defaultdict(list),
        tables_left,
        cap_left,
    )
    for k, (r, t) in enumerate(zip(req, pos, strict=True)):
        meeting = idx.requests[r]
        model.by_request[r].append(k)
        model.by_slot[t].append(k)
        for person in (meeting.a, meeting.b):
            model.by_person_slot[person, t].append(k)
            model.by_person[person].append(k)
    return model


def _first_rows(model: _Model) -> _Rows:
    rows = _Rows()
    for variables in model.by_request.values():
        rows.at_most(variables, 1)
    for variables in model.by_person_slot.values():
        rows.at_most(variables, 1)
    for t, variables in model.by_slot.items():
        rows.at_most(variables, model.tables_left[t])
    for person, variables in model.by_person.items():
        if model.cap_left[person] is not None:
            # Each request is placed at most once, so its variables over the slots count
            # at most one meeting: counting variables is counting meetings.
            rows.at_most(variables, model.cap_left[person])
    return rows


def _weights(idx: Index, model: _Model) -> np.ndarray:
    levels = [np.ones(len(model.req))]
    levels.append(np.array([idx.requests[int(r)].mutual for r in model.req], dtype=float))
    levels.append(np.array([idx.requests[int(r)].intention for r in model.req], dtype=float))
    if idx.problem.previous:
        levels.append(model.kept.astype(float))
    base = float(len(model.by_request) + 1)
    if base ** len(levels) >= _EXACT:
        raise InvalidProblem(f"too many requests to weigh exactly ({len(model.by_request)})")
    weight = np.zeros(len(model.req))
    for i, level in enumerate(levels):
        weight += level * base ** (len(levels) - 1 - i)
    return weight


def schedule(problem: Problem, *, budget_seconds: float = 10.0) -> Schedule:
    """The optimal schedule of ``problem``: the first objective proven (within a safety
    limit), idle slots then reduced for at most ``budget_seconds``. Raises InvalidProblem."""
    start = time.perf_counter()
    idx = index(problem)
    model = _build(idx)
    n = len(model.req)

    def done(chosen: np.ndarray | None, optimal: bool, gap: float | None) -> Schedule:
        if chosen is None:
            slot_of, solver = first_fit(idx), "greedy"
        else:
            slot_of, solver = {r: lock.slot for r, lock in idx.locked.items()}, "highs"
            for k in np.flatnonzero(chosen):
                slot_of[int(model.req[k])] = problem.slots[model.pos[k]]
        return summarise(
            idx,
            slot_of,
            optimal=optimal,
            idle_gap=gap,
            seconds=time.perf_counter() - start,
            solver=solver,
        )

    if n == 0:
        return done(np.zeros(0, dtype=bool), True, 0.0)  # the locks are the schedule
    rows = _first_rows(model)
    first = milp(
        -_weights(idx, model),
        integrality=np.ones(n),
        bounds=Bounds(0, 1),
        constraints=[rows.constraint(n)] if rows.lower else None,
        options={"time_limit": FIRST_SAFETY_SECONDS, "mip_rel_gap": 0.0, "disp": False},
    )
    if first.x is None:
        return done(None, False, None)
    chosen = first.x > 0.5
    better, gap = _second(idx, model, chosen, budget_seconds)
    return done(chosen if better is None else better, first.status == 0, gap)


def _second(
    idx: Index, model: _Model, chosen: np.ndarray, budget: float
) -> tuple[np.ndarray | None, float | None]:
    """The first solve's requests re-slotted for the fewest idle slots, and the relative
    gap; (None, None) if nothing is found within ``budget`` seconds, (None, 0.0) when
    nobody can be idle."""
    problem = idx.problem
    placed = {int(model.req[k]) for k in np.flatnonzero(chosen)}
    variables = [k for k in range(len(model.req)) if int(model.req[k]) in placed]
    column = {k: i for i, k in enumerate(variables)}
    n = len(variables)
    locked_at: dict[int, set[int]] = {
        person: {idx.slot_pos[s] for s in slots} for person, slots in idx.locked_busy.items()
    }
    spans: dict[int, tuple[set[int], dict[int, list[int]], int]] = {}
    for person in problem.participants:
        at: dict[int, list[int]] = defaultdict(list)
        meetings = len(locked_at.get(person.id, ()))
        for k in model.by_person.get(person.id, []):
            if k in column:
                at[int(model.pos[k])].append(column[k])
        meetings += len({int(model.req[k]) for k in model.by_person.get(person.id, [])} & placed)
        if meetings >= 2:  # nobody with fewer meetings is ever idle
            spans[person.id] = (set(at) | locked_at.get(person.id, set()), at, meetings)
    if not spans:
        return None, 0.0
    if budget <= 0:
        return None, None

    rows = _Rows()
    for r in placed:
        rows.add(((column[k], 1.0) for k in model.by_request[r]), 1.0, 1.0)
    for group in model.by_person_slot.values():
        rows.at_most([column[k] for k in group if k in column], 1)
    for t, group in model.by_slot.items():
        rows.at_most([column[k] for k in group if k in column], model.tables_left[t])
    kept = [column[k] for k in variables if model.kept[k]]
    if kept:
        rows.add(((k, 1.0) for k in kept), float(model.kept[chosen].sum()), np.inf)

    # Columns after x: per participant z over their range, u at their possible slots.
    cost = [np.zeros(n)]
    integrality = [np.ones(n)]
    width = n
    for person, (possible, at, _) in spans.items():
        lo, hi = min(possible), max(possible)
        z = {t: width + i for i, t in enumerate(range(lo, hi + 1))}
        width += len(z)
        u = {t: width + i for i, t in enumerate(sorted(possible))}
        width += len(u)
        cost += [np.ones(len(z)), np.zeros(len(u))]
        integrality += [np.zeros(len(z)), np.ones(len(u))]
        for t in possible:
            is_locked = t in locked_at.get(person, ())
            rows.add([(z[t], 1.0)] + [(k, -1.0) for k in at.get(t, [])], float(is_locked), np.inf)
        for t in range(lo, hi + 1):
            entries = [(z[t], 1.0)] + ([(z[t - 1], -1.0)] if t > lo else [])
            if t in u:
                entries.append((u[t], -1.0))
            rows.add(entries, -np.inf, 0.0)
        rows.add(((col, 1.0) for col in u.values()), -np.inf, 1.0)
    # The meetings of these participants are fixed (same requests): idle = sum z - them.
    meetings_total = sum(meetings for _, _, meetings in spans.values())
    # Local moves first (fast, and a floor for HiGHS, which takes no starting point).
    started = time.perf_counter()
    at_slot = {(int(model.req[k]), int(model.pos[k])): k for k in variables}
    slot_of = {r: idx.slot_pos[lock.slot] for r, lock in idx.locked.items()}
    slot_of.update({int(model.req[k]): int(model.pos[k]) for k in np.flatnonzero(chosen)})
    options = {
        r: [int(model.pos[k]) for k in model.by_request[r]]
        for r in placed
        if not model.kept[at_slot[r, slot_of[r]]]
    }
    slot_of = compact(idx, slot_of, options, started + budget / 4)
    local = np.zeros(len(model.req), dtype=bool)
    local[[at_slot[r, t] for r, t in slot_of.items() if r not in idx.locked]] = True
    local_idle = idle_of(idx, slot_of.items())
    result = milp(
        np.concatenate(cost),
        integrality=np.concatenate(integrality),
        bounds=Bounds(0, 1),
        constraints=[rows.constraint(width)],
        options={
            "time_limit": max(budget - (time.perf_counter() - started), 0.1),
            "mip_rel_gap": 0.0,
            "disp": _DISP,
        },
    )
    if result.status == 0:
        better = np.zeros(len(model.req), dtype=bool)
        better[np.array(variables)[result.x[:n] > 0.5]] = True
        return better, 0.0
    best, incumbent = local_idle, local
    if result.x is not None and float(result.fun) - meetings_total < best:
        best = round(float(result.fun) - meetings_total)
        incumbent = np.zeros(len(model.req), dtype=bool)
        incumbent[np.array(variables)[result.x[:n] > 0.5]] = True
    bound = max(0.0, float(result.mip_dual_bound) - meetings_total)
    if not np.isfinite(bound):
        bound = 0.0
    return incumbent, (best - bound) / best if best > 0 else 0.0
