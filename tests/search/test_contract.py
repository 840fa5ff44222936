"""The search contract: one suite, run against every backend over the same documents.

Queries are built with ``parse_query`` as the pages and the API build them. Filters are
checked against ``expected_ids``, a plain-Python reading of the filter semantics over the
same documents: two backends that both equal it return the same sets.
"""

from __future__ import annotations

import dataclasses
import functools
import os
import uuid
from collections import Counter
from collections.abc import Iterator

import pytest
from werkzeug.datastructures import MultiDict

from domain.gazetteer import default_gazetteer
from domain.geo import haversine_km
from domain.text import fold
from search.backend import SearchBackend
from search.embedded import EmbeddedBackend
from search.query import QueryError, SearchQuery, parse_query
from search.results import Hit, SearchResult
from tests.search.conftest import (
    EPCI_SIRET,
    NATIONAL_SIRET,
    RADIUS_SIRET,
    REGION_SIRET,
    meili_url,
)

BALUCHON_SIRET = "80746931700018"  # Romainville (93), zone: département 93; shares its SIREN
FACET_FIELDS = {
    "kind": "kind",
    "sector_group": "sector_groups",
    "sector": "sectors",
    "departement": "departement",
    "label": "labels",
    "network": "networks",
}


def backend_over(engine: str, documents: list[dict]) -> Iterator[SearchBackend]:
    """A backend of ``engine`` ("embedded" or "meilisearch") indexing ``documents``, removed
    afterwards; the Meilisearch half is skipped when no server answers at MEILI_URL."""
    if engine == "embedded":
        backend = EmbeddedBackend(":memory:")
        backend.rebuild(documents)
        yield backend
        backend.close()
        return
    url = meili_url()
    if url is None:
        pytest.skip("MEILI_URL not set or not answering: Meilisearch half of the contract skipped")
    from search.meili import MeiliBackend

    backend = MeiliBackend(
        url, os.environ.get("MEILI_MASTER_KEY"), index=f"test_{uuid.uuid4().hex}"
    )
    backend.rebuild(documents)
    yield backend
    backend.client.delete_index(backend.index_uid)


@pytest.fixture(scope="module", params=["embedded", "meilisearch"])
def backend(request, search_documents) -> Iterator[SearchBackend]:
    yield from backend_over(request.param, search_documents)


@pytest.fixture(scope="module")
def documents(search_documents) -> dict[int, dict]:
    return {document["id"]: document for document in search_documents}


# --- Helpers ----------------------------------------------------------------------------


def ask(places, **parameters) -> SearchQuery:
    """A query parsed from request parameters; a list value repeats its parameter."""
    pairs = [
        (name, str(value))
        for name, values in parameters.items()
        for value in (values if isinstance(values, list) else [values])
    ]
    return parse_query(MultiDict(pairs), places)


def all_hits(backend: SearchBackend, query: SearchQuery) -> list[Hit]:
    """Every hit of ``query``, in order, page after page."""
    hits: list[Hit] = []
    page = 1
    while True:
        result = backend.search(dataclasses.replace(query, page=page, per_page=100, facets=()))
        hits.extend(result.hits)
        if page >= result.pages:
            return hits
        page += 1


def ids(backend: SearchBackend, query: SearchQuery) -> set[int]:
    return {hit.id for hit in all_hits(backend, query)}


# The territory rule read independently of the documents' derived lists: every division
# as the set of its communes, straight from the gazetteer.
_ATTRIBUTE = {"departement": "departement", "region": "region", "epci": "epci_siren"}


@functools.cache
def communes_of(kind: str, code: str) -> frozenset[str]:
    if kind == "commune":
        return frozenset({code})
    return frozenset(c.insee for c in default_gazetteer() if getattr(c, _ATTRIBUTE[kind]) == code)


@functools.cache
def communes_in_circle(latitude: float, longitude: float, km: float) -> frozenset[str]:
    return frozenset(
        c.insee
        for c in default_gazetteer()
        if haversine_km(latitude, longitude, c.latitude, c.longitude) <= km
    )


def zone_communes(document: dict) -> frozenset[str]:
    if document["zone_radius_km"] is not None:
        return communes_in_circle(
            document["latitude"], document["longitude"], document["zone_radius_km"]
        )
    return frozenset().union(
        *(
            communes_of(kind, code)
            for kind in ("region", "departement", "epci", "commune")
            for code in document[f"zone_{kind}s"]
        )
    )


def serves(document: dict, place, cover: str = "any") -> bool:
    """Works in (the zone and the place share a commune) or, ``cover="all"``, covers all
    of the place (every commune of it is in the zone)."""
    if document["zone_national"]:
        return True
    wanted, zone = communes_of(place.kind, place.code), zone_communes(document)
    return wanted <= zone if cover == "all" else not wanted.isdisjoint(zone)


