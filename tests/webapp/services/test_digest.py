"""The opportunities digest (webapp/services/digest.py, ``flask match digest``)."""

from __future__ import annotations

from datetime import date

from sqlalchemy import select

from tests.factories import CLEANING, GREEN
from tests.webapp.matching.factories import intention_row, supplier_row
from webapp import mail
from webapp.models import EnterpriseMembership, MatchCandidate
from webapp.services import digest


def mails_to(address: str):
    return [m for m in mail.outbox() if address in m.recipients]


def test_one_digest_per_member_and_enterprise_then_nothing_new(app, session, make_user):
    first = supplier_row(session, 1, name="Propreté du Nord")
    second = supplier_row(session, 2, name="Jardins Solidaires", sectors=(GREEN,))
    both = make_user("enterprise", enterprise=first, email="both@example.org")
    session.add(EnterpriseMembership(user=both, enterprise=second))
    colleague = make_user("enterprise", enterprise=first, email="colleague@example.org")
    make_user("enterprise", enterprise=first, email="gone@example.org", is_active_account=False)
    schools = intention_row(
        session, title="Nettoyage des écoles", buyer_name="Ville de Lille", place_label="Lille (59)"
    )
    parks = intention_row(
        session,
        title="Entretien des parcs",
        sectors=(GREEN,),
        place=("departement", "59"),
        launch_date=None,
    )
    intention_row(session, title="Brouillon de ménage", status="draft")
    intention_row(session, title="Ménage à Marseille", place=("commune", "13055"))
    session.commit()

    report = digest.send_digests(session)

    assert report.refreshed == 3 and report.enterprises == 2
    assert report.mails == 3 and report.intentions == 2
    assert not mails_to("gone@example.org")
    (colleague_mail,) = mails_to(colleague.email)
    assert colleague_mail.recipients == [colleague.email]  # nobody else's address
    assert "Propreté du Nord" in colleague_mail.subject
    body = colleague_mail.body
    assert "Nettoyage des écoles" in body and "Entretien des parcs" not in body
    assert "Brouillon" not in body and "Marseille" not in body
    assert "Ville de Lille" in body and "Lille (59)" in body and "2027" in body
    assert "Vous pouvez y répondre seul." in body
    assert "L2113-12" in body  # an EA may answer a contract reserved under L2113-12
    assert f"http://localhost/intentions/{schools.id}" in body
    assert f"/espace/entreprises/{first.siret}/" in body
    both_mails = mails_to(both.email)
    assert len(both_mails) == 2  # one per enterprise
    parks_mail = next(m for m in both_mails if "Jardins Solidaires" in m.subject)
    assert "Entretien des parcs" in parks_mail.body and "non précisé" in parks_mail.body
    assert f"/intentions/{parks.id}" in parks_mail.body
    notified = session.scalars(select(MatchCandidate.notified_at)).all()
    assert notified and all(notified)

    mail.outbox().clear()
    again = digest.send_digests(session)
    assert again.mails == 0 and mail.outbox() == []


def test_only_new_intentions_are_sent_next_time(app, session, make_user):
    enterprise = supplier_row(session, 1)
    member = make_user("enterprise", enterprise=enterprise)
    intention_row(session, title="Nettoyage des écoles")
    session.commit()
    digest.send_digests(session)
    mail.outbox().clear()
    intention_row(session, title="Nettoyage de la mairie", launch_date=date(2027, 9, 1))
    session.commit()
    report = digest.send_digests(session)
    assert report.intentions == 1
    (message,) = mails_to(member.email)
    assert "Nettoyage de la mairie" in message.body
    assert "Nettoyage des écoles" not in message.body


def test_a_group_opportunity_says_so(app, session, make_user):
    cleaner = supplier_row(session, 1, kind="EA", sectors=(CLEANING,))
    supplier_row(session, 2, kind="ESAT", sectors=(GREEN,))
    member = make_user("enterprise", enterprise=cleaner)
    intention_row(session, title="Ménage et jardins", sectors=(CLEANING, GREEN))
    session.commit()
    digest.send_digests(session)
    (message,) = mails_to(member.email)
    assert "Ménage et jardins" in message.body
    assert "Vous pouvez y répondre en groupement." in message.body


def test_enterprises_without_members_keep_their_opportunities(app, session, make_user):
    enterprise = supplier_row(session, 1)
    intention_row(session)
    session.commit()
    assert digest.send_digests(session).mails == 0
    assert session.scalar(select(MatchCandidate.notified_at)) is None
    member = make_user("enterprise", enterprise=enterprise)
    assert digest.send_digests(session).mails == 1
    assert len(mails_to(member.email)) == 1


def test_match_digest_command(runner, session, make_user):
    enterprise = supplier_row(session, 1)
    member = make_user("enterprise", enterprise=enterprise)
    intention_row(session)
    session.commit()
    result = runner.invoke(args=["match", "digest"])
    assert result.exit_code == 0, result.output
    assert "1 new opportunities for 1 enterprises, 1 e-mails sent" in result.output
    assert len(mails_to(member.email)) == 1
    result = runner.invoke(args=["match", "digest"])
    assert "0 e-mails sent" in result.output and len(mails_to(member.email)) == 1
