"""A meeting day's time slots: consecutive slots of one length from the start of the
meetings to their end, none overlapping a break (lunch, a talk). Several days: one call
per day."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta

SLOT_LENGTHS = (15, 20, 30)  # minutes


def meeting_slots(
    start: datetime,
    end: datetime,
    length_minutes: int,
    breaks: Sequence[tuple[datetime, datetime]] = (),
) -> list[tuple[datetime, datetime]]:
    """The (start, end) of each slot of ``length_minutes`` from ``start``, the last one
    ending at ``end`` or before; a slot that would overlap a break starts when the break
    ends. ValueError on ``end <= start``, a length not in SLOT_LENGTHS, or a break that is
    empty or not within [start, end]."""
    if end <= start:
        raise ValueError(f"the meetings end ({end}) before they start ({start})")
    if length_minutes not in SLOT_LENGTHS:
        raise ValueError(f"a slot lasts {SLOT_LENGTHS} minutes, not {length_minutes}")
    for pause_start, pause_end in breaks:
        if pause_end <= pause_start:
            raise ValueError(f"the break {pause_start}–{pause_end} ends before it starts")
        if pause_start < start or pause_end > end:
            raise ValueError(
                f"the break {pause_start}–{pause_end} is outside the meetings {start}–{end}"
            )
    length = timedelta(minutes=length_minutes)
    slots = []
    at = start
    while at + length <= end:
        overlapping = [b_end for b_start, b_end in breaks if at < b_end and at + length > b_start]
        if overlapping:
            at = max(overlapping)
            continue
        slots.append((at, at + length))
        at += length
    return slots
