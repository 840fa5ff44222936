"""The one write path of purchase intentions (webapp/intentions/services.py): its rules
hold for every writer — the pages, the API, the template import, the DECP import — and
external ids are unique per organisation on the buyers' own sources, per source on files."""

from __future__ import annotations

import pytest
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from importers.intentions import load_intentions, parse_intentions
from tests.factories import (
    API_INTENTIONS,
    CLEANING,
    NEW_INTENTION,
    intention,
    intention_body,
    intention_form,
    organisation_of,
    sector,
    sign_in,
    token_for,
)
from webapp.intentions import services
from webapp.models import MatchRun, PurchaseIntention
from webapp.models.intentions import TITLE_MAX


def data(**fields) -> services.IntentionData:
    values = {"title": "Entretien des écoles", "place_kind": "commune", "place_code": "59350"}
    values.update(fields)
    return services.IntentionData(**values)


def test_every_writer_meets_the_same_title_limit(client, session, make_user, tmp_path):
    too_long = "x" * (TITLE_MAX + 1)
    buyer = make_user("buyer")
    organisation = organisation_of(buyer)
    assert services.problems(data(title="x" * TITLE_MAX), services.Buyer.of(organisation)) == {}
    with pytest.raises(services.IntentionInvalid) as refused:
        services.create_intention(
            session, data(title=too_long), services.Buyer.of(organisation), source="web"
        )
    assert refused.value.errors == {"title": f"at most {TITLE_MAX} characters"}

    response = client.post(
        API_INTENTIONS, json=intention_body(title=too_long), headers=token_for(session, buyer)
    )
    assert response.status_code == 400 and "title" in response.get_json()["fields"]

    sign_in(client, buyer)
    page = client.post(NEW_INTENTION, data=intention_form(client, NEW_INTENTION, title=too_long))
    assert page.status_code == 400

    path = tmp_path / "intentions.csv"
    path.write_text(
        "titre;lieu;acheteur_nom;duree_mois;lot_numero;lot_titre\n"
        f"{too_long};insee:59350;Ville de Lille;;;\n"
        "Nettoyage;insee:59350;Ville de Lille;601;;\n"
        f"Espaces verts;insee:59350;Ville de Lille;;1000;Tonte\n",
        encoding="utf-8",
    )
    parsed = parse_intentions(path, session)
    reasons = {r.line: r.reason for r in parsed.rejected}
    assert reasons == {
        2: f"titre: at most {TITLE_MAX} characters",
        3: "duree_mois: expected a whole number from 1 to 600",
        4: "lot_numero: expected a whole number from 1 to 999",
    }
    assert session.scalar(select(PurchaseIntention)) is None  # nothing written by anyone


def test_external_ids_are_unique_per_organisation_on_the_api(client, session, make_user):
    first, second = make_user("buyer"), make_user("buyer")
    answer = client.post(API_INTENTIONS, json=intention_body(), headers=token_for(session, first))
    assert answer.status_code == 201
    again = client.post(API_INTENTIONS, json=intention_body(), headers=token_for(session, first))
    assert again.status_code == 409 and again.get_json()["fields"] == {
        "external_id": "already used"
    }
    # Another buyer's own reference may be the same: accepted, and nothing told of the first.
    other = client.post(API_INTENTIONS, json=intention_body(), headers=token_for(session, second))
    assert other.status_code == 201
    rows = session.scalars(
        select(PurchaseIntention).where(PurchaseIntention.external_id == "ACH-2027-001")
    ).all()
    assert {row.buyer_organisation_id for row in rows} == {
        organisation_of(first).id,
        organisation_of(second).id,
    }


def test_the_database_keeps_the_external_id_rule_too(session, make_user):
    organisation = organisation_of(make_user("buyer"))
    for source in ("api", "import"):
        intention(session, organisation, source=source, external_id="X1")
    with pytest.raises(IntegrityError), session.begin_nested():
        intention(session, organisation, source="api", external_id="X1")
    # A file source: unique whatever the organisation.
    with pytest.raises(IntegrityError), session.begin_nested():
        intention(session, None, source="import", external_id="X1")
    intention(session, organisation_of(make_user("buyer")), source="api", external_id="X1")


def test_a_page_edit_keeps_the_external_id_an_api_client_gave(client, session, make_user):
    buyer = make_user("buyer")
    created = client.post(
        API_INTENTIONS, json=intention_body(), headers=token_for(session, buyer)
    ).get_json()
    sign_in(client, buyer)
    path = f"/intentions/{created['id']}/modifier"
    response = client.post(path, data=intention_form(client, path, title="Nettoyage des écoles"))
    assert response.status_code == 302
    row = session.get(PurchaseIntention, created["id"])
    session.refresh(row)
    assert (row.title, row.source, row.external_id) == (
        "Nettoyage des écoles",
        "api",
        "ACH-2027-001",
    )


def test_an_update_writes_lots_in_place_and_the_match_with_it(session, make_user):
    organisation = organisation_of(make_user("buyer"))
    buyer = services.Buyer.of(organisation)
    cleaning = sector(session, CLEANING)
    lots = [services.LotData("Locaux", 1000, [cleaning]), services.LotData("Vitres", None, [])]
    row = services.create_intention(session, data(lots=lots), buyer, source="web")
    first_lot = row.lots[0].id
    stamp = row.updated_at
    services.update_intention(
        session, row, data(lots=[services.LotData("Locaux", 2000, [cleaning])]), buyer
    )
    assert [(lot.id, lot.number, lot.amount) for lot in row.lots] == [(first_lot, 1, 2000)]
    assert row.updated_at > stamp
    stored = session.scalar(select(MatchRun).where(MatchRun.intention_id == row.id))
    assert stored.computed_at >= row.updated_at  # matched in the write's transaction


def test_imports_may_not_write_as_the_buyers_sources(session, tmp_path):
    path = tmp_path / "intentions.csv"
    path.write_text("titre;lieu;acheteur_nom\nNettoyage;insee:59350;Ville\n", encoding="utf-8")
    parsed = parse_intentions(path, session)
    assert len(parsed.records) == 1
    for source in services.BUYER_SOURCES:
        with pytest.raises(ValueError, match="buyers' own"):
            load_intentions(session, parsed, source=source, match=False)
    assert session.scalar(select(PurchaseIntention)) is None


def test_an_external_id_taken_meanwhile_is_refused_not_a_crash(session, make_user, monkeypatch):
    # Two writers check the same external id at once: both find it free, the first
    # inserts, and the database's unique index refuses the second.
    organisation = organisation_of(make_user("buyer"))
    buyer = services.Buyer.of(organisation)
    services.create_intention(session, data(external_id="ACH-1"), buyer, source="api")
    real_check, checks = services._external_id_taken, []

    def checked_before_the_other_wrote(*args) -> bool:
        checks.append(args)
        return len(checks) > 1 and real_check(*args)  # the first check saw it free

    monkeypatch.setattr(services, "_external_id_taken", checked_before_the_other_wrote)
    with pytest.raises(services.ExternalIdTaken):
        services.create_intention(session, data(external_id="ACH-1"), buyer, source="api")
    assert session.scalars(select(PurchaseIntention.external_id)).all() == ["ACH-1"]
