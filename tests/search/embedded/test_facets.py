"""Facet bitmaps, checked against plain Python counts."""

from __future__ import annotations

import random

import numpy as np

from search.embedded.facets import FacetBitmaps, bitmap


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
    bitmaps = FacetBitmaps.load(stored)
    hits = sorted(rng.sample(range(6000), 900))  # some beyond every bitmap
    counts = bitmaps.counts(["kind", "unknown"], np.array(hits, dtype=np.int64))
    expected = {v: len(s & set(hits)) for v, s in members.items()}
    assert counts["kind"] == {v: n for v, n in expected.items() if n}
    assert counts["unknown"] == {}
    assert bitmaps.counts(["kind"], None)["kind"] == {v: len(s) for v, s in members.items()}
