"""The outbox keeps the index in line with the database, and survives an engine outage."""

from __future__ import annotations

from sqlalchemy import func, select

from importers.enterprise_loader import load_enterprises
from search.query import SearchQuery
from tests.importers.factories import BALUCHON, SIAE_HEADER, parse_siae_rows
from webapp.indexing.sync import reindex, sync_outbox
from webapp.models import Enterprise, SearchOutbox

COLLECTERIE = BALUCHON.replace("80746931700018", "75187049400026").replace(
    "BALUCHON A TABLE CITOYENS,Baluchon-À table citoyens", "LA COLLECTERIE,La Collecterie"
)


class RecordingBackend:
    """Stands in for an engine to test the outbox logic (not any engine's behaviour)."""

    name = "recording"

    def __init__(self, fail: bool = False):
        self.documents: dict[int, dict] = {}
        self.fail = fail

    def upsert(self, documents):
        if self.fail:
            raise ConnectionError("engine down")
        self.documents.update({d["id"]: d for d in documents})

    def delete(self, ids):
        for id_ in ids:
            self.documents.pop(id_, None)

    def rebuild(self, documents):
        self.documents = {d["id"]: d for d in documents}
        return len(self.documents)

    def count(self):
        return len(self.documents)


def load(session, *rows):
    return load_enterprises(session, parse_siae_rows(*rows), source="test", actor="test")


def pending(session) -> int:
    return session.scalar(select(func.count()).select_from(SearchOutbox))


def test_every_created_or_changed_enterprise_goes_through_the_outbox(session):
    load(session, BALUCHON, COLLECTERIE)
    assert pending(session) == 2
    backend = RecordingBackend()
    report = sync_outbox(session, backend)
    assert (report.indexed, report.failed, pending(session)) == (2, 0, 0)
    assert {d["siret"] for d in backend.documents.values()} == {"80746931700018", "75187049400026"}

    load(session, BALUCHON, COLLECTERIE)  # unchanged: nothing to send
    assert pending(session) == 0
    load(session, BALUCHON.replace("Rue Madeleine Odru", "2 Rue Madeleine Odru"))
    assert pending(session) == 1


def test_an_engine_outage_loses_nothing(session):
    load(session, BALUCHON)
    down = RecordingBackend(fail=True)
    report = sync_outbox(session, down)
    assert (report.indexed, report.failed) == (0, 1)
    assert "engine down" in report.error
    row = session.scalars(select(SearchOutbox)).one()
    assert (row.attempts, row.last_error) == (1, "engine down")

    up = RecordingBackend()
    assert sync_outbox(session, up).indexed == 1
    assert pending(session) == 0 and up.count() == 1


def test_a_closed_enterprise_leaves_the_index(session):
    load(session, BALUCHON)
    backend = RecordingBackend()
    sync_outbox(session, backend)
    enterprise = session.scalar(select(Enterprise))
    enterprise.status = "closed"
    session.add(SearchOutbox(enterprise_id=enterprise.id))
    session.commit()
    report = sync_outbox(session, backend)
    assert (report.deleted, backend.count()) == (1, 0)


def test_reindex_rebuilds_from_the_database_and_clears_the_outbox(session):
    load(session, BALUCHON, COLLECTERIE)
    backend = RecordingBackend()
    assert reindex(session, backend) == 2
    assert pending(session) == 0 and backend.count() == 2


def test_import_command_indexes_and_search_commands_report(runner, tmp_path, app):
    from webapp.indexing.engine import get_backend

    path = tmp_path / "siae.csv"
    path.write_text(SIAE_HEADER + BALUCHON + COLLECTERIE)
    result = runner.invoke(args=["import", "siae", str(path)])
    assert result.exit_code == 0, result.output
    assert "2 indexed" in result.output
    assert get_backend(app).count() == 2

    status = runner.invoke(args=["search", "status"])
    assert "indexed: 2" in status.output and "pending changes: 0" in status.output
    rebuilt = runner.invoke(args=["search", "reindex"])
    assert "2 enterprises indexed" in rebuilt.output

    some_id = get_backend(app).search(SearchQuery()).hits[0].id
    get_backend(app).delete([some_id])  # the index lost a document (e.g. restored backup)
    repaired = runner.invoke(args=["search", "sync", "--repair"])
    assert "rebuilding" in repaired.output and get_backend(app).count() == 2


def test_a_change_made_during_a_rebuild_is_queued_again(session):
    load(session, BALUCHON, COLLECTERIE)
    baluchon = session.scalar(select(Enterprise).where(Enterprise.siret == "80746931700018"))

    class ChangingDuringRebuild(RecordingBackend):
        def rebuild(self, documents):
            count = super().rebuild(documents)
            # Meanwhile a write lands and a drain sends it to the index being replaced.
            load(session, BALUCHON.replace("Rue Madeleine Odru", "3 Rue Madeleine Odru"))
            sync_outbox(session, self)
            return count

    reindex(session, ChangingDuringRebuild())
    queued = session.scalars(select(SearchOutbox.enterprise_id)).all()
    assert queued == [baluchon.id]