def passes(document: dict, query: SearchQuery) -> bool:
    """The filter semantics: values of one filter OR-ed, filters AND-ed, a minimum never
    met by an unknown value."""
    if document["status"] != "active":
        return False
    for wanted, values in (
        (query.sectors, document["sectors"]),
        (query.sector_groups, document["sector_groups"]),
        (query.kinds, [document["kind"]]),
        (query.presta, document["presta"]),
        (query.labels, document["labels"]),
        (query.networks, document["networks"]),
        (query.reservations, document["reservations"]),
    ):
        if wanted and not set(wanted) & set(values):
            return False
    if query.serves and not serves(document, query.serves, query.cover):
        return False
    if query.near and query.radius_km is not None:
        if document["latitude"] is None:
            return False
        distance = haversine_km(
            query.near.latitude, query.near.longitude, document["latitude"], document["longitude"]
        )
        if distance > query.radius_km:
            return False
    for minimum, field in (
        (query.min_employees, "employees"),
        (query.min_turnover, "turnover"),
        (query.min_contract, "largest_contract"),
    ):
        if minimum is not None and (document[field] is None or document[field] < minimum):
            return False
    return True


def expected_ids(documents: dict[int, dict], query: SearchQuery) -> set[int]:
    return {i for i, document in documents.items() if passes(document, query)}


def facet_counts(documents: list[dict]) -> dict[str, dict[str, int]]:
    counts: dict[str, dict[str, int]] = {}
    for facet, field in FACET_FIELDS.items():
        counter: Counter[str] = Counter()
        for document in documents:
            value = document[field]
            counter.update([value] if isinstance(value, str) else value or [])
        counts[facet] = dict(counter)
    return counts


def text_of(document: dict) -> str:
    return fold(
        " ".join(
            [
                document["name"],
                document["brand"],
                *document["sector_names"],
                document["description"],
                document["offers"],
            ]
        )
    )


# --- Filters ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "parameters",
    [
        {"sector": ["nettoyage-de-locaux", "blanchisserie"]},
        {"sector_group": "espaces-verts-exterieurs"},
        {"sector_group": ["restauration", "entretien-du-linge"]},
        {"kind": "EI"},
        {"kind": "EA,ESAT"},
        {"presta": "staffing"},
        {"reservation": "L2113-12"},
        {"reservation": "L2113-13"},
        {"kind": "insertion", "serves": "departement:59", "sector_group": "hygiene-et-proprete"},
    ],
)
def test_each_filter_keeps_exactly_the_matching_enterprises(backend, documents, places, parameters):
    query = ask(places, **parameters)
    expected = expected_ids(documents, query)
    assert expected, "a filter that keeps nothing proves nothing"
    assert ids(backend, query) == expected


@pytest.mark.parametrize(
    ("group", "kinds"),
    [
        ("insertion", {"EI", "ETTI", "AI", "ACI", "EITI", "GEIQ"}),
        ("disability", {"EA", "EATT", "ESAT"}),
        ("ess", {"ESS"}),
    ],
)
def test_a_kind_group_stands_for_its_kinds(backend, documents, places, group, kinds):
    query = ask(places, kind=group)
    assert set(query.kinds) == kinds
    found = ids(backend, query)
    assert found == {i for i, d in documents.items() if d["kind"] in kinds}


def test_label_network_and_presta_filters(backend, by_siret, places):
    tours = by_siret[NATIONAL_SIRET]["id"]
    assert ids(backend, ask(places, label="rsei")) == {tours}
    network = ask(places, network="union-nationale-des-entreprises-adaptees")
    assert ids(backend, network) == {tours}
    assert ids(backend, ask(places, presta="supply")) == {tours}


@pytest.mark.parametrize(
    ("parameter", "minimum"),
    [("min_employees", 100), ("min_turnover", 1_000_000), ("min_contract", 1)],
)
def test_a_minimum_excludes_smaller_and_unknown_values(
    backend, documents, by_siret, places, parameter, minimum
):
    query = ask(places, **{parameter: minimum})
    found = ids(backend, query)
    assert found == expected_ids(documents, query)
    assert by_siret[RADIUS_SIRET]["id"] in found  # 120 staff, 2.5 M€, 400 k€ contract
    assert by_siret[BALUCHON_SIRET]["id"] not in found  # 50 staff, turnover unknown


def test_the_minimums_cut_between_two_known_values(backend, by_siret, places):
    found = ids(backend, ask(places, min_employees=46))
    assert by_siret[RADIUS_SIRET]["id"] in found
    assert by_siret[NATIONAL_SIRET]["id"] not in found  # 45 staff


# --- Territory --------------------------------------------------------------------------


def assert_serves(backend, documents, places, place: str, siret: str, served: bool, by_siret):
    query = ask(places, serves=place)
    found = ids(backend, query)
    assert found == expected_ids(documents, query)
    assert (by_siret[siret]["id"] in found) is served, f"{siret} serves {place}: {served}"


@pytest.mark.parametrize(
    ("place", "served"),
    [
        ("commune:59350", True),  # Lille
        ("epci:200093201", True),  # Métropole Européenne de Lille, all in the Nord
        ("departement:59", True),
        ("region:32", True),  # works in part of its région
        ("epci:200040947", True),  # CA Coeur de Flandre, wholly in the Nord
        ("commune:62041", False),  # Arras, Pas-de-Calais
        ("departement:62", False),
    ],
)
def test_a_zone_on_a_departement_serves_its_communes_and_epcis(
    backend, documents, by_siret, places, place, served
):
    lille_based = next(
        d
        for d in documents.values()
        if d["zone_departements"] == ["59"] and d["commune"] == "59350"
    )
    assert_serves(backend, documents, places, place, lille_based["siret"], served, by_siret)


