"""Search benchmark: the embedded engine against the peers a user might pick instead.

    .venv/bin/python bench/search_bench.py [--rows 200000] [--postgres-url URL] [--quick]

For the real snapshot, then a generated set of --rows enterprises (the snapshot's rows
cycled with new SIRETs, loaded by the importer into a temporary SQLite database), it
prints: the index build time and memory; the median and p95 latency of a fixed list of
queries per query type, through the embedded engine, a plain ORM ``ilike`` filter, and
PostgreSQL full-text search (with --postgres-url); the search page through the full
Flask stack; then a summary with PASS/FAIL against the targets of issue #3.

Queries are parsed outside the timed section; every engine runs the same SearchQuery in
this process. Progress goes to stderr, results to stdout.
"""

from __future__ import annotations

import argparse
import io
import math
import multiprocessing
import os
import re
import statistics
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, BinaryIO

from flask import Flask
from import_bench import SNAPSHOT, fresh_app, generate_rows, reset_database
from sqlalchemy import (
    ColumnElement,
    Select,
    and_,
    column,
    func,
    literal_column,
    or_,
    select,
    table,
    text,
)
from sqlalchemy.orm import Session, aliased, selectinload
from werkzeug.datastructures import MultiDict

from domain.text import fold
from importers.enterprise_lists import parse_siae
from importers.enterprise_loader import load_enterprises
from importers.reference import load_reference
from search.embedded import EmbeddedBackend
from search.query import SearchQuery, parse_query
from webapp.extensions import db
from webapp.indexing.places import DatabasePlaces
from webapp.indexing.sync import iter_documents
from webapp.models import (
    Enterprise,
    EnterpriseSector,
    InterventionZone,
    Label,
    Network,
    Sector,
    SectorGroup,
    ZoneDivision,
)

TYPES = ("text", "text + filters", "text + facets", "radius", "serves")
# (type, request arguments); "{siret}" is replaced by a SIRET of the dataset, spaced.
CASES: tuple[tuple[str, tuple[tuple[str, str], ...]], ...] = (
    ("text", (("q", "nettoyage"),)),
    ("text", (("q", "espaces verts"),)),
    ("text", (("q", "menuiserie"),)),
    ("text", (("q", "restauration"),)),
    ("text", (("q", "netoyage"),)),
    ("text", (("q", "recyclerie"),)),
    ("text", (("q", "{siret}"),)),
    ("text + filters", (("q", "nettoyage"), ("kind", "EI"), ("kind", "ACI"))),
    ("text + filters", (("q", "espaces verts"), ("sector_group", "espaces-verts-exterieurs"))),
    ("text + filters", (("q", "restauration"), ("kind", "insertion"))),
    ("text + filters", (("q", "recyclerie"), ("sector", "autre-recyclage"))),
    ("text + filters", (("q", "menuiserie"), ("kind", "EI"), ("serves", "departement:59"))),
    (
        "text + filters",
        (("q", "nettoyage"), ("sector_group", "hygiene-et-proprete"), ("serves", "region:32")),
    ),
    ("text + facets", ()),
    ("text + facets", (("q", "nettoyage"),)),
    ("text + facets", (("q", "espaces verts"),)),
    ("text + facets", (("q", "restauration"),)),
    ("text + facets", (("q", "netoyage"),)),
    ("text + facets", (("q", "recyclerie"), ("kind", "ACI"))),
    ("radius", (("near", "commune:75056"), ("radius_km", "20"))),
    ("radius", (("q", "nettoyage"), ("near", "commune:75056"), ("radius_km", "20"))),
    ("radius", (("q", "espaces verts"), ("near", "commune:69123"), ("radius_km", "30"))),
    ("radius", (("q", "restauration"), ("near", "commune:13055"), ("radius_km", "10"))),
    ("radius", (("q", "recyclerie"), ("near", "59000 Lille"), ("radius_km", "15"))),
    ("serves", (("serves", "departement:59"),)),
    ("serves", (("q", "nettoyage"), ("serves", "departement:59"))),
    ("serves", (("q", "espaces verts"), ("serves", "commune:69123"))),
    ("serves", (("q", "restauration"), ("serves", "region:11"))),
    ("serves", (("q", "recyclerie"), ("serves", "epci:200093201"))),
    ("serves", (("q", "menuiserie"), ("serves", "region:84"))),
)
WARMUP = 3
PEER_RUNS = 10
PAGE_RUNS = 20
TARGET_P95_MS = 20.0
TARGET_SPEEDUP = 10.0
TARGET_BUILD_S = 60.0
TARGET_PAGE_P95_MS = 100.0
PAGE_PATHS = ("/recherche", "/api/v1/enterprises")
EARTH_RADIUS_KM = 6371.0
KM_PER_DEGREE = 111.0

