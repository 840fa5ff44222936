"""The embedded engine's bitmaps and positions, checked against plain Python."""

from __future__ import annotations

import math
import random

import numpy as np

from search.embedded import FacetBitmaps, Positions, Radius, bitmap, cells_around, grid_cell


def test_bitmap_sets_exactly_the_given_bits():
    slots = [0, 7, 8, 63, 64, 1000]
    bits = bitmap(slots)
    assert [i for i in range(bits.bit_length()) if bits >> i & 1] == slots
    assert bitmap([]) == 0


def test_facet_counts_match_a_naive_count():
    rng = random.Random(7)
    members = {f"v{i}": {s for s in range(5000) if rng.random() < 0.1 * (i + 1)} for i in range(5)}
    stored = [
        ("kind", value, bitmap(slots).to_bytes(700, "little")) for value, slots in members.items()
    ]
    bitmaps = FacetBitmaps.load(1, stored)
    hits = sorted(rng.sample(range(6000), 900))  # some beyond every bitmap
    counts = bitmaps.counts(["kind", "unknown"], np.array(hits, dtype=np.int64))
    expected = {v: len(s & set(hits)) for v, s in members.items()}
    assert counts["kind"] == {v: n for v, n in expected.items() if n}
    assert counts["unknown"] == {}
    assert bitmaps.counts(["kind"], None)["kind"] == {v: len(s) for v, s in members.items()}


def _km(a, b):
    (lat1, lon1), (lat2, lon2) = map(lambda p: map(math.radians, p), (a, b))
    h = (
        math.sin((lat2 - lat1) / 2) ** 2
        + math.cos(lat1) * math.cos(lat2) * math.sin((lon2 - lon1) / 2) ** 2
    )
    return 2 * 6371.009 * math.asin(math.sqrt(h))


def test_radius_keeps_exactly_the_points_within_it():
    from search.embedded import unit_vector

    rng = random.Random(3)
    points = {slot: (rng.uniform(42, 51), rng.uniform(-4.5, 8)) for slot in range(3000)}
    positions = Positions.of(1, [(s, *unit_vector(*p)) for s, p in points.items()])
    centre, km = (48.85, 2.35), 120
    inside = positions.within(Radius.around(*centre, km)).tolist()
    assert inside == sorted(s for s, p in points.items() if _km(centre, p) <= km)
    assert 0 < len(inside) < len(points)


def test_grid_cells_cover_the_radius_box():
    cells = cells_around(48.85, 2.35, 20)
    for latitude, longitude in [(48.85, 2.35), (49.02, 2.35), (48.85, 2.6), (48.68, 2.1)]:
        row, column = grid_cell(latitude, longitude)
        assert f"c_{row}_{column}" in cells
    assert cells_around(48.85, 2.35, 2000) is None  # too wide to help
    assert cells_around(-17.5, 179.9, 50) is None  # across the 180th meridian
