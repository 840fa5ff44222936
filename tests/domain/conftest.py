"""Fixtures of the core's tests."""

from __future__ import annotations

import pytest

from tests.factories import SNAPSHOT, gzip_csv_rows


@pytest.fixture(scope="module")
def snapshot() -> list[dict[str, str]]:
    """The rows of the real SIAE snapshot, as the CSV has them."""
    return gzip_csv_rows(SNAPSHOT)