STARTED = time.perf_counter()


def log(message: str) -> None:
    print(f"[{time.perf_counter() - STARTED:7.1f}s] {message}", file=sys.stderr, flush=True)


# --- measurements -----------------------------------------------------------------------


@dataclass
class Timing:
    samples_ms: list[float] = field(default_factory=list)
    hits: int | None = None
    error: str | None = None

    @property
    def median(self) -> float:
        return statistics.median(self.samples_ms) if self.samples_ms else math.nan

    @property
    def p95(self) -> float:
        return percentile(self.samples_ms, 95)


def percentile(samples: list[float], rank: float) -> float:
    """Nearest-rank percentile (the sample at or above ``rank`` % of them)."""
    if not samples:
        return math.nan
    ordered = sorted(samples)
    return ordered[max(0, math.ceil(rank / 100 * len(ordered)) - 1)]


def measure(run: Callable[[], int], runs: int) -> Timing:
    """``run`` (which returns the number of hits) ``WARMUP`` times, then ``runs`` timed."""
    timing = Timing()
    try:
        for _ in range(WARMUP):
            timing.hits = run()
        for _ in range(runs):
            started = time.perf_counter()
            timing.hits = run()
            timing.samples_ms.append((time.perf_counter() - started) * 1000)
    except Exception as exc:  # a failing query is a result to report, not a crash
        timing.error = f"{type(exc).__name__}: {exc}"[:200]
        timing.samples_ms.clear()
    return timing


def pooled(timings: list[Timing]) -> Timing:
    """All samples of a query type's queries (each query ran the same number of times)."""
    return Timing([s for t in timings for s in t.samples_ms])


# --- datasets and the index build -------------------------------------------------------


@dataclass
class Dataset:
    name: str
    source: Callable[[], Path | BinaryIO]  # a fresh readable source for each import
    files: Path  # prefix of its temporary files

    @property
    def database_url(self) -> str:
        return f"sqlite:///{self.files}.sqlite3"

    @property
    def index_path(self) -> Path:
        return Path(f"{self.files}-index.sqlite3")


@dataclass
class Build:
    seconds: float
    documents_seconds: float  # reading the database and building the documents
    count: int
    rss_delta_mb: float
    file_mb: float


def load_database(url: str, dataset: Dataset) -> Flask:
    """A fresh migrated database at ``url`` with the reference data and the dataset."""
    app = fresh_app(url)
    app.config["MEILI_URL"] = None  # the embedded engine, whatever the environment says
    app.config["SEARCH_INDEX_PATH"] = str(dataset.index_path)
    with app.app_context():
        reset_database(app)
        load_reference(db.session)
        started = time.perf_counter()
        parsed = parse_siae(dataset.source())
        report = load_enterprises(db.session, parsed, source="bench", actor="bench")
        db.session.remove()
    log(
        f"{dataset.name}: {report.created:,} enterprises loaded in {url.split(':')[0]} "
        f"in {time.perf_counter() - started:.1f} s ({len(parsed.rejected)} rows rejected)"
    )
    return app