@pytest.mark.parametrize(
    ("place", "served"),
    [
        ("region:53", True),
        ("departement:29", True),  # Finistère, in Bretagne
        ("commune:29019", True),  # Brest
        ("departement:44", False),  # Loire-Atlantique, Pays de la Loire
    ],
)
def test_a_zone_on_a_region_serves_its_departements_and_communes(
    backend, documents, by_siret, places, place, served
):
    assert_serves(backend, documents, places, place, REGION_SIRET, served, by_siret)


@pytest.mark.parametrize(
    ("place", "served"),
    [
        ("commune:59350", True),  # Lille, in the MEL
        ("departement:59", True),  # works in part of the Nord
        ("region:32", True),
        ("commune:59183", False),  # Dunkerque, outside the MEL
        ("departement:62", False),
    ],
)
def test_a_zone_on_an_epci_works_in_its_communes_and_what_contains_them(
    backend, documents, by_siret, places, place, served
):
    assert_serves(backend, documents, places, place, EPCI_SIRET, served, by_siret)


@pytest.mark.parametrize(
    ("place", "served"),
    [
        ("commune:69266", True),  # Villeurbanne, next to the Lyon base
        ("departement:38", True),  # Isère: some of its communes are within 40 km
        ("departement:13", False),  # Bouches-du-Rhône, 280 km away
        ("commune:13055", False),
    ],
)
def test_a_radius_zone_serves_what_its_circle_reaches(
    backend, documents, by_siret, places, place, served
):
    assert_serves(backend, documents, places, place, RADIUS_SIRET, served, by_siret)


@pytest.mark.parametrize(
    "place", ["commune:13055", "epci:200093201", "departement:2A", "region:11"]
)
def test_a_national_zone_serves_everywhere(backend, documents, by_siret, places, place):
    assert_serves(backend, documents, places, place, NATIONAL_SIRET, True, by_siret)


def test_near_keeps_enterprises_based_within_the_radius(backend, documents, by_siret, places):
    query = ask(places, near="commune:69123", radius_km=8)
    hits = all_hits(backend, query)
    assert {hit.id for hit in hits} == expected_ids(documents, query)
    assert by_siret[RADIUS_SIRET]["id"] in {hit.id for hit in hits}
    assert all(hit.distance_km is not None and hit.distance_km <= 8.05 for hit in hits)


def test_near_takes_an_address(backend, documents, places):
    query = ask(places, near="59000 Lille", radius_km=5)
    assert query.near.label == "Lille"
    found = ids(backend, query)
    assert found and found == expected_ids(documents, query)


# --- Territory: works in P, covers P (issue 10) -------------------------------------------
# "serves" keeps a zone that meets the place (the default) or, with cover=all, one that
# covers all of it; each hit says which. Checked against the gazetteer's communes
# (``serves`` above), on the snapshot's département zones and three crafted zones.

STRADDLING_EPCI = "245900758"  # CC Flandre Lys: 4 communes in the Nord, 4 in the Pas-de-Calais
EPCI_ZONE_SIRET = "90000001900019"  # EI in Merville (59), zone = CC Flandre Lys
COMMUNE_ZONE_SIRET = "90000002700012"  # ACI in Lille, zone = the commune of Lille only
REGION_ZONE_SIRET = "90000003500015"  # AI in Amiens (80), zone = région Hauts-de-France
TERRITORY_ZONES = {
    EPCI_ZONE_SIRET: ("EI", "59660", "Merville", [("epci", STRADDLING_EPCI)]),
    COMMUNE_ZONE_SIRET: ("ACI", "59000", "Lille", [("commune", "59350")]),
    REGION_ZONE_SIRET: ("AI", "80000", "Amiens", [("region", "32")]),
}


@pytest.fixture(scope="module")
def territory_documents(app, search_documents) -> list[dict]:
    """The contract's documents and three enterprises with crafted zones, loaded and read
    back as the application does (their ids renumbered after the others')."""
    import io

    from sqlalchemy import select
    from sqlalchemy.orm import Session

    from importers.enterprise_lists import parse_enterprise_list
    from importers.enterprise_loader import load_enterprises
    from tests.search.conftest import _set_zone
    from webapp.extensions import db
    from webapp.indexing.sync import iter_documents
    from webapp.models import Enterprise

    fields = ("siret", "name", "kind", "post_code", "city")
    rows = "siret;name;kind;post_code;city\n" + "".join(
        f"{siret};TERRITOIRE {kind} {city.upper()};{kind};{post};{city}\n"
        for siret, (kind, post, city, _zone) in TERRITORY_ZONES.items()
    )
    with app.app_context():
        connection = db.engine.connect()
        transaction = connection.begin()
        session = Session(bind=connection, join_transaction_mode="create_savepoint")
        try:
            parsed = parse_enterprise_list(
                io.BytesIO(rows.encode()), {f: f for f in fields}, source_name="tests"
            )
            assert not parsed.rejected, parsed.rejected
            load_enterprises(session, parsed, source="tests", actor="tests")
            for enterprise in session.scalars(
                select(Enterprise).where(Enterprise.siret.in_(list(TERRITORY_ZONES)))
            ):
                _set_zone(enterprise, "divisions", divisions=TERRITORY_ZONES[enterprise.siret][3])
            session.flush()
            crafted = [d for d in iter_documents(session) if d["siret"] in TERRITORY_ZONES]
        finally:
            session.close()
            transaction.rollback()
            connection.close()
    assert len(crafted) == len(TERRITORY_ZONES)
    last = max(d["id"] for d in search_documents)
    return search_documents + [{**d, "id": last + i} for i, d in enumerate(crafted, 1)]


