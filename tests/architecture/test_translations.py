"""The English catalogue is complete and matches the strings the code uses today."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from babel.messages.pofile import read_po

from tests.factories import CATALOGUE, ROOT


def read(path: Path):
    with path.open("rb") as handle:
        return read_po(handle)


def test_every_message_has_a_reviewed_english_translation():
    missing = [m.id for m in read(CATALOGUE) if m.id and (not m.string or m.fuzzy)]
    assert missing == []


def test_catalogue_covers_every_string_marked_in_the_code(tmp_path):
    pot = tmp_path / "messages.pot"
    subprocess.run(
        [
            sys.executable,
            "-m",
            "babel.messages.frontend",
            "-q",
            "extract",
            "-F",
            "babel.cfg",
            "-k",
            "N_",
            "-k",
            "_l",
            "-k",
            "lazy_gettext",
            "-o",
            str(pot),
            ".",
        ],
        cwd=ROOT,
        check=True,
    )
    marked = {m.id for m in read(pot) if m.id}
    assert "Entreprises inclusives" in marked and "Entreprise adaptée" in marked
    translated = {m.id for m in read(CATALOGUE) if m.id}
    assert marked - translated == set(), "run `make translations-update` and translate"
