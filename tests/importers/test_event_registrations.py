"""Bulk registration to an event from a CSV or XLSX file: real enterprises of the
snapshot by SIRET, a buyer by their organisation's SIRET and their account's e-mail;
bad rows reported with their line and reason, nothing registered then; a second run
changes nothing."""

from __future__ import annotations

import io

import pytest
from openpyxl import Workbook
from sqlalchemy import select

from importers.enterprise_loader import load_enterprises
from importers.event_registrations import load_registrations, parse_registrations
from importers.tabular import ImportFileError
from tests.factories import organisation_of, snapshot_head_records
from tests.webapp.events.factories import make_event
from webapp.events import organising
from webapp.mail import outbox
from webapp.models import Enterprise, EventParticipant, Network


@pytest.fixture(scope="module")
def snapshot_head():
    return snapshot_head_records()


@pytest.fixture
def world(session, snapshot_head, make_user):
    """The snapshot's first enterprises loaded, an event, its organiser, a buyer whose
    organisation has a SIRET."""
    load_enterprises(session, snapshot_head, source="tests", actor="tests")
    network = session.scalar(select(Network).order_by(Network.id))
    event = make_event(session, network)
    organiser = make_user("facilitator", network=network)
    buyer = make_user("buyer", email="acheteuse@ville.example")
    organisation_of(buyer).siret = "21590350100017"
    session.commit()
    sirets = [r.siret for r in snapshot_head.records[:3]]
    return event, organiser, buyer, sirets


def _csv(*lines: str) -> io.BytesIO:
    return io.BytesIO("\n".join(lines).encode("utf-8"))


def test_real_enterprises_and_a_buyer_are_registered_accepted(session, world):
    event, organiser, buyer, sirets = world
    source = _csv(
        "SIRET;Courriel;Présentation",
        f"{sirets[0]};contact@structure.example;Traiteur",
        f"{sirets[1]};;",
        f"{sirets[2][:3]} {sirets[2][3:]};;",  # spaces in a SIRET are read through
        "21590350100017;Acheteuse@Ville.example;Restauration collective",
    )
    parsed = parse_registrations(source, session, event)
    assert parsed.rejected == []
    report = load_registrations(session, parsed, event, organiser)

    assert (report.rows, report.created, report.unchanged) == (4, 4, 0)
    rows = session.scalars(select(EventParticipant).order_by(EventParticipant.id)).all()
    assert [p.kind for p in rows] == ["enterprise"] * 3 + ["buyer"]
    assert {p.status for p in rows} == {"accepted"}
    assert [p.enterprise.siret for p in rows[:3]] == sirets
    assert (rows[0].contact_email, rows[0].pitch) == ("contact@structure.example", "Traiteur")
    assert (rows[3].user, rows[3].organisation) == (buyer, organisation_of(buyer))
    assert all(p.registered_by_id == organiser.id for p in rows)
    # Mailed: the contact address and the buyer (the others have nobody to write to).
    assert sorted(r for m in outbox() for r in m.recipients) == [
        "acheteuse@ville.example",
        "contact@structure.example",
    ]


def test_a_second_run_changes_nothing(session, world):
    event, organiser, _buyer, sirets = world
    content = f"SIRET\n{sirets[0]}\n{sirets[1]}\n".encode()
    first = organising.import_registrations(session, organiser, event, content)
    second = organising.import_registrations(session, organiser, event, content)
    assert (first.created, first.unchanged) == (2, 0)
    assert (second.created, second.unchanged) == (0, 2)
    assert len(session.scalars(select(EventParticipant)).all()) == 2


def test_bad_rows_are_reported_with_line_and_reason_and_nothing_is_registered(session, world):
    event, organiser, _buyer, sirets = world
    source = _csv(
        "siret,e-mail",
        f"{sirets[0]},",
        "1234567890123,",
        "00000000000000,",
        f"{sirets[1]},not-an-address",
        "21590350100017,",
        "21590350100017,someone@else.example",
        f"{sirets[0]},",
    )
    parsed = parse_registrations(source, session, event)
    reasons = {r.line: r.reason for r in parsed.rejected}
    assert sorted(reasons) == [3, 4, 5, 6, 7, 8]
    assert "14 digits" in reasons[3]
    assert "no enterprise of the directory" in reasons[4]
    assert "not an e-mail address" in reasons[5]
    assert "needs the e-mail" in reasons[6]
    assert "no account 'someone@else.example'" in reasons[7]
    assert "same participant as line 2" in reasons[8]

    report = load_registrations(session, parsed, event, organiser)
    assert report.created == 0 and len(report.rejected) == 6
    assert session.scalar(select(EventParticipant)) is None
    assert outbox() == []


def test_an_event_for_buyers_refuses_enterprise_rows(session, world):
    event, _organiser, _buyer, sirets = world
    event.audience = "buyers"
    parsed = parse_registrations(_csv("SIRET", sirets[0]), session, event)
    assert [r.reason for r in parsed.rejected] == ["the event is for buyers only"]


def test_an_xlsx_file_with_english_headers_is_read(session, world):
    event, organiser, _buyer, sirets = world
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(["SIRET", "Email", "Pitch"])
    sheet.append([int(sirets[0]), "", "Nettoyage"])  # a SIRET typed as a number
    data = io.BytesIO()
    workbook.save(data)
    report = organising.import_registrations(session, organiser, event, data.getvalue())
    assert report.created == 1
    assert session.scalar(select(EventParticipant.pitch)) == "Nettoyage"


@pytest.mark.parametrize(
    ("header", "words"),
    [("Nom;Courriel", "no SIRET column"), ("SIRET;Couleur", "unknown column")],
)
def test_a_file_without_the_columns_is_refused_whole(session, world, header, words):
    event, _organiser, _buyer, sirets = world
    with pytest.raises(ImportFileError, match=words):
        parse_registrations(_csv(header, f"{sirets[0]};x"), session, event)


def test_the_snapshot_enterprises_are_real(session, world):
    """The SIRETs used are rows of the real snapshot, loaded."""
    _event, _organiser, _buyer, sirets = world
    assert session.scalars(select(Enterprise.siret).where(Enterprise.siret.in_(sirets))).all()
