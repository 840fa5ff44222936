"""The slots of a meeting day."""

from __future__ import annotations

from datetime import datetime

import pytest

from domain.scheduling import SLOT_LENGTHS, meeting_slots


def at(hour: int, minute: int = 0) -> datetime:
    return datetime(2025, 3, 14, hour, minute)


def test_slots_around_a_lunch_break_start_again_when_it_ends():
    slots = meeting_slots(at(9), at(14, 10), 20, [(at(12, 10), at(13, 30))])
    starts = [s.strftime("%H:%M") for s, _ in slots]
    # 9:00 ... 11:40 (ends 12:00); 12:00-12:20 would overlap the break: next at 13:30.
    assert starts[:3] == ["09:00", "09:20", "09:40"]
    assert starts[-4:] == ["11:20", "11:40", "13:30", "13:50"]
    assert len(slots) == 11
    assert all(end - start == slots[0][1] - slots[0][0] for start, end in slots)
    assert all(not (s < at(13, 30) and e > at(12, 10)) for s, e in slots)


def test_the_last_slot_ends_by_the_end():
    slots = meeting_slots(at(9), at(10, 10), 30)
    assert slots == [(at(9), at(9, 30)), (at(9, 30), at(10))]
    assert SLOT_LENGTHS == (15, 20, 30)


@pytest.mark.parametrize(
    ("start", "end", "length", "breaks"),
    [
        (at(10), at(10), 20, ()),
        (at(10), at(9), 20, ()),
        (at(9), at(12), 25, ()),
        (at(9), at(12), 20, [(at(8), at(9, 30))]),
        (at(9), at(12), 20, [(at(11), at(12, 30))]),
        (at(9), at(12), 20, [(at(11), at(11))]),
    ],
)
def test_bad_programmes_are_refused(start, end, length, breaks):
    with pytest.raises(ValueError):
        meeting_slots(start, end, length, breaks)