@pytest.fixture(scope="module", params=["embedded", "meilisearch"])
def territory_backend(request, territory_documents) -> Iterator[SearchBackend]:
    yield from backend_over(request.param, territory_documents)


@pytest.fixture(scope="module")
def territory_sirets(territory_documents) -> dict[str, dict]:
    return {document["siret"]: document for document in territory_documents}


def lille_departement_zone(documents) -> dict:
    """A real snapshot enterprise of Lille whose zone is the département of the Nord."""
    return next(
        d for d in documents if d["zone_departements"] == ["59"] and d["commune"] == "59350"
    )


def served_hits(backend, documents, places, place: str, cover: str | None = None):
    """The hits of serves=place (and cover), checked against the gazetteer's reading."""
    parameters = {"serves": place, **({"cover": cover} if cover else {})}
    query = ask(places, **parameters)
    hits = all_hits(backend, query)
    expected = {d["id"] for d in documents if passes(d, query)}
    assert expected, "a place that keeps nothing proves nothing"
    assert {hit.id for hit in hits} == expected
    return {hit.siret: dict((r.code, r.detail) for r in hit.reasons)["serves"] for hit in hits}


def test_a_region_search_includes_a_zone_on_one_of_its_departements_as_a_part(
    territory_backend, territory_documents, places
):
    nord = lille_departement_zone(territory_documents)["siret"]
    found = served_hits(territory_backend, territory_documents, places, "region:32")
    assert found[nord] == "part:departement:region:Hauts-de-France"
    assert found[REGION_ZONE_SIRET] == "all:region:region:Hauts-de-France"
    assert found[EPCI_ZONE_SIRET] == "part:epci:region:Hauts-de-France"
    assert found[NATIONAL_SIRET] == "all:national:region:Hauts-de-France"
    # Every enterprise whose zone lists a département of the région, not the 1 of before.
    departements = {"02", "59", "60", "62", "80"}
    listing = {
        d["siret"] for d in territory_documents if departements & set(d["zone_departements"])
    }
    assert len(listing) > 100 and listing <= set(found)


def test_covers_keeps_only_zones_holding_all_of_the_region(
    territory_backend, territory_documents, places
):
    nord = lille_departement_zone(territory_documents)["siret"]
    found = served_hits(territory_backend, territory_documents, places, "region:32", "all")
    assert nord not in found and EPCI_ZONE_SIRET not in found
    assert set(found) == {REGION_ZONE_SIRET, NATIONAL_SIRET}
    assert set(found.values()) == {
        "all:region:region:Hauts-de-France",
        "all:national:region:Hauts-de-France",
    }


def test_a_departement_search_includes_a_commune_zone_as_a_part_and_a_region_zone_whole(
    territory_backend, territory_documents, places
):
    found = served_hits(territory_backend, territory_documents, places, "departement:59")
    assert found[COMMUNE_ZONE_SIRET] == "part:commune:departement:Nord"
    assert found[REGION_ZONE_SIRET] == "all:region:departement:Nord"
    assert found[lille_departement_zone(territory_documents)["siret"]] == (
        "all:departement:departement:Nord"
    )
    strict = served_hits(territory_backend, territory_documents, places, "departement:59", "all")
    assert COMMUNE_ZONE_SIRET not in strict and REGION_ZONE_SIRET in strict
    assert EPCI_ZONE_SIRET not in strict


@pytest.mark.parametrize(("departement", "name"), [("59", "Nord"), ("62", "Pas-de-Calais")])
def test_an_epci_straddling_two_departements_works_in_both(
    territory_backend, territory_documents, places, departement, name
):
    found = served_hits(
        territory_backend, territory_documents, places, f"departement:{departement}"
    )
    assert found[EPCI_ZONE_SIRET] == f"part:epci:departement:{name}"


def test_zones_on_either_departement_work_in_the_straddling_epci(
    territory_backend, territory_documents, places
):
    found = served_hits(territory_backend, territory_documents, places, f"epci:{STRADDLING_EPCI}")
    assert found[EPCI_ZONE_SIRET] == "all:epci:epci:CC Flandre Lys"
    listed = {
        code for d in territory_documents if d["siret"] in found for code in d["zone_departements"]
    }
    assert listed == {"59", "62"}  # the zones of both départements meet it...
    strict = served_hits(
        territory_backend, territory_documents, places, f"epci:{STRADDLING_EPCI}", "all"
    )
    # ...but neither holds all of it: only the zones that list it, its région or France.
    assert set(strict) == {EPCI_ZONE_SIRET, REGION_ZONE_SIRET, NATIONAL_SIRET}


def test_a_radius_works_in_part_of_a_departement_it_reaches(
    territory_backend, territory_documents, places
):
    found = served_hits(territory_backend, territory_documents, places, "departement:38")
    assert found[RADIUS_SIRET] == "part:radius:departement:Isère"
    strict = served_hits(territory_backend, territory_documents, places, "departement:38", "all")
    assert RADIUS_SIRET not in strict
    # 40 km around Lyon 3e hold the whole Métropole de Lyon.
    metropole = served_hits(territory_backend, territory_documents, places, "epci:200046977", "all")
    assert metropole[RADIUS_SIRET] == "all:radius:epci:Métropole de Lyon"