def build_index(database_url: str, index_path: str) -> tuple[float, float, int, float]:
    """Run in a fresh process: (seconds, documents_seconds, count, peak RSS growth in MB).

    The peak is the kernel's high-water mark, reset before the build (Linux): the
    process's peak so far (``ru_maxrss``) would hide a build that stays below it.
    """
    app = fresh_app(database_url)
    with app.app_context():
        backend = EmbeddedBackend(index_path)
        before = _status_kb("VmRSS")
        Path("/proc/self/clear_refs").write_text("5")  # reset VmHWM to the current RSS
        in_documents = [0.0]
        started = time.perf_counter()
        count = backend.rebuild(_clocked(iter_documents(db.session), in_documents))
        seconds = time.perf_counter() - started
        growth = (_status_kb("VmHWM") - before) / 1024
    return seconds, in_documents[0], count, growth


def _status_kb(field_name: str) -> int:
    """A memory figure of this process from /proc/self/status, in kB."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(field_name + ":"):
            return int(line.split()[1])
    raise LookupError(field_name)


def _clocked(documents: Iterator[dict[str, Any]], spent: list[float]) -> Iterator[dict]:
    """``documents``, adding the time spent producing them to ``spent[0]``."""
    while True:
        started = time.perf_counter()
        document = next(documents, None)
        spent[0] += time.perf_counter() - started
        if document is None:
            return
        yield document


def timed_build(dataset: Dataset) -> Build:
    context = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(max_workers=1, mp_context=context) as pool:
        seconds, documents_seconds, count, growth_mb = pool.submit(
            build_index, dataset.database_url, str(dataset.index_path)
        ).result()
    size = sum(
        p.stat().st_size for p in dataset.index_path.parent.glob(dataset.index_path.name + "*")
    )
    return Build(seconds, documents_seconds, count, growth_mb, size / 2**20)


# --- queries ----------------------------------------------------------------------------


@dataclass(frozen=True)
class Case:
    type: str
    label: str
    args: tuple[tuple[str, str], ...]
    query: SearchQuery


def parse_cases(session: Session) -> list[Case]:
    """The benchmark's queries, parsed once with the dataset's places."""
    count = session.scalar(select(func.count()).select_from(Enterprise))
    siret = session.scalar(select(Enterprise.siret).order_by(Enterprise.id).offset(count // 2))
    spaced = f"{siret[:3]} {siret[3:6]} {siret[6:9]} {siret[9:]}"
    places = DatabasePlaces(session)
    cases = []
    for kind, raw in CASES:
        args = tuple((k, v.replace("{siret}", spaced)) for k, v in raw)
        query = parse_query(MultiDict(args), places)
        if kind != "text + facets":
            query = replace(query, facets=())
        label = " ".join(f'"{v}"' if k == "q" else f"{k}={v}" for k, v in args)
        cases.append(Case(kind, label or "(everything)", args, query))
    return cases


# --- the peers: plain SQL through the ORM ------------------------------------------------

# (session, text) -> (WHERE clause, rank to order by or None)
TextMatch = Callable[[Session, str], tuple[ColumnElement[bool], ColumnElement[float] | None]]
_IDENTIFIER_SEPARATORS = re.compile(r"[\s.]")


def identifier_clause(text_: str) -> ColumnElement[bool] | None:
    digits = _IDENTIFIER_SEPARATORS.sub("", text_)
    if digits.isdigit() and len(digits) == 14:
        return Enterprise.siret == digits
    if digits.isdigit() and len(digits) == 9:
        return Enterprise.siren == digits
    return None


def like_match(_session: Session, text_: str) -> tuple[ColumnElement[bool], None]:
    """What a developer writes first: ``ilike('%term%')`` over the names and description."""
    identifier = identifier_clause(text_)
    if identifier is not None:
        return identifier, None
    columns = (Enterprise.name, Enterprise.brand, Enterprise.description)
    return or_(*(c.icontains(text_, autoescape=True) for c in columns)), None


SEARCH_TSV = literal_column("enterprise.search_tsv")
VOCABULARY = table("bench_vocabulary", column("word"))
FRENCH = literal_column("'french'::regconfig")
TYPO_MIN_LENGTH = 5  # as the engine: no typo tolerance on short words
TYPO_CANDIDATES = 3
MAX_WORDS = 12  # as the engine: the rest of a long paste is ignored


def fts_match(
    session: Session, text_: str
) -> tuple[ColumnElement[bool], ColumnElement[float] | None]:
    """PostgreSQL full-text search, each word widened to its closest spellings in the
    indexed vocabulary when it is not in it (pg_trgm's text search integration recipe)."""
    identifier = identifier_clause(text_)
    if identifier is not None:
        return identifier, None
    groups = []
    for word in fold(text_).split()[:MAX_WORDS]:
        variants = [word]
        if len(word) >= TYPO_MIN_LENGTH:
            close = session.scalars(
                select(VOCABULARY.c.word)
                .where(VOCABULARY.c.word.op("%")(word))
                .order_by(VOCABULARY.c.word.op("<->")(word))
                .limit(TYPO_CANDIDATES)
            ).all()
            variants = [word] if word in close else [word, *close]
        groups.append("(" + " | ".join(variants) + ")")  # [a-z0-9] words: no syntax
    tsquery = func.to_tsquery(FRENCH, " & ".join(groups))
    return SEARCH_TSV.op("@@")(tsquery), func.ts_rank(SEARCH_TSV, tsquery)


_FOLDED = (
    "lower(bench_unaccent(coalesce(name, '') || ' ' || coalesce(brand, '') || ' ' || "
    "coalesce(description, '')))"
)
FTS_SETUP = (
    "CREATE EXTENSION IF NOT EXISTS unaccent",
    "CREATE EXTENSION IF NOT EXISTS pg_trgm",
    # unaccent() is only STABLE; a generated column needs an IMMUTABLE function.
    "CREATE OR REPLACE FUNCTION bench_unaccent(text) RETURNS text LANGUAGE sql IMMUTABLE "
    "PARALLEL SAFE STRICT AS $$ SELECT public.unaccent('public.unaccent'::regdictionary, $1) $$",
    "ALTER TABLE enterprise ADD COLUMN search_tsv tsvector GENERATED ALWAYS AS ("
    "setweight(to_tsvector('french', lower(bench_unaccent("
    "coalesce(name, '') || ' ' || coalesce(brand, '')))), 'A') || "
    "setweight(to_tsvector('french', lower(bench_unaccent(coalesce(description, '')))), 'B'))"
    " STORED",
    "CREATE INDEX enterprise_search_tsv ON enterprise USING gin (search_tsv)",
    # The words typos are corrected to, trigram-indexed.
    "CREATE TABLE bench_vocabulary AS SELECT word FROM ts_stat("
    f"$$SELECT to_tsvector('simple', {_FOLDED}) FROM enterprise$$) WHERE word ~ '^[a-z0-9]+$'",
    "CREATE INDEX bench_vocabulary_trgm ON bench_vocabulary USING gist (word gist_trgm_ops)",
    "VACUUM ANALYZE",
)


def add_fulltext(app: Flask) -> float:
    """The full-text column, its index and the typo vocabulary; returns the seconds taken."""
    started = time.perf_counter()
    with app.app_context(), db.engine.connect() as connection:
        connection = connection.execution_options(isolation_level="AUTOCOMMIT")  # VACUUM
        for statement in FTS_SETUP:
            connection.execute(text(statement))
    return time.perf_counter() - started


def filter_clauses(query: SearchQuery) -> list[ColumnElement[bool]]:
    """The query's filters as WHERE clauses on ``enterprise`` (EXISTS for sectors)."""
    unsupported = [
        name
        for name in ("presta", "min_employees", "min_turnover", "min_contract")
        + ("labels", "networks", "reservations")
        if getattr(query, name)
    ]
    if unsupported:
        raise ValueError(f"the SQL peers do not implement {', '.join(unsupported)}")
    clauses: list[ColumnElement[bool]] = [Enterprise.status == "active"]
    if query.kinds:
        clauses.append(Enterprise.kind.in_(query.kinds))
    for wanted in (
        Sector.slug.in_(query.sectors) if query.sectors else None,
        SectorGroup.slug.in_(query.sector_groups) if query.sector_groups else None,
    ):
        if wanted is not None:
            clauses.append(
                select(EnterpriseSector.enterprise_id)
                .join(Sector, Sector.id == EnterpriseSector.sector_id)
                .join(SectorGroup, SectorGroup.id == Sector.group_id)
                .where(
                    EnterpriseSector.enterprise_id == Enterprise.id,
                    EnterpriseSector.status != "rejected",
                    wanted,
                )
                .exists()
            )
    if query.serves:
        clauses.append(serves_clause(query))
    if query.near:
        clauses.extend(near_clauses(query))
    return clauses


def serves_clause(query: SearchQuery) -> ColumnElement[bool]:
    """The zone is national, lists a division covering the place, or is a radius whose
    circle reaches the place's bounding box (a box test: a slight overestimate). One
    uncorrelated subquery: evaluated once, not once per enterprise."""
    place = query.serves
    covering = or_(
        *(
            and_(ZoneDivision.division_type == kind, ZoneDivision.code == code)
            for kind, code in place.covered_by
        )
    )
    south, west, north, east = place.bbox
    per_lon_degree = KM_PER_DEGREE * max(0.05, math.cos(math.radians(place.latitude)))
    reach = InterventionZone.radius_km
    base = aliased(Enterprise)
    served = (
        select(InterventionZone.enterprise_id)
        .join(base, base.id == InterventionZone.enterprise_id)
        .where(
            or_(
                InterventionZone.kind == "national",
                InterventionZone.id.in_(select(ZoneDivision.zone_id).where(covering)),
                and_(
                    InterventionZone.kind == "radius",
                    base.latitude.between(
                        south - reach / KM_PER_DEGREE, north + reach / KM_PER_DEGREE
                    ),
                    base.longitude.between(
                        west - reach / per_lon_degree, east + reach / per_lon_degree
                    ),
                ),
            )
        )
    )
    return Enterprise.id.in_(served)


def near_clauses(query: SearchQuery) -> list[ColumnElement[bool]]:
    """Based within ``radius_km``: a bounding box, then the haversine distance in SQL."""
    lat, lon, radius = query.near.latitude, query.near.longitude, query.radius_km
    d_lat = radius / KM_PER_DEGREE
    d_lon = radius / (KM_PER_DEGREE * max(0.05, math.cos(math.radians(lat))))
    half_dlat = func.radians(Enterprise.latitude - lat) / 2
    half_dlon = func.radians(Enterprise.longitude - lon) / 2
    a = func.sin(half_dlat) * func.sin(half_dlat) + math.cos(math.radians(lat)) * func.cos(
        func.radians(Enterprise.latitude)
    ) * func.sin(half_dlon) * func.sin(half_dlon)
    return [
        Enterprise.latitude.between(lat - d_lat, lat + d_lat),
        Enterprise.longitude.between(lon - d_lon, lon + d_lon),
        2 * EARTH_RADIUS_KM * func.asin(func.sqrt(a)) <= radius,
    ]


def facet_statement(facet: str) -> Select:
    """``SELECT value, count`` for one facet, to be restricted by the query's clauses."""
    if facet in ("kind", "departement"):
        column = Enterprise.kind if facet == "kind" else Enterprise.departement_code
        return select(column, func.count()).group_by(column)
    if facet in ("sector", "sector_group"):
        column = Sector.slug if facet == "sector" else SectorGroup.slug
        return (
            select(column, func.count(func.distinct(Enterprise.id)))
            .select_from(Enterprise)
            .join(Enterprise.sectors)
            .join(EnterpriseSector.sector)
            .join(Sector.group)
            .where(EnterpriseSector.status != "rejected")
            .group_by(column)
        )
    relation, column = {
        "label": (Enterprise.labels, Label.slug),
        "network": (Enterprise.networks, Network.slug),
    }[facet]
    return select(column, func.count()).select_from(Enterprise).join(relation).group_by(column)


def sql_search(session: Session, query: SearchQuery, match: TextMatch) -> int:
    """Count, first page of enterprises (with their sectors), then one GROUP BY per facet."""
    clauses = filter_clauses(query)
    order: list[Any] = [Enterprise.name]
    if query.text.strip():
        condition, rank = match(session, query.text)
        clauses.append(condition)
        if rank is not None:
            order.insert(0, rank.desc())
    total = session.scalar(select(func.count()).select_from(Enterprise).where(*clauses))
    session.scalars(
        select(Enterprise)
        .options(selectinload(Enterprise.sectors).selectinload(EnterpriseSector.sector))
        .where(*clauses)
        .order_by(*order)
        .offset((query.page - 1) * query.per_page)
        .limit(query.per_page)
    ).all()
    for facet in query.facets:
        session.execute(facet_statement(facet).where(*clauses)).all()
    session.expunge_all()
    return total


# --- phases -----------------------------------------------------------------------------

Results = dict[str, list[Timing]]  # engine name -> one Timing per case


def time_cases(
    name: str, cases: list[Case], search: Callable[[SearchQuery], int], runs: int
) -> list[Timing]:
    timings = [measure(lambda q=case.query: search(q), runs) for case in cases]
    log(f"{name}: {len(cases)} queries timed")
    return timings


def time_page(app: Flask, cases: list[Case]) -> tuple[str | None, list[Timing]]:
    """GET the search page (else the API) for every case, through the Flask test client."""
    rules = {rule.rule for rule in app.url_map.iter_rules()}
    path = next((p for p in PAGE_PATHS if p in rules), None)
    if path is None:
        return None, []
    client = app.test_client()

    def get(args: tuple[tuple[str, str], ...]) -> int:
        response = client.get(path, query_string=list(args))
        if response.status_code != 200:
            raise RuntimeError(f"HTTP {response.status_code}")
        return 0

    timings = [measure(lambda a=case.args: get(a), PAGE_RUNS) for case in cases]
    log(f"page {path}: {len(cases)} queries timed")
    return path, timings


@dataclass
class DatasetReport:
    name: str
    enterprises: int
    build: Build
    cases: list[Case]
    engines: Results
    page_path: str | None
    page: list[Timing]
    load_average: float  # over the last minute, when the dataset is done: other work skews
    runs: int  # timed runs per query of the embedded engine


def run_dataset(dataset: Dataset, postgres_url: str | None, runs: int) -> DatasetReport:
    log(f"{dataset.name}: loading the SQLite app database")
    app = load_database(dataset.database_url, dataset)
    log(f"{dataset.name}: building the index in a fresh process")
    build = timed_build(dataset)
    log(f"{dataset.name}: {build.count:,} documents indexed in {build.seconds:.1f} s")
    backend = EmbeddedBackend(str(dataset.index_path))
    app.extensions["search_backend"] = backend  # the page searches the same index
    engines: Results = {}
    with app.app_context():
        cases = parse_cases(db.session)
        engines["embedded"] = time_cases("embedded", cases, lambda q: backend.search(q).total, runs)
        engines["LIKE"] = time_cases(
            "ORM ilike (SQLite)", cases, lambda q: sql_search(db.session, q, like_match), PEER_RUNS
        )
        db.session.remove()
    if postgres_url:
        pg_app = load_database(postgres_url, dataset)
        log(f"PostgreSQL full-text setup: {add_fulltext(pg_app):.1f} s")
        with pg_app.app_context():
            engines["PG FTS"] = time_cases(
                "PostgreSQL FTS", cases, lambda q: sql_search(db.session, q, fts_match), PEER_RUNS
            )
            db.session.remove()
            db.engine.dispose()
    page_path, page = time_page(app, cases)
    return DatasetReport(
        dataset.name,
        build.count,
        build,
        cases,
        engines,
        page_path,
        page,
        os.getloadavg()[0],
        runs,
    )


# --- output -----------------------------------------------------------------------------


def ms(value: float) -> str:
    return "      -" if math.isnan(value) else f"{value:7.2f}" if value < 100 else f"{value:7.0f}"


def ratio(slow: float, fast: float) -> float:
    """How many times faster ``fast`` is (NaN when either is unknown)."""
    return slow / fast if fast > 0 else math.nan


def times(value: float, width: int) -> str:
    return f"{'-':>{width}} " if math.isnan(value) else f"{value:{width}.1f}x"


def print_dataset(report: DatasetReport) -> None:
    b = report.build
    print(
        f"\n=== {report.name}: {report.enterprises:,} enterprises "
        f"(load average {report.load_average:.1f} on {os.cpu_count()} CPUs) ==="
    )
    print(
        f"index build: {b.seconds:.1f} s (documents from the database {b.documents_seconds:.1f} s, "
        f"engine {b.seconds - b.documents_seconds:.1f} s), peak RSS +{b.rss_delta_mb:.0f} MB, "
        f"index file {b.file_mb:.1f} MB"
    )
    names = list(report.engines)
    header = f"{'type':<15} {'query':<62}" + "".join(
        f" | {n:>7} med     p95    hits" for n in names
    )
    print(header + ("" if not report.page else " | page p95"))
    for i, case in enumerate(report.cases):
        line = f"{case.type:<15} {case.label[:62]:<62}"
        for name in names:
            t = report.engines[name][i]
            if t.error:
                line += f" | ERROR {t.error[:28]:<28}"
            else:
                line += f" | {ms(t.median)} {ms(t.p95)} {t.hits:>7,}"
        if report.page:
            page = report.page[i]
            line += f" | {'ERROR ' + page.error if page.error else ms(page.p95)}"
        print(line)
    print(
        f"(ms; embedded {report.runs} runs per query, peers {PEER_RUNS}, page {PAGE_RUNS}, "
        f"each after {WARMUP} warm-up runs; page: GET {report.page_path or '-'})"
    )


def summarise(timings: list[Timing], cases: list[Case]) -> dict[str, Timing]:
    """Query type -> the pooled timing of its queries."""
    return {
        kind: pooled([t for t, c in zip(timings, cases, strict=True) if c.type == kind])
        for kind in TYPES
    }


def print_summary(report: DatasetReport) -> None:
    """Per query type: each engine's median and p95, the speed-up over LIKE, the page."""
    summary = {name: summarise(t, report.cases) for name, t in report.engines.items()}
    page = summarise(report.page, report.cases) if report.page else {}
    has_pg = "PG FTS" in summary
    print(f"\n--- summary, {report.name} ({report.enterprises:,} enterprises), ms ---")
    print(
        f"{'type':<15} | {'embedded med':>12} {'p95':>7} | {'LIKE med':>8} {'p95':>7} | "
        f"{'speed-up med':>12} {'p95':>6}"
        + (f" | {'PG FTS med':>10} {'p95':>7}" if has_pg else "")
        + (" | page p95" if page else "")
    )
    for kind in TYPES:
        engine, like = summary["embedded"][kind], summary["LIKE"][kind]
        line = (
            f"{kind:<15} | {ms(engine.median):>12} {ms(engine.p95)} | {ms(like.median):>8} "
            f"{ms(like.p95)} | {times(ratio(like.median, engine.median), 11)} "
            f"{times(ratio(like.p95, engine.p95), 5)}"
        )
        if has_pg:
            line += f" | {ms(summary['PG FTS'][kind].median):>10} {ms(summary['PG FTS'][kind].p95)}"
        if page:
            line += f" | {ms(page[kind].p95):>8}"
        print(line)


def target_checks(report: DatasetReport) -> list[tuple[bool, str]]:
    """(passed, what) for each target of issue #3; the speed-up counts the lower of the
    median and p95 ratios."""
    engine = summarise(report.engines["embedded"], report.cases)
    like = summarise(report.engines["LIKE"], report.cases)
    checks = []
    for kind in TYPES:
        p95 = engine[kind].p95
        checks.append(
            (p95 < TARGET_P95_MS, f"{kind}: embedded p95 {p95:.2f} ms < {TARGET_P95_MS:g} ms")
        )
        speedup = min(ratio(like[kind].median, engine[kind].median), ratio(like[kind].p95, p95))
        checks.append(
            (
                speedup >= TARGET_SPEEDUP,
                f"{kind}: {speedup:.1f}x faster than LIKE (>= {TARGET_SPEEDUP:g}x)",
            )
        )
    errors = sum(1 for t in report.engines["embedded"] if t.error)
    checks.append((not errors, f"embedded engine answered every query ({errors} errors)"))
    seconds = report.build.seconds
    checks.append((seconds < TARGET_BUILD_S, f"index build {seconds:.1f} s < {TARGET_BUILD_S:g} s"))
    if report.page_path:
        page = pooled(report.page)
        errors = sum(1 for t in report.page if t.error)
        checks.append(
            (
                page.p95 < TARGET_PAGE_P95_MS and not errors,
                f"page {report.page_path} p95 {page.p95:.1f} ms < {TARGET_PAGE_P95_MS:g} ms "
                f"(median {page.median:.1f} ms, {errors} errors)",
            )
        )
    else:
        checks.append((False, f"search page: none of {', '.join(PAGE_PATHS)} is routed yet"))
    return checks


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__.splitlines()[0],
        epilog="WARNING: the database named by --postgres-url is WIPED (DROP SCHEMA public "
        "CASCADE) and reloaded, once per dataset. Never point it at data you want to keep, "
        "nor at the test suite's database.",
    )
    parser.add_argument("--rows", type=int, default=200_000, help="generated set size")
    parser.add_argument(
        "--postgres-url",
        metavar="URL",
        help="PostgreSQL database for the full-text peer. ITS CONTENT IS DESTROYED.",
    )
    parser.add_argument("--quick", action="store_true", help="the snapshot only")
    parser.add_argument("--runs", type=int, default=50, help="timed runs per query (engine)")
    args = parser.parse_args()
    protected = {os.environ.get(name) for name in ("DATABASE_URL", "TEST_DATABASE_URL")}
    if args.postgres_url and args.postgres_url in protected:
        parser.error("--postgres-url names the app's or the tests' database: it would be wiped")

    reports = []
    with tempfile.TemporaryDirectory(prefix="search-bench-") as tmp:
        datasets = [Dataset("snapshot", lambda: SNAPSHOT, Path(tmp) / "snapshot")]
        if not args.quick:
            log(f"generating {args.rows:,} rows from the snapshot")
            data = generate_rows(args.rows)
            generated = Dataset(
                f"generated {args.rows:,}", lambda: io.BytesIO(data), Path(tmp) / "generated"
            )
            datasets.append(generated)
        for dataset in datasets:
            reports.append(run_dataset(dataset, args.postgres_url, args.runs))
            print_dataset(reports[-1])
    for report in reports:
        print_summary(report)
    target = reports[-1]
    print(f"\n--- targets, on {target.name} ({target.enterprises:,} enterprises) ---")
    if args.quick or args.rows < 200_000:
        print("(the targets are set at 200,000 enterprises: indicative only here)")
    for passed, what in target_checks(target):
        print(f"{'PASS' if passed else 'FAIL'}  {what}")


if __name__ == "__main__":
    main()
