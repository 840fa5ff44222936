"""The organisers' pages: the event form (French dates, a commune by name, field errors
as 400), CSRF, publishing, the participants' table and decisions, a member registered,
the file import and the invitations."""

from __future__ import annotations

import io

import pytest
from sqlalchemy import select

from tests.factories import csrf_token, make_enterprise, sign_in
from tests.webapp.events.factories import buyer_participant, enterprise_participant, make_event
from webapp.mail import outbox
from webapp.models import Event, EventParticipant, Network


@pytest.fixture
def network(session):
    return session.scalar(select(Network).order_by(Network.id))


@pytest.fixture
def organiser(client, make_user, network):
    user = make_user("facilitator", network=network)
    sign_in(client, user)
    return user


def post_form(client, path, data=None):
    """POST ``data`` with a CSRF token read on a page every organiser can open."""
    token = csrf_token(client, "/evenements/")
    return client.post(path, data={"csrf_token": token, **(data or {})})


def _form(client, path, **fields):
    data = {
        "csrf_token": csrf_token(client, path),
        "title": "Rencontres acheteurs – fournisseurs de Lille",
        "kind": "meetings",
        "description": "Une matinée de rendez-vous.",
        "starts_on": "18/03/2027",
        "ends_on": "",
        "commune": "lille",
        "address": "Hôtel de Région",
        "online_url": "",
        "registration_opens_on": "01/02/2027",
        "registration_closes_on": "2027-03-10",
        "audience": "both",
        "meetings_start": "09:00",
        "meetings_end": "12:00",
        "slot_minutes": "20",
        "breaks": "10:20-10:40",
        "table_count": "4",
        "table_names": "",
        "buyer_cap": "12",
        "enterprise_cap": "6",
        "registration_mode": "approval",
        "request_mode": "approval",
        "request_expiry_days": "7",
        "co_network": "",
    }
    data.update(fields)
    return data


def test_an_organiser_creates_an_event_from_the_form(client, session, organiser, network):
    path = f"/evenements/reseau/{network.slug}/nouveau"
    assert client.get(path).status_code == 200
    response = client.post(path, data=_form(client, path))
    assert response.status_code == 302, response.get_data(as_text=True)[:2000]
    event = session.scalar(select(Event))
    assert (event.commune_code, event.starts_on.isoformat(), event.status) == (
        "59350",
        "2027-03-18",
        "draft",
    )
    assert event.registration_closes_on.isoformat() == "2027-03-10"
    assert len(event.slots) == 8 and len(event.tables) == 4
    listing = client.get(f"/evenements/reseau/{network.slug}").get_data(as_text=True)
    assert event.title in listing and "Brouillon" in listing


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"commune": "Paname-sur-Mer"}, "Commune inconnue"),
        ({"commune": "Saint-Denis"}, "Plusieurs communes portent ce nom"),
        ({"online_url": "javascript:alert(1)"}, "http:// ou https://"),
        ({"breaks": "midi"}, "Pause illisible"),
        ({"starts_on": "31/02/2027"}, "est pas une date valide"),
        ({"slot_minutes": "25"}, "est pas un choix valide"),
        ({"meetings_end": "08:00"}, "La fin des rendez-vous précède leur début"),
        ({"title": ""}, "Ce champ est requis"),
    ],
)
def test_a_bad_value_is_a_400_with_the_field_s_message(
    client, session, organiser, network, fields, message
):
    path = f"/evenements/reseau/{network.slug}/nouveau"
    response = client.post(path, data=_form(client, path, **fields))
    assert response.status_code == 400
    assert message in response.get_data(as_text=True)
    assert session.scalar(select(Event)) is None


def test_a_commune_with_its_departement_is_found(client, session, organiser, network):
    path = f"/evenements/reseau/{network.slug}/nouveau"
    response = client.post(path, data=_form(client, path, commune="saint-denis (93)"))
    assert response.status_code == 302
    assert session.scalar(select(Event.commune_code)) == "93066"


def test_a_form_without_csrf_is_refused(client, session, organiser, network):
    path = f"/evenements/reseau/{network.slug}/nouveau"
    data = _form(client, path)
    del data["csrf_token"]
    assert client.post(path, data=data).status_code == 400
    event = make_event(session, network, status="draft")
    session.commit()
    assert client.post(f"/evenements/{event.id}/publier").status_code == 400
    assert event.status == "draft"