@pytest.mark.parametrize("cover", [None, "all"])
@pytest.mark.parametrize("place", ["region:11", "departement:2A", "epci:200093201"])
def test_a_national_zone_works_in_and_covers_everywhere(
    territory_backend, territory_documents, places, place, cover
):
    found = served_hits(territory_backend, territory_documents, places, place, cover)
    assert found[NATIONAL_SIRET].startswith("all:national:")


@pytest.mark.parametrize("value", ["some", "ALL ", "1", "tout"])
def test_cover_takes_any_or_all(places, value):
    if value.strip().lower() == "all":
        assert ask(places, serves="region:32", cover=value).cover == "all"
        return
    with pytest.raises(QueryError) as raised:
        ask(places, serves="region:32", cover=value)
    assert "cover" in raised.value.errors


def test_cover_all_needs_a_place(places):
    with pytest.raises(QueryError) as raised:
        ask(places, cover="all")
    assert raised.value.errors["cover"] == "needs serves"
    assert ask(places, cover="any").cover == "any"


# --- Text -------------------------------------------------------------------------------


def test_accents_and_case_are_ignored(backend, places):
    found = [
        ids(backend, ask(places, q=text)) for text in ("réparation", "REPARATION", "Réparâtion")
    ]
    assert found[0] and found[0] == found[1] == found[2]


def test_a_prefix_finds_the_whole_word(backend, by_siret, places):
    hits = all_hits(backend, ask(places, q="menuis"))
    lille = next(hit for hit in hits if hit.siret == EPCI_SIRET)
    assert any("menuiserie" in fold(r.detail) for r in lille.reasons if r.code == "text")


def test_one_typo_is_tolerated_from_five_letters(backend, documents, places):
    hits = all_hits(backend, ask(places, q="netoyage"))
    named = {i for i, d in documents.items() if "nettoyage" in fold(d["name"]).split()}
    assert named and named <= {hit.id for hit in hits}
    assert all(
        any("nettoyage" in fold(r.detail) for r in hit.reasons if r.code == "text")
        for hit in hits
        if hit.id in named
    )


def test_two_typos_are_tolerated_from_nine_letters(backend, by_siret, places):
    found = ids(backend, ask(places, q="blanchisrie"))  # blanchisserie, two letters short
    assert by_siret[RADIUS_SIRET]["id"] in found


@pytest.mark.parametrize("text", ["netyage", "rhne", "xqzwvk"])
def test_more_typos_than_tolerated_find_nothing(backend, places, text):
    assert backend.search(ask(places, q=text)).total == 0


@pytest.mark.parametrize(
    ("plural", "singular"), [("déchets", "déchet"), ("espaces verts", "espace vert")]
)
def test_plural_and_singular_find_the_same_enterprises(backend, places, plural, singular):
    found = ids(backend, ask(places, q=plural))
    assert found and found == ids(backend, ask(places, q=singular))


@pytest.mark.parametrize(
    ("text", "synonym", "absent"),
    [
        ("paysagiste", "espaces verts", "paysag"),
        ("ménage", "nettoyage", "menage"),
        ("demenageur", "demenagement", "demenageur"),
    ],
)
def test_synonyms_find_enterprises_without_the_word(
    backend, documents, places, text, synonym, absent
):
    found = ids(backend, ask(places, q=text))
    only_synonym = {
        i for i, d in documents.items() if synonym in text_of(d) and absent not in text_of(d)
    }
    assert only_synonym and only_synonym <= found


@pytest.mark.parametrize("text", ["80746931700018", "807 469 317 00018", "807.469.317.00018"])
def test_a_siret_finds_its_enterprise(backend, by_siret, places, text):
    assert ids(backend, ask(places, q=text)) == {by_siret[BALUCHON_SIRET]["id"]}


@pytest.mark.parametrize("text", ["807469317", "807 469 317"])
def test_a_siren_finds_every_establishment(backend, documents, places, text):
    expected = {i for i, d in documents.items() if d["siren"] == "807469317"}
    assert len(expected) == 2
    assert ids(backend, ask(places, q=text)) == expected


def test_names_weigh_more_than_sectors_then_descriptions(backend, documents, places):
    def weight(document: dict) -> int:
        def has(text: str) -> bool:
            return any(word.startswith("entretien") for word in fold(text).split())

        if has(document["name"]) or has(document["brand"]):
            return 0
        return 1 if any(has(name) for name in document["sector_names"]) else 2

    hits = all_hits(backend, ask(places, q="entretien"))
    assert len(hits) > 250
    weights = [weight(documents[hit.id]) for hit in hits]
    assert weights == sorted(weights)
    assert weights[0] == 0 and weights[-1] == 2


def test_the_exact_name_comes_first(backend, places):
    hits = backend.search(ask(places, q="Les Ateliers du Rhône")).hits
    assert hits[0].siret == RADIUS_SIRET


def test_text_and_filters_combine(backend, documents, places):
    query = ask(places, q="nettoyage", serves="departement:59", kind="insertion")
    found = ids(backend, query)
    text_only = ids(backend, ask(places, q="nettoyage"))
    # Exactly the text's hits that pass the filters: neither filter nor text is ignored.
    assert found and found == text_only & expected_ids(documents, query)
    assert found < text_only


