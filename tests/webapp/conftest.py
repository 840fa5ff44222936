"""Fixtures of the application's tests: real list rows in the database and the index."""

from __future__ import annotations

import pytest

from importers.enterprise_loader import load_enterprises
from tests.factories import index_enterprises, snapshot_head_records
from tests.importers.factories import BALUCHON, COLLECTERIE, LILLE_EI, parse_siae_rows


@pytest.fixture(scope="module")
def snapshot_head():
    """The first rows of the real snapshot, parsed once per module."""
    return snapshot_head_records()


@pytest.fixture
def indexed(session, search_backend, snapshot_head):
    """Sixty real enterprises in the database and in the embedded index."""
    return index_enterprises(session, search_backend, snapshot_head)


@pytest.fixture
def enterprises(session):
    """Three real enterprises of the lists (two in Seine-Saint-Denis, one in Lille), loaded."""
    parsed = parse_siae_rows(BALUCHON, COLLECTERIE, LILLE_EI)
    assert not parsed.rejected, parsed.rejected
    load_enterprises(session, parsed, source="test", actor="test")
