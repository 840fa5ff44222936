"""The zone parser of the self-service space (``webapp.self_service.divisions``)."""

from __future__ import annotations

from webapp.self_service.divisions import parse_divisions


def test_divisions_are_parsed_checked_and_deduplicated(app, session):
    with app.test_request_context():
        found, errors = parse_divisions(
            session, "departement:59, Département:2a; commune:59350\nepci:200093201, dep:59"
        )
    assert errors == []
    assert found == [
        ("departement", "59"),
        ("departement", "2A"),
        ("commune", "59350"),
        ("epci", "200093201"),
    ]


def test_unknown_or_malformed_divisions_are_named(app, session):
    with app.test_request_context():
        found, errors = parse_divisions(session, "departement:00, 59, pays:fr, commune:")
    assert found == [] and len(errors) == 4
    assert "departement:00" in errors[0] and "inconnu" in errors[0]