def test_a_commune_name_in_the_text_narrows_to_enterprises_based_there(backend, documents, places):
    everywhere = ids(backend, ask(places, q="nettoyage"))
    hits = all_hits(backend, ask(places, q="nettoyage lille"))
    in_lille = [hit.id for hit in hits if documents[hit.id]["commune_name"] == "Lille"]
    # The enterprises based in Lille first; fewer than a page, so the other "nettoyage"
    # ones follow as partial matches (TestDomainText).
    assert in_lille and [hit.id for hit in hits[: len(in_lille)]] == in_lille
    assert {hit.id for hit in hits} == everywhere


def test_hits_say_why_they_matched(backend, by_siret, places):
    query = ask(places, q="blanchisserie", serves="commune:69266", kind="disability")
    (hit,) = backend.search(query).hits
    reasons = {reason.code: reason.detail for reason in hit.reasons}
    assert hit.siret == RADIUS_SIRET
    assert "blanchisserie" in fold(reasons["text"])
    assert reasons["serves"] == "all:radius:commune:Villeurbanne"
    assert reasons["kind"] == "EA"
    lyon = by_siret[RADIUS_SIRET]
    villeurbanne = (query.serves.latitude, query.serves.longitude)
    distance = haversine_km(*villeurbanne, lyon["latitude"], lyon["longitude"])
    assert hit.distance_km == pytest.approx(distance, abs=0.06)


# --- Text that knows the domain (issue 10, item 4) ----------------------------------------
# Sector-group names, kind meanings and word families (data/mappings/search_synonyms.txt,
# search_kinds.txt), and partial matches when every word together finds too few. Each
# case is a query a buyer typed on the real snapshot and found nothing or half of it.


