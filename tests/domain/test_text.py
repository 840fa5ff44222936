"""The one cleaning of incoming text (``domain.text.clean_text``, ``clean_data``), which
the request and import boundaries apply."""

from __future__ import annotations

import sys

from domain.text import clean_data, clean_text
from tests.factories import CONTROLS_AND_SURROGATE


def test_clean_text_removes_controls_and_keeps_what_text_means():
    assert clean_text(f"Net{CONTROLS_AND_SURROGATE}toyage") == "Nettoyage"
    kept = "Ligne 1\r\nLigne\t2\n« é – \u00a0 🙂 »"
    assert clean_text(kept) == kept
    # C1 controls stay: the trace of a Windows-1252 byte that text repair reads back.
    assert clean_text("Prestations \x96 nettoyage") == "Prestations \x96 nettoyage"


def test_clean_data_reaches_every_string_of_a_document():
    document = {"ti\x00tle": ["a\x00", {"b": "c\x1f"}], "n": 1, "none": None, "ok": True}
    assert clean_data(document) == {"title": ["a", {"b": "c"}], "n": 1, "none": None, "ok": True}


def test_vertical_tab_and_form_feed_are_line_breaks_not_deleted():
    # Word and Access export a soft line break as a vertical tab.
    assert clean_text("Nettoyage\x0bvitrerie") == "Nettoyage\nvitrerie"
    assert clean_text("Page 1\x0cPage 2\x00") == "Page 1\nPage 2"


def test_clean_data_walks_a_document_nested_deeper_than_the_recursion_limit():
    depth = 3 * sys.getrecursionlimit()
    document: list = ["a\x00"]
    for _ in range(depth):
        document = [document, {"k\x00": ("b\x00",)}]
    cleaned = clean_data(document)
    for _ in range(depth):
        assert cleaned[1] == {"k": ("b",)}
        cleaned = cleaned[0]
    assert cleaned == ["a"]
