"""The enterprise dashboard's list of the intentions it can answer."""

from __future__ import annotations

from tests.factories import LINEN, claim_sector, sign_in
from tests.webapp.matching.factories import intention_row, supplier_row, touch


def test_the_dashboard_lists_the_intentions_the_enterprise_can_answer(client, session, make_user):
    enterprise = supplier_row(session, 1)
    other = supplier_row(session, 2, sectors=(LINEN,))
    member = make_user("enterprise", enterprise=enterprise)
    schools = intention_row(session, title="Nettoyage des écoles", buyer_name="Ville de Lille")
    intention_row(session, title="Pressing des uniformes", sectors=(LINEN,))
    intention_row(session, title="Ménage clos", status="closed")
    session.commit()
    sign_in(client, member)
    response = client.get(f"/espace/entreprises/{enterprise.siret}/")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert "Intentions d'achat accessibles" in html
    assert "Nettoyage des écoles" in html and "Ville de Lille" in html
    assert "Lille (59)" in html
    assert f'href="/intentions/{schools.id}"' in html or f"/intentions/{schools.id}" in html
    assert "Seule" in html and "L2113-12" in html
    assert "Pressing des uniformes" not in html and "Ménage clos" not in html

    # An edit to the profile shows at once: the enterprise now does linen too.
    claim_sector(session, enterprise, LINEN, "confirmed", "declared", 1.0)
    touch(enterprise)
    session.commit()
    html = client.get(f"/espace/entreprises/{enterprise.siret}/").get_data(as_text=True)
    assert "Pressing des uniformes" in html
    assert other.siret not in html


def test_the_dashboard_says_when_nothing_matches(client, session, make_user):
    enterprise = supplier_row(session, 1, sectors=(LINEN,))
    member = make_user("enterprise", enterprise=enterprise)
    intention_row(session)
    session.commit()
    sign_in(client, member)
    html = client.get(f"/espace/entreprises/{enterprise.siret}/").get_data(as_text=True)
    assert "Aucune intention d'achat publiée ne correspond" in html
    assert "Nettoyage des écoles" not in html


def test_another_enterprise_dashboard_is_refused(client, session, make_user):
    mine = supplier_row(session, 1)
    theirs = supplier_row(session, 2)
    member = make_user("enterprise", enterprise=mine)
    session.commit()
    sign_in(client, member)
    assert client.get(f"/espace/entreprises/{theirs.siret}/").status_code == 403
