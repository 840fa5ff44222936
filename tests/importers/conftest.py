"""Fixtures of the importers' tests."""

from __future__ import annotations

import pytest

from importers.enterprise_lists import parse_siae
from tests.factories import SNAPSHOT


@pytest.fixture(scope="module")
def snapshot():
    """The whole real SIAE snapshot, parsed once per module."""
    return parse_siae(SNAPSHOT)
