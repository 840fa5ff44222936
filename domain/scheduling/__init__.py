"""The meeting scheduler of buyer–supplier meeting days (issue 12): accepted meeting
requests placed in time slots at tables, optimally (``schedule``: HiGHS through
``scipy.optimize.milp``) or first-fit (``greedy_schedule``, the baseline), with the reason
each request left out could not be placed. Plain data in, plain data out: no Flask, no
database."""

from domain.scheduling.checks import violations
from domain.scheduling.greedy import greedy_schedule
from domain.scheduling.problem import (
    AGENDA,
    CAP,
    REASONS,
    TABLES,
    UNAVAILABLE,
    InvalidProblem,
    MeetingRequest,
    Participant,
    Placement,
    Problem,
    Schedule,
    Unplaced,
)
from domain.scheduling.programme import SLOT_LENGTHS, meeting_slots
from domain.scheduling.solver import schedule

__all__ = [
    "AGENDA",
    "CAP",
    "REASONS",
    "SLOT_LENGTHS",
    "TABLES",
    "UNAVAILABLE",
    "InvalidProblem",
    "MeetingRequest",
    "Participant",
    "Placement",
    "Problem",
    "Schedule",
    "Unplaced",
    "greedy_schedule",
    "meeting_slots",
    "schedule",
    "violations",
]
