"""Matching and storing (webapp/matching/store.py): the stored run in the API's shape,
candidates written through the driver, re-running what is stale."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from tests.factories import CLEANING, GREEN, LINEN, claim_sector
from tests.webapp.matching.factories import (
    candidates,
    intention_row,
    make_siret,
    supplier_row,
    touch,
)
from webapp.matching import facts, staleness, store
from webapp.matching.bulk import insert_many
from webapp.models import MatchCandidate, MatchRun, ZoneDivision
from webapp.models.enterprise import utcnow


def test_run_stores_the_api_shape_and_candidates(session):
    best = supplier_row(session, 1, kind="EA", name="Propreté Lilloise")
    other = supplier_row(session, 2, kind="ACI", name="Net Insertion", turnover=None)
    outsider = supplier_row(session, 3, zone=("divisions", [("departement", "13")]))
    intention = intention_row(session)
    stored = store.run(session, intention)
    session.commit()

    row = session.scalar(select(MatchRun).where(MatchRun.intention_id == intention.id))
    assert row is stored and row.result["rules_version"]
    result = row.result
    sirets = [s["siret"] for s in result["suppliers"]]
    assert sirets[:2] == [best.siret, other.siret]  # known turnover ranks first
    assert outsider.siret not in sirets  # does not serve Lille
    first = result["suppliers"][0]
    assert set(first) >= {
        "siret",
        "name",
        "kind",
        "score",
        "reasons",
        "eligible_reservations",
        "distance_km",
        "dependency",
    }
    assert first["name"] == "Propreté Lilloise" and first["kind"] == "EA"
    assert "L2113-12" in first["eligible_reservations"]
    assert first["dependency"] == pytest.approx(0.05)
    assert first["distance_km"] is not None and first["distance_km"] < 5
    assert first["reasons"] and all(isinstance(r, str) for r in first["reasons"])
    sector_reasons = [r for r in first["reasons"] if "secteur «" in r]
    assert sector_reasons and all("-" not in r.split("»")[0] for r in sector_reasons), (
        "sectors are named for people, not by slug"
    )
    assert result["suppliers"][1]["dependency"] is None  # unknown turnover: stated, kept
    for article in ("L2113-12", "L2113-13", "L2113-14", "L2113-15"):
        verdict = result["reservations"][article]
        assert set(verdict) >= {"eligible_count", "recommendation", "explanation"}
    assert result["reservations"]["L2113-12"]["eligible_count"] == 1
    assert result["reservations"]["L2113-13"]["eligible_count"] == 1
    assert result["groups"] == []  # one enterprise suffices
    assert candidates(session, intention) == {best.siret: True, other.siret: True}


def test_run_finds_a_group_when_nobody_covers_everything(session):
    cleaner = supplier_row(session, 1, kind="EA", sectors=(CLEANING,))
    gardener = supplier_row(session, 2, kind="ESAT", sectors=(GREEN,))
    intention = intention_row(session, title="Ménage et jardins", sectors=(CLEANING, GREEN))
    result = store.run(session, intention).result
    assert result["groups"], result
    group = result["groups"][0]
    assert {m["siret"] for m in group["members"]} == {cleaner.siret, gardener.siret}
    assert [m["role"] for m in group["members"]] == ["mandataire", "cotraitant"]
    assert group["reservation"] == "L2113-12"  # both members eligible: EA + ESAT
    assert set(group["covers"]) == {CLEANING, GREEN}
    # The explanation names the sectors each member brings, by name, not by slug.
    names = facts.sector_names(session)
    assert f"« {names[CLEANING]} »" in group["explanation"]
    assert f"« {names[GREEN]} »" in group["explanation"]
    assert CLEANING not in group["explanation"] and GREEN not in group["explanation"]
    assert candidates(session, intention) == {cleaner.siret: False, gardener.siret: False}

    # Once one enterprise covers both, it answers alone and no group is proposed.
    both = supplier_row(session, 3, kind="EA", sectors=(CLEANING, GREEN))
    result = store.run(session, intention).result
    assert result["groups"] == []
    assert candidates(session, intention) == {both.siret: True}
    assert session.scalar(select(MatchRun.id).where(MatchRun.intention_id == intention.id))
    assert len(session.scalars(select(MatchRun)).all()) == 1  # replaced, not added


def test_run_keeps_the_notification_date_of_known_candidates(session):
    enterprise = supplier_row(session, 1)
    intention = intention_row(session)
    before = utcnow()
    store.run(session, intention)
    row = session.scalar(select(MatchCandidate))
    # Written through the driver (insert_many): read back as the ORM writes it.
    assert (
        session.scalar(
            select(func.count())
            .select_from(MatchCandidate)
            .where(MatchCandidate.created_at >= before, MatchCandidate.created_at <= utcnow())
        )
        == 1
    )
    assert row.alone is True and row.created_at.replace(tzinfo=None) >= before.replace(tzinfo=None)
    raw = session.connection().exec_driver_sql("SELECT created_at FROM match_candidate")
    written_by_orm = session.connection().exec_driver_sql(
        "SELECT created_at FROM purchase_intention"
    )
    raw, written_by_orm = raw.scalar(), written_by_orm.scalar()
    assert type(raw) is type(written_by_orm)  # text on SQLite, a timestamp on PostgreSQL
    if isinstance(raw, str):
        assert len(raw) == len(written_by_orm) and ("+" in raw) == ("+" in written_by_orm)
    row.notified_at = utcnow()
    score, reservations = row.score, row.reservations
    enterprise.capacity.turnover_eur = None  # capacity unknown now: a lower score
    touch(enterprise)
    session.commit()
    store.run(session, intention)
    session.commit()
    session.expire_all()
    again = session.scalar(select(MatchCandidate))
    assert again.enterprise_id == enterprise.id and again.notified_at is not None
    assert again.score < score and again.reservations == reservations


def test_run_all_matches_published_intentions_only(session):
    supplier_row(session, 1)
    published = intention_row(session)
    draft = intention_row(session, title="Brouillon", status="draft")
    assert store.run_all(session) == 1
    session.commit()
    runs = {r.intention_id for r in session.scalars(select(MatchRun))}
    assert runs == {published.id} and draft.id not in runs


def test_refresh_stale_reruns_only_what_changed(session):
    supplier_row(session, 1)
    intention = intention_row(session)
    assert staleness.stale_intention_ids(session) == [intention.id]  # never matched
    assert store.refresh_stale(session) == 1
    session.commit()
    assert staleness.stale_intention_ids(session) == []
    assert store.refresh_stale(session) == 0
    intention.title = "Nettoyage des écoles et crèches"  # the intention changed
    session.commit()
    assert staleness.stale_intention_ids(session) == [intention.id]


def test_widening_a_zone_or_adding_a_sector_makes_an_enterprise_a_candidate(session):
    supplier_row(session, 1)
    far = supplier_row(session, 2, zone=("divisions", [("departement", "62")]))
    unrelated = supplier_row(session, 3, sectors=(LINEN,))
    intention = intention_row(session)
    store.refresh_stale(session)
    session.commit()
    assert set(candidates(session, intention)) == {make_siret(1)}

    far.zone.divisions.append(ZoneDivision(division_type="departement", code="59"))
    touch(far)
    claim_sector(session, unrelated, CLEANING, "confirmed", "declared", 1.0)
    touch(unrelated)
    session.commit()
    assert store.refresh_stale(session) == 1
    session.commit()
    assert set(candidates(session, intention)) == {make_siret(1), far.siret, unrelated.siret}


def test_a_closed_enterprise_stops_being_a_candidate(session):
    kept = supplier_row(session, 1)
    closing = supplier_row(session, 2)
    intention = intention_row(session)
    store.refresh_stale(session)
    session.commit()
    assert set(candidates(session, intention)) == {kept.siret, closing.siret}
    closing.status = "closed"  # updated_at moves on its own
    session.commit()
    assert store.refresh_stale(session) == 1
    session.commit()
    assert set(candidates(session, intention)) == {kept.siret}


def test_a_conflicting_row_written_through_the_driver_is_an_integrity_error(session):
    """Candidates are written through the driver (COPY on PostgreSQL, executemany on
    SQLite): a row that already exists (two writers storing one intention at once) must
    surface as SQLAlchemy's IntegrityError, as an ORM insert would, whichever the driver."""
    from sqlalchemy.exc import IntegrityError

    enterprise = supplier_row(session, 1)
    intention = intention_row(session)
    store.run(session, intention)
    session.flush()
    row = (intention.id, enterprise.id, 1.0, True, "", utcnow())
    columns = ("intention_id", "enterprise_id", "score", "alone", "reservations", "created_at")
    with pytest.raises(IntegrityError):
        insert_many(session, MatchCandidate.__table__, columns, [row])
