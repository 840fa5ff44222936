"""The README says what the code does: every setting config.py reads is in its
configuration table, with the default config.py gives it."""

from __future__ import annotations

import re

import pytest

from config import Config
from tests.factories import ROOT

README = (ROOT / "README.md").read_text()
CONFIGURATION = README.split("## Configuration", 1)[1].split("\n## ", 1)[0]
READ = sorted(set(re.findall(r'os\.environ\.get\("([A-Z_]+)"', (ROOT / "config.py").read_text())))


def row_of(name: str) -> str:
    rows = [line for line in CONFIGURATION.splitlines() if f"`{name}`" in line]
    assert rows, f"{name} is read by config.py but missing from the README's table"
    return rows[0]


@pytest.mark.parametrize("name", READ)
def test_every_setting_config_reads_is_documented(name):
    row_of(name)


@pytest.mark.parametrize(
    "name", ["MAP_TILES_URL", "MAP_TILES_ATTRIBUTION", "MEILI_URL", "MAIL_SERVER"]
)
def test_settings_documented_as_unset_are_unset_by_default(name, monkeypatch):
    monkeypatch.delenv(name, raising=False)
    assert "| unset" in row_of(name)
    assert not getattr(Config(), name)


@pytest.mark.parametrize(
    ("name", "attribute"),
    [
        ("MEILI_INDEX", "MEILI_INDEX"),
        ("ENTERPRISES_PER_PAGE", "ENTERPRISES_PER_PAGE"),
        ("RATELIMIT_STORAGE_URI", "RATELIMIT_STORAGE_URI"),
        ("PUBLIC_URL", "PUBLIC_URL"),
        ("LOGIN_RATE_LIMIT", "LOGIN_RATE_LIMIT"),
        ("CONTACT_RATE_LIMIT", "CONTACT_RATE_LIMIT"),
        ("MAIL_PORT", "MAIL_PORT"),
    ],
)
def test_documented_defaults_are_config_defaults(name, attribute, monkeypatch):
    monkeypatch.delenv(name, raising=False)
    assert f"`{getattr(Config(), attribute)}`" in row_of(name) or str(
        getattr(Config(), attribute)
    ) in row_of(name)
