"""The supplier pool the application keeps in memory (webapp/matching/pool.py): read
again only where the directory changed, owned by each application, cleared on demand."""

from __future__ import annotations

from flask import Flask

from tests.factories import GREEN
from tests.webapp.matching.factories import (
    candidates,
    intention_row,
    make_siret,
    pooled,
    supplier_row,
    touch,
    won,
)
from webapp import matching
from webapp.matching import facts, store
from webapp.matching.pool import current_pool, supplier_pool
from webapp.models.enterprise import utcnow


def test_the_pool_in_memory_reads_again_only_what_changed(session):
    from webapp.models import Enterprise

    kept = supplier_row(session, 1)
    edited = supplier_row(session, 2)
    deleted = supplier_row(session, 3)
    session.commit()
    first = {s.siret: s for s in current_pool(session).suppliers()}
    assert current_pool(session) is current_pool(session)  # nothing changed

    edited.capacity.turnover_eur = 9_000_000
    touch(edited)
    added = supplier_row(session, 4, sectors=(GREEN,))
    session.delete(session.get(Enterprise, deleted.id))
    session.commit()
    second = {s.siret: s for s in current_pool(session).suppliers()}
    assert set(second) == {kept.siret, edited.siret, added.siret}
    assert second[kept.siret] is first[kept.siret]  # not read again
    assert second[edited.siret].turnover == 9_000_000
    assert [c.sector for c in second[added.siret].sectors] == [GREEN]

    won(session, kept, "k1", 1_000)
    session.commit()
    third = {s.siret: s for s in current_pool(session).suppliers()}
    assert len(third[kept.siret].awards) == 1  # the track record changed: all read again
    assert set(third) == set(second)


def test_an_enterprise_committed_after_a_higher_id_is_added(session):
    """On PostgreSQL ids are taken at insert, not at commit: a lower id may appear after
    a higher one was read."""
    first = supplier_row(session, 1)
    session.commit()
    stamped_early = utcnow()
    supplier_row(session, 3, id=first.id + 10)
    session.commit()
    assert set(pooled(session)) == {make_siret(1), make_siret(3)}
    supplier_row(session, 2, sectors=(GREEN,), id=first.id + 5, updated_at=stamped_early)
    session.commit()
    assert set(pooled(session)) == {make_siret(1), make_siret(2), make_siret(3)}


def test_a_deleted_enterprise_leaves_the_pool_whatever_else_changed(session):
    """A deletion and a creation between two reads leave the count unchanged: the pool
    still follows, and storing a match never points to a deleted enterprise."""
    from webapp.models import Enterprise

    kept = supplier_row(session, 1)
    gone = supplier_row(session, 2)
    intention = intention_row(session)
    session.commit()
    assert set(pooled(session)) == {kept.siret, gone.siret}
    session.delete(session.get(Enterprise, gone.id))  # a merge removes the duplicate
    supplier_row(session, 3)
    session.commit()
    assert set(pooled(session)) == {kept.siret, make_siret(3)}
    store.run(session, intention)
    session.commit()
    assert set(candidates(session, intention)) == {kept.siret, make_siret(3)}


def test_a_closed_enterprise_reopened_comes_back(session):
    enterprise = supplier_row(session, 1)
    session.commit()
    assert set(pooled(session)) == {enterprise.siret}
    enterprise.status = "closed"
    session.commit()
    assert pooled(session) == {}
    enterprise.status = "active"
    enterprise.capacity.turnover_eur = 3_000_000
    session.commit()
    assert pooled(session)[enterprise.siret].turnover == 3_000_000


def test_each_application_keeps_its_own_pool(app, session):
    """What the matcher keeps in memory belongs to the application (``app.extensions``),
    not to the process: another application reading the same database reads its own
    table and places, and leaves this one's alone."""
    supplier_row(session, 1)
    session.commit()
    mine = current_pool(session)
    nord = facts.place_of(session, "departement", "59")
    other = Flask("other")
    matching.init_app(other)
    with other.app_context():
        theirs = current_pool(session)
        assert theirs is not mine and current_pool(session) is theirs
        assert facts.place_of(session, "departement", "59") is not nord
    assert supplier_pool(other) is not supplier_pool(app)
    assert [s.siret for s in theirs.suppliers()] == [s.siret for s in mine.suppliers()]
    assert current_pool(session) is mine and facts.place_of(session, "departement", "59") is nord


def test_a_cleared_pool_reads_the_directory_again(app, session):
    """``clear`` forgets the table even though nothing changed (what each test does first:
    its database state is its own)."""
    supplier_row(session, 1)
    session.commit()
    first = current_pool(session)
    assert current_pool(session) is first
    supplier_pool(app).clear()
    again = current_pool(session)
    assert again is not first
    assert [s.siret for s in again.suppliers()] == [make_siret(1)]