def test_editing_shows_the_event_and_publishing_opens_it(client, session, organiser, network):
    event = make_event(session, network, status="draft")
    session.commit()
    page = client.get(f"/evenements/{event.id}/modifier").get_data(as_text=True)
    assert "Lille (59)" in page and "Table 2" in page
    assert 'value="2027-03-18"' in page and 'value="09:00"' in page
    path = f"/evenements/{event.id}/modifier"
    data = _form(client, path, meetings_end="10:20", breaks="", table_count="2")
    assert client.post(path, data=data).status_code == 302
    assert len(event.slots) == 4
    assert post_form(client, f"/evenements/{event.id}/publier").status_code == 302
    assert event.status == "published"


def test_another_network_s_facilitator_is_refused(client, session, make_user, network):
    other = session.scalars(select(Network).order_by(Network.id)).all()[1]
    event = make_event(session, network, status="draft")
    sign_in(client, make_user("facilitator", network=other))
    assert client.get(f"/evenements/{event.id}/modifier").status_code == 403
    assert client.get(f"/evenements/{event.id}/participants").status_code == 403
    assert client.get(f"/evenements/reseau/{network.slug}").status_code == 403
    assert post_form(client, f"/evenements/{event.id}/cloturer").status_code == 403


def test_the_participants_table_filters_and_decides(client, session, organiser, network, make_user):
    event = make_event(session, network)
    buyer = make_user("buyer")
    pending = buyer_participant(session, event, buyer, status="pending", pitch="Espaces verts")
    enterprise_participant(session, event, make_enterprise(session, name="Menuiserie"))
    session.commit()
    page = client.get(f"/evenements/{event.id}/participants?status=pending")
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    assert "Espaces verts" in html and "Menuiserie" not in html
    assert client.get(f"/evenements/{event.id}/participants?status=nope").status_code == 400

    path = f"/evenements/{event.id}/participants/{pending.id}/decision"
    assert post_form(client, path, {"decision": "maybe"}).status_code == 400
    assert post_form(client, path, {"decision": "accept"}).status_code == 302
    assert pending.status == "accepted"
    assert [m.recipients for m in outbox()] == [[buyer.email]]


def test_an_organiser_registers_a_member_by_siret(client, session, organiser, network, make_user):
    event = make_event(session, network)
    member = make_enterprise(session, "41234567000019", name="Menuiserie solidaire")
    member.networks.append(network)
    stranger = make_enterprise(session, "51234567900017")
    session.commit()
    path = f"/evenements/{event.id}/participants/membre"
    refused = post_form(client, path, {"siret": stranger.siret})
    assert refused.status_code == 400
    assert "Aucune entreprise membre" in refused.get_data(as_text=True)
    done = post_form(client, path, {"siret": member.siret, "contact_email": "Contact@Example.org"})
    assert done.status_code == 302
    participant = session.scalar(select(EventParticipant))
    assert (participant.enterprise, participant.status, participant.contact_email) == (
        member,
        "accepted",
        "contact@example.org",
    )
    assert [m.recipients for m in outbox()] == [["contact@example.org"]]
    again = post_form(client, path, {"enterprise": str(member.id)})
    assert again.status_code == 400


def test_the_import_page_reports_and_registers(client, session, organiser, network):
    event = make_event(session, network)
    make_enterprise(session, "41234567000019", name="Menuiserie solidaire")
    session.commit()
    path = f"/evenements/{event.id}/participants/import"
    assert client.get(path).status_code == 200
    good = "SIRET;Courriel;Présentation\n41234567000019;;Bois et menuiserie\n".encode()
    data = {"csrf_token": csrf_token(client, path), "file": (io.BytesIO(good), "inscrits.csv")}
    response = client.post(path, data=data, content_type="multipart/form-data")
    assert response.status_code == 200
    assert "Inscrits : 1" in response.get_data(as_text=True)
    bad = b"SIRET\n00000000000000\n"
    data = {"csrf_token": csrf_token(client, path), "file": (io.BytesIO(bad), "inscrits.csv")}
    response = client.post(path, data=data, content_type="multipart/form-data")
    assert response.status_code == 400
    assert "no enterprise of the directory" in response.get_data(as_text=True)


def test_the_invitations_page_sends_once(client, session, organiser, network, make_user):
    event = make_event(session, network)
    member = make_enterprise(session, "41234567000019", name="Menuiserie solidaire")
    member.networks.append(network)
    make_user("enterprise", enterprise=member)
    session.commit()
    path = f"/evenements/{event.id}/invitations"
    assert "Menuiserie solidaire" in client.get(path).get_data(as_text=True)
    assert "Invitées : 1" in post_form(client, path).get_data(as_text=True)
    second = post_form(client, path).get_data(as_text=True)
    assert "Invitées : 0" in second and "Déjà invitées : 1" in second
    assert len(outbox()) == 1
