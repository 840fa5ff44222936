"""Distances on the Earth: the one great-circle formula every part of the product uses."""

from __future__ import annotations

import math

from geopy.distance import EARTH_RADIUS

# geopy's mean radius, so every figure agrees with geopy's great_circle (tests/domain).
EARTH_RADIUS_KM: float = EARTH_RADIUS
KM_PER_DEGREE = EARTH_RADIUS_KM * math.pi / 180

Point = tuple[float, float]


def haversine_km(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Great-circle distance in kilometres between two WGS84 points, on a sphere: metre
    accuracy is not needed to tell a commune from its neighbour, and this is the hot path
    of the matcher and the embedded radius search (geopy's object per call costs ~10x)."""
    phi1, phi2 = math.radians(lat1), math.radians(lat2)
    d_phi, d_lambda = phi2 - phi1, math.radians(lon2 - lon1)
    h = math.sin(d_phi / 2) ** 2 + math.cos(phi1) * math.cos(phi2) * math.sin(d_lambda / 2) ** 2
    return 2 * EARTH_RADIUS_KM * math.asin(min(1.0, math.sqrt(h)))


def box_half_sides(latitude: float, km: float) -> tuple[float, float]:
    """Half the height and half the width, in degrees, of the box around a position at
    ``latitude`` that a search within ``km`` of it is first narrowed to (distances are then
    measured): a degree of latitude counted as 111 km, one of longitude as 111 km times the
    latitude's cosine (at least 0.05 of it, so the box stays finite near a pole)."""
    return km / 111.0, km / (111.0 * max(0.05, math.cos(math.radians(latitude))))