class TestDomainText:
    @staticmethod
    def holding(documents, query, *, sectors=(), groups=(), kinds=()) -> set[int]:
        """The documents passing ``query``'s filters with one of these sectors, sector
        groups or kinds: what the text must find."""
        return {
            i
            for i in expected_ids(documents, query)
            if set(documents[i]["sectors"]) & set(sectors)
            or set(documents[i]["sector_groups"]) & set(groups)
            or documents[i]["kind"] in kinds
        }

    def test_peinture_en_batiment_in_the_nord_finds_the_painters(self, backend, documents, places):
        """Their sector says "Peinture & Revêtement des murs", its group "Bâtiments"."""
        query = ask(places, q="peinture en bâtiment", serves="departement:59")
        painters = self.holding(documents, query, sectors=["peinture-revetement-des-murs"])
        assert painters, "the snapshot has EI painters working in the Nord"
        hits = {hit.id: hit for hit in all_hits(backend, query)}
        assert painters <= set(hits)
        for painter in painters:  # complete matches: both words, by the sector and its group
            text = fold(next(r.detail for r in hits[painter].reasons if r.code == "text"))
            assert "peinture" in text and "batiment" in text

    def test_maconnerie_in_the_nord_finds_the_building_firms_masons_are_filed_under(
        self, backend, documents, places
    ):
        query = ask(places, q="maçonnerie", serves="departement:59")
        masons = self.holding(documents, query, sectors=["autre-btp"])
        assert masons and masons <= ids(backend, query)

    def test_interim_near_paris_finds_every_staffing_structure(self, backend, documents, places):
        query = ask(places, q="intérim", near="commune:75056", radius_km=20)
        staffing = self.holding(documents, query, kinds=("AI", "ETTI", "GEIQ"))
        assert len(staffing) > 50  # most have no sector and no "intérim" in their name
        assert staffing <= ids(backend, query)

    @pytest.mark.parametrize(
        ("text", "sectors", "groups"),
        [
            ("restauration", ["restaurants-cantines"], ["restauration"]),
            ("recyclage", [], ["collecte-traitement-des-dechets"]),
            ("BTP", [], ["batiments-et-travaux-publics"]),
            ("espaces verts", [], ["espaces-verts-exterieurs"]),
            ("propreté", ["nettoyage-de-locaux"], ["hygiene-et-proprete"]),
        ],
    )
    def test_a_group_or_family_word_finds_its_sectors(
        self, backend, documents, places, text, sectors, groups
    ):
        query = ask(places, q=text)
        wanted = self.holding(documents, query, sectors=sectors, groups=groups)
        assert wanted and wanted <= ids(backend, query)

    @pytest.mark.parametrize(
        ("text", "kinds"),
        [
            ("travail temporaire", ("AI", "ETTI", "GEIQ")),
            ("mise à disposition de personnel", ("AI", "ETTI", "GEIQ")),
            ("entreprise adaptée", ("EA",)),
            ("ESAT", ("ESAT",)),
            ("travail protégé", ("ESAT",)),
            ("handicap", ("EA", "ESAT")),
            ("chantier d'insertion", ("ACI",)),
            ("SIAE", ("EI", "ETTI", "AI", "ACI")),
            ("insertion", ("EI", "ETTI", "AI", "ACI", "GEIQ")),
            ("ETTI", ("ETTI",)),
            ("association intermédiaire", ("AI",)),
        ],
    )
    def test_a_kind_is_found_by_what_it_means(self, backend, documents, places, text, kinds):
        query = ask(places, q=text)
        wanted = self.holding(documents, query, kinds=kinds)
        assert wanted and wanted <= ids(backend, query)

    @pytest.mark.parametrize(
        ("text", "kind", "stem"),
        [("chantier", "ACI", "chanti"), ("travaux", "ETTI", "trava"), ("atelier", "ACI", "atel")],
    )
    def test_a_word_of_a_kind_s_name_alone_does_not_find_every_enterprise_of_the_kind(
        self, backend, documents, places, text, kind, stem
    ):
        """Only whole phrases ("chantier d'insertion") stand for a kind: a buyer looking
        for building sites is not shown the 1,800 ACI."""
        unrelated = {
            i
            for i, d in documents.items()
            if d["kind"] == kind
            and stem not in text_of(d)
            and not any(stem in fold(name) for name in d["sector_group_names"])
        }
        assert unrelated and not unrelated & ids(backend, ask(places, q=text))

    def test_false_friends_stay_apart(self, backend, by_siret, documents, places):
        # "restaurant" is food: not the restoration of old stones.
        stones = next(d["id"] for d in documents.values() if "VIEILLES PIERRES" in d["name"])
        assert stones in ids(backend, ask(places, q="restauration"))
        assert stones not in ids(backend, ask(places, q="restaurant"))
        # "déchets" is waste: not the second-hand bicycles of the recycling group.
        bicycles = {
            i
            for i, d in documents.items()
            if "recyclage-economie-circulaire" in d["sector_groups"]
            and "collecte-traitement-des-dechets" not in d["sector_groups"]
            and "dechet" not in text_of(d)
            and not {"tri", "collecte"} & set(text_of(d).split())  # "déchets" synonyms
        }
        assert bicycles and bicycles <= ids(backend, ask(places, q="recyclage"))
        assert not bicycles & ids(backend, ask(places, q="déchets"))

    def test_too_few_complete_matches_are_followed_by_the_partial_ones(self, backend, places):
        """No document holds both "peinture" and "xqzwvk": the "peinture" ones are
        listed, each saying it matched "peinture" only."""
        alone = all_hits(backend, ask(places, q="peinture"))
        partial = all_hits(backend, ask(places, q="peinture xqzwvk"))
        assert len(alone) >= 20
        assert {hit.id for hit in partial} == {hit.id for hit in alone}
        for hit in partial:
            text = fold(next(r.detail for r in hit.reasons if r.code == "text"))
            assert "xqzwvk" not in text and "peint" in text

    def test_partial_matches_rank_below_the_complete_ones(self, backend, documents, places):
        query = ask(places, q="nettoyage lille")
        hits = all_hits(backend, query)
        complete = [hit.id for hit in hits if documents[hit.id]["commune_name"] == "Lille"]
        assert 0 < len(complete) < 20  # too few: the partial ones follow
        assert [hit.id for hit in hits[: len(complete)]] == complete
        assert {hit.id for hit in hits} == ids(backend, ask(places, q="nettoyage"))
        first_page = backend.search(query)
        assert first_page.total == len(hits)
        scores = [hit.score for hit in first_page.hits]
        assert min(scores[: len(complete)]) > max(scores[len(complete) :])

    def test_enough_complete_matches_list_no_partial_one(self, backend, places):
        both = backend.search(ask(places, q="nettoyage entretien")).total
        assert 20 <= both <= backend.search(ask(places, q="entretien")).total
        assert both <= backend.search(ask(places, q="nettoyage")).total

    @pytest.mark.parametrize(
        ("text", "same_as"),
        [
            ("peinture en", "peinture"),
            ("en peinture", "peinture"),
            ("nettoyage de la", "nettoyage"),
        ],
    )
    def test_stop_words_change_nothing(self, backend, places, text, same_as):
        assert ids(backend, ask(places, q=text)) == ids(backend, ask(places, q=same_as))

    @pytest.mark.parametrize("text", ["xqzwvk en", "xqzwvk de la", "en de xqzwvk", "xqzwvk d'"])
    def test_a_stop_word_never_makes_a_partial_match_alone(self, backend, places, text):
        assert backend.search(ask(places, q=text)).total == 0

    @pytest.mark.parametrize(
        "text",
        [
            'peinture "; DROP TABLE docs; --',
            "xqzwvk NEAR(peinture, 2) OR *",
            "peinture -bâtiment +(x) {name ids} : y",
            "peinture\x00xqzwvk 🙂 " + "z" * 500,
        ],
    )
    def test_hostile_text_with_partial_matches_stays_plain_words(self, backend, places, text):
        before = backend.count()
        result = backend.search(ask(places, q=text))
        assert result.total >= 0 and len(result.hits) <= result.per_page
        assert backend.count() == before

    def test_pages_of_a_partial_result_are_disjoint_and_cover_it(self, backend, places):
        first = backend.search(ask(places, q="nettoyage lille", per_page=40))
        assert first.pages > 2
        seen: list[int] = []
        for page in range(1, first.pages + 1):
            result = backend.search(ask(places, q="nettoyage lille", per_page=40, page=page))
            assert result.total == first.total
            seen.extend(hit.id for hit in result.hits)
        assert len(seen) == len(set(seen)) == first.total


# --- Facets -----------------------------------------------------------------------------


def test_facets_count_the_whole_filtered_result(backend, documents, places):
    query = ask(places, kind="insertion", serves="departement:59")
    result = backend.search(query)
    expected = facet_counts([documents[i] for i in expected_ids(documents, query)])
    assert result.total == sum(expected["kind"].values())
    assert result.facets == expected


