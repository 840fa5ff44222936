"""One measurement of the matcher's answers on real data, run by ``bench/quality_bench.py``
in a source tree (this one, or an earlier commit checked out beside it) as a subprocess.

    python bench/quality_worker.py --decp FILE --esat FILE --out ranks.json

In a temporary SQLite database: the reference data, the real SIAE snapshot and the real
ESAT of FINESS (through ``importers.esat`` where the tree has it, else the generic list
import the earlier trees have), the DECP file imported as forecast intentions only (no
track record: the winners are not told), every intention matched. For each contract won
by an enterprise of the directory (holder SIRET), the rank of the winner in the matcher's
ranking, and — in this tree only — the proximity baseline's rank: every structure of a
fitting kind whose base lies within 30 km of the place, nearest first.

Only APIs present in every tree measured are used, or guarded.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import sys
import tempfile
from datetime import date
from pathlib import Path

ROOT = Path.cwd()
# The tree measured is the working directory's, not the one the virtualenv was installed
# from in editable mode: its import hook (which goes before sys.path) is taken out.
sys.meta_path = [f for f in sys.meta_path if "_Editable" not in getattr(f, "__name__", "")]
sys.path_hooks = [h for h in sys.path_hooks if "_Editable" not in getattr(h, "__name__", "")]
sys.path.insert(0, str(ROOT))

BASELINE_KM = 30.0
# Kinds a buyer would list for a purchase: insertion and disability employers (the
# winners measured are SIAE and ESAT); staff provision is bought from AI, ETTI, GEIQ.
FITTING_KINDS = frozenset({"EI", "ETTI", "AI", "ACI", "EITI", "GEIQ", "EA", "EATT", "ESAT"})


def log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def load_esat(session, path: Path) -> int:
    from importers.enterprise_loader import load_enterprises

    try:
        from importers.esat import parse_esat  # this tree's own importer
    except ImportError:
        parse_esat = None
    if parse_esat is not None:
        parsed = parse_esat(path)
    else:  # earlier trees: the generic list import, as a user of that version would
        from importers.enterprise_lists import parse_enterprise_list

        parsed = parse_enterprise_list(
            path,
            {
                "siret": "siret",
                "name": "et_name",
                "post_code": "post_code",
                "city": "commune_name",
                "address": "address",
            },
            source_name="esat-finess",
            default_kind="ESAT",
        )
    report = load_enterprises(session, parsed, source="esat-finess", actor="bench")
    return report.created


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--decp", type=Path, required=True)
    parser.add_argument("--esat", type=Path)
    parser.add_argument("--snapshot", type=Path, required=True)
    parser.add_argument("--today", default="2015-01-01")
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--baseline", action="store_true", help="also the proximity baseline")
    args = parser.parse_args()

    tmp = tempfile.mkdtemp(prefix="quality-")
    os.environ["DATABASE_URL"] = f"sqlite:///{tmp}/quality.sqlite3"
    os.environ["SEARCH_INDEX_PATH"] = f"{tmp}/search.sqlite3"
    from config import Config
    from webapp import create_app

    app = create_app(Config())
    with app.app_context():
        from flask_migrate import upgrade
        from sqlalchemy import select

        from importers.decp import load_decp, parse_decp
        from importers.enterprise_lists import parse_siae
        from importers.enterprise_loader import load_enterprises
        from importers.places import PlaceReader
        from importers.reference import load_reference
        from webapp.extensions import db
        from webapp.models import Enterprise, PurchaseIntention

        try:  # the matcher's service is a package since issue #11
            from webapp.matching.facts import purchase_of
            from webapp.matching.pool import current_pool
        except ImportError:  # earlier trees
            from webapp.services.matching import current_pool, purchase_of
        try:  # the core is a top-level package since issue #11
            from domain.matching.match import match
            from domain.matching.rules import load_rules
        except ImportError:  # earlier trees
            from webapp.domain.matching.match import match
            from webapp.domain.matching.rules import load_rules

        session = db.session
        upgrade()
        load_reference(session)
        load_enterprises(session, parse_siae(args.snapshot), source="bench", actor="bench")
        esat = load_esat(session, args.esat) if args.esat and args.esat.exists() else 0
        session.commit()
        log(f"directory loaded ({esat} ESAT)")

        parsed = parse_decp(args.decp, PlaceReader(session))
        reports = load_decp(
            session,
            parsed,
            history=False,
            as_intentions=True,
            today=date.fromisoformat(args.today),
            match=False,
        )
        session.commit()
        report = reports.intentions
        rejected = {r.line: r.reason for r in parsed.rejected}
        rejected.update({r.line: r.reason for r in report.rejected})
        for warning in report.warnings:
            if warning.code in ("no_duration", "renewal_past"):
                rejected.setdefault(warning.line, warning.code)

        directory = {
            e.siret: e
            for e in session.scalars(select(Enterprise).where(Enterprise.status == "active"))
        }
        intentions = {
            i.external_id: i
            for i in session.scalars(
                select(PurchaseIntention).where(PurchaseIntention.source == "decp")
            )
        }
        table = current_pool(session)
        rules = load_rules()
        rows = []
        for contract in parsed.records:
            winners = [h.siret for h in contract.holders if h.siret in directory]
            if not winners:
                continue
            row = {
                "key": contract.external_id,
                "index": contract.index,
                "object": contract.object[:70],
                "cpv": contract.cpv,
                "winners": winners,
                "winner_kinds": [directory[s].kind for s in winners],
                "rank": None,
                "listed": 0,
                "why": "",
            }
            intention = intentions.get(contract.external_id)
            if intention is None:
                row["why"] = f"no intention: {rejected.get(contract.index, '?')}"
                rows.append(row)
                continue
            row["place"] = f"{intention.place_kind}:{intention.place_code or ''}"
            row["sectors"] = [s.slug for s in intention.sectors]
            purchase = purchase_of(session, intention)
            ranked = match(purchase, table, rules).ranking.sirets()
            row["listed"] = len(ranked)
            positions = {siret: n for n, siret in enumerate(ranked, start=1)}
            found = [positions[s] for s in winners if s in positions]
            row["rank"] = min(found) if found else None
            if not found:
                row["why"] = "not listed by the matcher"
            if args.baseline:
                row["baseline_rank"] = proximity_rank(purchase.place, directory, winners)
            rows.append(row)
        searches = search_recall(app, directory)
        args.out.write_text(
            json.dumps(
                {
                    "rows": rows,
                    "searches": searches,
                    "intentions": len(intentions),
                    "contracts": len(parsed.records),
                    "directory": len(directory),
                }
            )
        )
        log(f"{len(rows)} contracts with a winner in the directory")


# Queries a buyer types, and the NAF codes (INSEE activity of the registry, independent of
# our sectors and keywords) of the structures that really do that trade.
SEARCHES = (
    ("peinture", ("43.34Z",)),
    ("maçonnerie", ("43.99C", "43.99A")),
    ("menuiserie", ("43.32A", "16.23Z")),
    ("nettoyage", ("81.21Z", "81.22Z", "81.29A", "81.29B")),
    ("espaces verts", ("81.30Z",)),
    ("restauration", ("56.10A", "56.10C", "56.21Z", "56.29A", "56.29B")),
    ("recyclage", ("38.11Z", "38.21Z", "38.32Z")),
    ("blanchisserie", ("96.01A", "96.01B")),
    ("déménagement", ("49.42Z",)),
    ("intérim", ("78.20Z",)),
)
MIN_TRUTH = 3  # a département is queried when it has at least this many such structures


def search_recall(app, directory: dict) -> list[dict]:
    """For each query and each département holding enough structures of its NAF codes:
    the API's hits for the query in that département (``serves``, as a buyer picks it),
    and how many of those structures they find — among all hits (up to 5 pages of 100)
    and in the first 20."""
    runner = app.test_cli_runner()
    runner.invoke(args=["search", "reindex"])
    client = app.test_client()
    found = []
    for text, codes in SEARCHES:
        wanted = {c.replace(".", "") for c in codes}
        by_departement: dict[str, set[str]] = {}
        for siret, enterprise in directory.items():
            naf = (enterprise.naf_code or "").replace(".", "")
            if naf in wanted and enterprise.departement_code:
                by_departement.setdefault(enterprise.departement_code, set()).add(siret)
        for departement, truth in sorted(by_departement.items()):
            if len(truth) < MIN_TRUTH:
                continue
            hits: list[str] = []
            total = None
            for page in range(1, 6):
                answer = client.get(
                    "/api/v1/enterprises",
                    query_string={
                        "q": text,
                        "serves": f"departement:{departement}",
                        "per_page": 100,
                        "page": page,
                    },
                )
                if answer.status_code != 200:
                    break
                body = answer.get_json()
                total = body.get("total", total)
                page_hits = [h["siret"] for h in body.get("results", body.get("hits", []))]
                hits += page_hits
                if len(page_hits) < 100:
                    break
            found.append(
                {
                    "query": text,
                    "departement": departement,
                    "truth": len(truth),
                    "found": len(truth & set(hits)),
                    "found_20": len(truth & set(hits[:20])),
                    "hits": total if total is not None else len(hits),
                }
            )
    return found


def proximity_rank(place, directory: dict, winners: list[str]) -> int | None:
    """The plain rule: every structure of a fitting kind whose base lies within 30 km of
    the place's position, nearest first (SIRET for ties)."""
    if place.latitude is None or place.longitude is None:
        return None
    near = []
    for siret, enterprise in directory.items():
        if enterprise.kind not in FITTING_KINDS or enterprise.latitude is None:
            continue
        km = haversine(enterprise.latitude, enterprise.longitude, place.latitude, place.longitude)
        if km <= BASELINE_KM:
            near.append((km, siret))
    near.sort()
    positions = {siret: n for n, (_, siret) in enumerate(near, start=1)}
    found = [positions[s] for s in winners if s in positions]
    return min(found) if found else None


def haversine(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    phi1, phi2 = math.radians(lat1), math.radians(lat2)
    d_phi, d_lambda = phi2 - phi1, math.radians(lon2 - lon1)
    h = math.sin(d_phi / 2) ** 2 + math.cos(phi1) * math.cos(phi2) * math.sin(d_lambda / 2) ** 2
    return 2 * 6371.009 * math.asin(min(1.0, math.sqrt(h)))


if __name__ == "__main__":
    main()
