"""The box a radius is first narrowed to (domain/geo.py): the matcher's cells of inferred
zones and the search's communes within a radius both rely on it losing nothing."""

from __future__ import annotations

import math

import pytest

from domain.gazetteer import default_gazetteer
from domain.geo import box_half_sides, haversine_km


@pytest.mark.parametrize("km", [5, 30, 50, 100])
@pytest.mark.parametrize(
    "center", [(50.63, 3.06), (48.85, 2.35), (43.30, 5.37), (42.70, 9.45), (51.03, 2.38)]
)
def test_every_commune_within_the_radius_lies_in_the_box(center, km):
    latitude, longitude = center
    d_lat, d_lon = box_half_sides(latitude, km)
    within = [
        c
        for c in default_gazetteer()
        if haversine_km(latitude, longitude, c.latitude, c.longitude) <= km
    ]
    assert within
    assert all(
        abs(c.latitude - latitude) <= d_lat and abs(c.longitude - longitude) <= d_lon
        for c in within
    )


def test_the_box_widens_with_the_latitude_and_stays_finite_at_a_pole():
    assert box_half_sides(0.0, 111.0) == (1.0, pytest.approx(1.0))
    assert box_half_sides(60.0, 111.0)[1] == pytest.approx(1 / math.cos(math.radians(60)))
    assert box_half_sides(90.0, 111.0) == (1.0, pytest.approx(20.0))