def test_facets_of_a_text_search_count_all_its_hits(backend, documents, places):
    query = ask(places, q="entretien")
    result = backend.search(query)
    hit_ids = ids(backend, query)
    assert len(hit_ids) == result.total > query.per_page
    assert result.facets == facet_counts([documents[i] for i in hit_ids])


def test_only_the_facets_asked_for_are_counted(backend, places):
    query = dataclasses.replace(ask(places, kind="EA"), facets=("kind", "label"))
    assert backend.search(query).facets == {"kind": {"EA": 3}, "label": {}}


# --- Sorting and pages ------------------------------------------------------------------


def test_distance_sort_is_ascending_and_true_to_the_origin(backend, documents, places):
    query = ask(places, serves="commune:69123", sort="distance", per_page=100)
    result = backend.search(query)
    origin = (query.serves.latitude, query.serves.longitude)
    distances = [hit.distance_km for hit in result.hits]
    assert len(distances) > 10 and distances == sorted(distances)
    for hit in result.hits:
        document = documents[hit.id]
        expected = haversine_km(*origin, document["latitude"], document["longitude"])
        assert hit.distance_km == pytest.approx(expected, abs=0.06)


def test_near_with_distance_sort_starts_with_the_closest(backend, documents, places):
    query = ask(places, near="commune:59350", radius_km=15, sort="distance", per_page=100)
    hits = all_hits(backend, query)
    assert {hit.id for hit in hits} == expected_ids(documents, query)
    distances = [hit.distance_km for hit in hits]
    assert distances == sorted(distances) and distances[-1] <= 15.05


def test_name_sort_ignores_accents_and_case(backend, places):
    hits = all_hits(backend, ask(places, kind="EI", sort="name"))
    keys = [fold(hit.name) for hit in hits]
    assert len(keys) > 900 and keys == sorted(keys)


@pytest.mark.parametrize(
    "parameters", [{"kind": "ETTI"}, {"q": "insertion"}, {"serves": "departement:62"}]
)
def test_pages_are_disjoint_and_cover_the_result(backend, places, parameters):
    first = backend.search(ask(places, per_page=40, **parameters))
    assert first.pages > 2
    seen: list[int] = []
    for page in range(1, first.pages + 1):
        result = backend.search(ask(places, per_page=40, page=page, **parameters))
        assert result.total == first.total
        seen.extend(hit.id for hit in result.hits)
    assert len(seen) == len(set(seen)) == first.total
    beyond = backend.search(ask(places, per_page=40, page=first.pages + 1, **parameters))
    assert beyond.hits == () and beyond.total == first.total


# --- Hostile input ----------------------------------------------------------------------

HOSTILE_TEXTS = [
    '"',
    '"nettoyage',
    "nettoyage\"'",
    '"; DROP TABLE docs; --',
    "'; DELETE FROM fts; --",
    "NEAR(nettoyage menage, 2)",
    "nettoyage AND OR NOT menage",
    "name : nettoyage",
    "{name ids} : x",
    "nett* ^blanch -menage +(a) [b] \\ /",
    "nettoyage\x00menage",
    "🙂🙃 nettoyage 🧹",
    "x" * 10_000,
    "nettoyage " * 1_000,
    "\u202e\u200b\ufeff",
    "%s %d {} {0} $1 ?",
]


@pytest.mark.parametrize("text", HOSTILE_TEXTS)
def test_any_text_is_searched_as_plain_words(backend, places, text):
    before = backend.count()
    result = backend.search(ask(places, q=text))
    assert isinstance(result, SearchResult) and result.total >= 0
    straight = backend.search(SearchQuery(text=text))  # no parsing, no truncation
    assert straight.total >= 0
    assert backend.count() == before


@pytest.mark.parametrize(
    "text", ['"nettoyage', "nettoyage\"'", "(nettoyage)", "nettoyage*", "+nettoyage;", "-nettoyage"]
)
def test_quotes_and_operators_around_a_word_are_not_syntax(backend, places, text):
    """They find exactly what the bare word finds: no phrase, exclusion or column syntax."""
    plain = ids(backend, ask(places, q="nettoyage"))
    assert plain and ids(backend, ask(places, q=text)) == plain


@pytest.mark.parametrize(
    ("parameters", "name"),
    [
        ({"serves": "commune:ABCDE"}, "serves"),
        ({"serves": "commune:99999"}, "serves"),
        ({"serves": "departement:999"}, "serves"),
        ({"serves": "planet:earth"}, "serves"),
        ({"serves": "epci:1' OR '1'='1"}, "serves"),
        ({"near": "nowhere at all"}, "near"),
        ({"radius_km": "10"}, "radius_km"),
        ({"near": "commune:69123", "radius_km": "-3"}, "radius_km"),
        ({"kind": "XYZ"}, "kind"),
        ({"sector": "not-a-sector"}, "sector"),
        ({"label": '"; DROP TABLE labels; --'}, "label"),
        ({"reservation": "L9999-1"}, "reservation"),
        ({"min_employees": "many"}, "min_employees"),
        ({"per_page": "1000"}, "per_page"),
        ({"sort": "distance"}, "sort"),
        ({"sort": "random"}, "sort"),
        ({"q": ["a", "b"]}, "q"),
    ],
)
def test_bad_parameters_are_query_errors(places, parameters, name):
    with pytest.raises(QueryError) as raised:
        ask(places, **parameters)
    assert name in raised.value.errors
