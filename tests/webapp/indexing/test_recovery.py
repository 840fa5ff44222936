"""An unreadable embedded index file: `search status` says so (no traceback), `search
reindex` and `search sync --repair` move it aside (kept) and build a new one from the
database; an empty index beside a directory makes /readyz not ready (a lost file, not a
quiet directory)."""

from __future__ import annotations

import pytest

from importers.enterprise_loader import load_enterprises
from search.query import SearchQuery
from tests.importers.factories import BALUCHON, parse_siae_rows
from webapp.indexing.engine import get_backend


@pytest.fixture
def unreadable_index(app, tmp_path):
    if app.config.get("MEILI_URL"):
        pytest.skip("about the embedded engine's own file (MEILI_URL is set)")
    path = tmp_path / "index.sqlite3"
    path.write_bytes(b"not a database " * 400)
    saved = app.config["SEARCH_INDEX_PATH"], app.extensions.pop("search_backend", None)
    app.config["SEARCH_INDEX_PATH"] = str(path)
    try:
        yield path
    finally:
        fresh = app.extensions.pop("search_backend", None)
        if fresh is not None and hasattr(fresh, "close"):
            fresh.close()
        app.config["SEARCH_INDEX_PATH"] = saved[0]
        if saved[1] is not None:
            app.extensions["search_backend"] = saved[1]


@pytest.mark.parametrize("command", [["reindex"], ["sync", "--repair"]])
def test_a_rebuild_moves_the_unreadable_file_aside(app, session, runner, unreadable_index, command):
    load_enterprises(session, parse_siae_rows(BALUCHON), source="t", actor="t")
    session.commit()
    status = runner.invoke(args=["search", "status"])
    assert status.exit_code != 0 and "search index unavailable" in status.output
    assert "Traceback" not in status.output

    rebuilt = runner.invoke(args=["search", *command])

    assert rebuilt.exit_code == 0, rebuilt.output
    kept = [p for p in unreadable_index.parent.iterdir() if ".unreadable-" in p.name]
    assert len(kept) == 1 and kept[0].read_bytes().startswith(b"not a database")
    assert get_backend(app).search(SearchQuery(text="baluchon")).total == 1


def test_an_empty_index_beside_a_directory_is_not_ready(app, client, session, search_backend):
    load_enterprises(session, parse_siae_rows(BALUCHON), source="t", actor="t")
    session.commit()
    response = client.get("/readyz")
    assert response.status_code == 503
    search = response.get_json()["checks"]["search"]
    assert (search["ok"], search["documents"], search["active_enterprises"]) == (False, 0, 1)
