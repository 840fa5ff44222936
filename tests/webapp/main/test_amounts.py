"""Purchase amounts on pages: the reader's number format and the tax word in their language."""

from __future__ import annotations

from flask import render_template_string, session
from flask_babel import refresh

TEMPLATE = "{{ 1200000|amount_ht }}"


def render_in(app, language: str) -> str:
    with app.test_request_context():
        session["lang"] = language
        refresh()
        return render_template_string(TEMPLATE)


def test_an_amount_reads_in_french_by_default(app):
    assert render_in(app, "fr") == "1\u202f200\u202f000 € HT"


def test_an_amount_reads_in_english_when_chosen(app):
    assert render_in(app, "en") == "1,200,000 € excl. VAT"
