"""Filter tokens and the grid cells of a radius, and what may reach a MATCH expression."""

from __future__ import annotations

import pytest

from search.embedded.tokens import cells_around, grid_cell, quoted


def test_grid_cells_cover_the_radius_box():
    cells = cells_around(48.85, 2.35, 20)
    for latitude, longitude in [(48.85, 2.35), (49.02, 2.35), (48.85, 2.6), (48.68, 2.1)]:
        row, column = grid_cell(latitude, longitude)
        assert f"c_{row}_{column}" in cells
    assert cells_around(48.85, 2.35, 2000) is None  # too wide to help
    assert cells_around(-17.5, 179.9, 50) is None  # across the 180th meridian


def test_only_index_tokens_can_be_quoted_into_a_match_expression():
    assert quoted("espace", "vert") == '"espace vert"'
    for hostile in ('a"b', "a b", "x*", "NEAR(x)", ""):
        with pytest.raises(ValueError):
            quoted(hostile)
