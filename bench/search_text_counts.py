"""Hit counts of the buyer queries of issue #10 (item 4) on the real SIAE snapshot.

    .venv/bin/python bench/search_text_counts.py [--meili-url URL --meili-key KEY]

Loads the snapshot (``data/demo/siae_snapshot.csv.gz``) into a temporary SQLite database
as the search benchmark does, indexes it with the embedded engine (and, with
``--meili-url``, a Meilisearch server in a throw-away index), then prints for each query
its total, how many hits match every word, and the first hits with the words they
matched. Counts, not latencies: ``bench/search_bench.py`` measures speed.
"""

from __future__ import annotations

import argparse
import dataclasses
import sys
import tempfile
import uuid
from pathlib import Path

from import_bench import SNAPSHOT, fresh_app, reset_database
from werkzeug.datastructures import MultiDict

from importers.enterprise_lists import parse_siae
from importers.enterprise_loader import load_enterprises
from importers.reference import load_reference
from search.embedded import EmbeddedBackend
from search.query import parse_query
from webapp.extensions import db
from webapp.indexing.places import DatabasePlaces
from webapp.indexing.sync import iter_documents

QUERIES: tuple[tuple[tuple[str, str], ...], ...] = (
    (("q", "peinture en bâtiment"), ("serves", "departement:59")),
    (("q", "maçonnerie"), ("serves", "departement:59")),
    (("q", "intérim"), ("near", "commune:75056"), ("radius_km", "20")),
    (("q", "restauration"),),
    (("q", "recyclage"),),
)


def describe(arguments: tuple[tuple[str, str], ...]) -> str:
    return " ".join(f"{k}={v!r}" if k == "q" else f"{k}={v}" for k, v in arguments)


def report(name: str, backend, queries, documents: dict[int, dict]) -> None:
    print(f"=== {name} ===")
    for arguments, query in queries:
        result = backend.search(dataclasses.replace(query, per_page=100, facets=()))
        print(f"{describe(arguments)}: {result.total} hits")
        for hit in result.hits[:8]:
            text = next((r.detail for r in hit.reasons if r.code == "text"), "")
            document = documents[hit.id]
            print(
                f"    {hit.kind:5} {hit.name[:38]:38} | {text[:40]:40} | "
                f"{', '.join(document['sector_names'])[:50]}"
            )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--meili-url")
    parser.add_argument("--meili-key")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as directory:
        app = fresh_app(f"sqlite:///{Path(directory) / 'counts.sqlite3'}")
        app.config["MEILI_URL"] = None
        with app.app_context():
            reset_database(app)
            load_reference(db.session)
            load_enterprises(db.session, parse_siae(SNAPSHOT), source="bench", actor="bench")
            db.session.commit()
            documents = list(iter_documents(db.session))
            places = DatabasePlaces(db.session)
            queries = [(a, parse_query(MultiDict(list(a)), places)) for a in QUERIES]
        by_id = {d["id"]: d for d in documents}
        print(f"{len(documents):,} documents of {SNAPSHOT.name}", file=sys.stderr)
        embedded = EmbeddedBackend(":memory:")
        embedded.rebuild(documents)
        report("embedded", embedded, queries, by_id)
        if args.meili_url:
            from search.meili import MeiliBackend

            meili = MeiliBackend(args.meili_url, args.meili_key, index=f"counts_{uuid.uuid4().hex}")
            try:
                meili.rebuild(documents)
                report("meilisearch", meili, queries, by_id)
            finally:
                meili.client.delete_index(meili.index_uid)


if __name__ == "__main__":
    main()
