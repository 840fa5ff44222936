"""Positions and radii on the unit sphere, checked against a plain haversine."""

from __future__ import annotations

import math
import random

from search.embedded.geometry import Positions, Radius, unit_vector


def _km(a, b):
    (lat1, lon1), (lat2, lon2) = map(lambda p: map(math.radians, p), (a, b))
    h = (
        math.sin((lat2 - lat1) / 2) ** 2
        + math.cos(lat1) * math.cos(lat2) * math.sin((lon2 - lon1) / 2) ** 2
    )
    return 2 * 6371.009 * math.asin(math.sqrt(h))


def test_radius_keeps_exactly_the_points_within_it():
    rng = random.Random(3)
    points = {slot: (rng.uniform(42, 51), rng.uniform(-4.5, 8)) for slot in range(3000)}
    positions = Positions.of([(s, *unit_vector(*p)) for s, p in points.items()])
    centre, km = (48.85, 2.35), 120
    inside = positions.within(Radius.around(*centre, km)).tolist()
    assert inside == sorted(s for s, p in points.items() if _km(centre, p) <= km)
    assert 0 < len(inside) < len(points)
