"""What the Meilisearch backend sends and reads, as pure functions (no client, no network).

Index settings, documents, filter expressions, search parameters and the parsing of a
search response live here so they can be tested without a server; ``search.meili`` only
moves them over the wire.

Filters are the one place where query values meet Meilisearch's own syntax: every
attribute comes from ``FILTERABLE`` and every value goes through ``quote`` or a number
formatter (STYLE.md, rule 10).
"""

from __future__ import annotations

import itertools
import math
import re
from collections.abc import Iterable, Mapping
from functools import lru_cache
from typing import Any

from domain.text import fold
from search import territory
from search.backend import Document
from search.fields import FACET_FIELDS, LIST_FILTERS, MINIMUMS
from search.query import MAX_TEXT, Place, SearchQuery
from search.reasons import MAX_MATCHED_TERMS, distance_from_origin, hit_from_document
from search.results import Hit, SearchResult
from search.synonyms import default_synonyms
from search.text import (
    MIN_PREFIX,
    STOP_WORDS,
    TEXT_SOURCES,
    QueryText,
    folded,
    forms,
    partial_applies,
    searched_as_prefix,
    source_texts,
    synonym_table,
    terms,
    words,
    written_words,
)

# The embedded engine's text columns (search.text.TEXT_SOURCES), analysed by the same
# search.text.terms: each Meilisearch document carries them (``analysed_fields``), so
# "déchet" meets "déchets", and a synonym phrase meets its words without their stop words
# ("collecte des déchets" is "collecte dechet" on both sides).
ANALYSED: dict[str, tuple[str, ...]] = {
    f"terms_{column}": sources for column, sources in TEXT_SOURCES.items()
}
# Searched attributes, heaviest first: the "attribute" ranking rule ranks a match in the
# name above the same match in the description.
SEARCHABLE = (
    "display_name",
    "name",
    "brand",
    "siret",
    "siren",
    "sector_names",
    "offers",
    "description",
    "commune_name",  # "nettoyage lille": the base's commune narrows the text search
    # After the description, as in the embedded engine's body column: "BTP" finds the
    # sectors of its group, "intérim" the staffing kinds (search.synonyms).
    "sector_group_names",
    "kind_terms",
    # Last, the embedded engine's analysed text (``analysed_fields``): what makes a plural
    # meet its singular and a synonym meet the words it stands for on both backends.
    *ANALYSED,
)
# A division type -> the zone list naming it, the list of those the zone meets (a radius:
# reaches) and the list of those it covers whole (search.territory).
ZONE_ATTRIBUTES = territory.ZONE_FIELDS
REACH_ATTRIBUTES = territory.REACH_FIELDS
COVER_ATTRIBUTES = territory.COVER_FIELDS
FILTERABLE = frozenset(
    {
        "id",  # deletions go by filter: the client's delete-by-ids is deprecated
        "status",
        "kind",
        "presta",
        "sectors",
        "sector_groups",
        "departement",
        "labels",
        "networks",
        "reservations",
        "employees",
        "turnover",
        "largest_contract",
        "zone_national",
        *ZONE_ATTRIBUTES.values(),
        *REACH_ATTRIBUTES.values(),
        *COVER_ATTRIBUTES.values(),
        "_geo",
    }
)
NAME_SORT = "name_sort"  # the folded display name: "Échelle" sorts with the E's
SORTABLE = (NAME_SORT, "id", "_geo")
# Ties broken as the embedded backend breaks them, so pages never overlap or skip.
TIE_BREAK = (f"{NAME_SORT}:asc", "id:asc")
# Meilisearch's classic default order, except "sort" right after "words": a sort the
# visitor asks for (distance, name) must order the results strictly, as the embedded
# backend does; a relevance search sends no sort, which leaves that rule inert.
RANKING_RULES = ("words", "sort", "typo", "proximity", "attribute", "exactness")
# One wrong digit is another enterprise; the analysed fields' stems and plural forms are
# not words a typo should reach ("sites" is not "siaes"): typos reach the words as written.
NO_TYPO_ATTRIBUTES = ("siret", "siren", *ANALYSED)
ONE_TYPO_FROM, TWO_TYPOS_FROM = 5, 9
MAX_VALUES_PER_FACET = 500  # above the ~150 sectors and ~100 départements
MAX_TOTAL_HITS = 250_000  # exact totals and deep pages on the 200,000-enterprise bench
# What a hit must carry: the Hit fields, what search.reasons.explain reads, and the text
# the match positions point into. Not the reach lists: hundreds of codes each (a hit's
# reason reads what the zone lists and covers whole, search.territory.covers_all).
RETRIEVED = (
    "id",
    "siret",
    "siren",
    "name",
    "brand",
    "display_name",
    "description",
    "offers",
    "kind",
    "sectors",
    "sector_names",
    "sector_groups",
    "sector_group_names",
    "kind_terms",
    "presta",
    "commune_name",
    "departement",
    "latitude",
    "longitude",
    "zone_national",
    *ZONE_ATTRIBUTES.values(),
    *COVER_ATTRIBUTES.values(),
    "zone_radius_km",
    "employees",
    "turnover",
    "largest_contract",
    "labels",
    "networks",
    "reservations",
)
MAX_TERM_LENGTH = 40
Filter = list[str | list[str]]  # Meilisearch's array form: items AND-ed, inner lists OR-ed


class UnknownAttribute(ValueError):
    """An attribute outside the whitelist was about to reach a filter, sort or facet."""


# --- Settings ---------------------------------------------------------------------------


def index_settings(synonym_groups: Iterable[tuple[str, ...]]) -> dict[str, Any]:
    """The complete settings of the enterprises index for these synonym groups."""
    return {
        "searchableAttributes": list(SEARCHABLE),
        "filterableAttributes": sorted(FILTERABLE),
        "sortableAttributes": list(SORTABLE),
        "rankingRules": list(RANKING_RULES),
        # The embedded backend's stop words: with every word required, "menuiserie de
        # Lyon" must not ask for a "de" in the document on one backend only.
        "stopWords": sorted(STOP_WORDS),
        "typoTolerance": {
            "enabled": True,
            "disableOnAttributes": list(NO_TYPO_ATTRIBUTES),
            "minWordSizeForTypos": {"oneTypo": ONE_TYPO_FROM, "twoTypos": TWO_TYPOS_FROM},
        },
        "synonyms": meili_synonyms(synonym_groups),
        "faceting": {"maxValuesPerFacet": MAX_VALUES_PER_FACET},
        "pagination": {"maxTotalHits": MAX_TOTAL_HITS},
    }


def meili_synonyms(synonym_groups: Iterable[tuple[str, ...]]) -> dict[str, list[str]]:
    """The embedded engine's synonym table (``search.text.synonym_table``: analysed phrase
    -> analysed phrases it also searches) in Meilisearch's terms.

    Meilisearch looks a synonym up on the words as typed: each phrase is keyed under every
    written form of its words (``dechet``, ``dechets``; ``espace vert``, ``espaces verts``),
    and lists the analysed phrases, which the ``ANALYSED`` fields hold as the embedded
    index does (``jardins`` finds "Jardin de Cocagne", ``BTP`` finds "Bâtiments").
    """
    synonyms: dict[str, list[str]] = {}
    for phrase, others in synonym_table(tuple(synonym_groups)).items():
        values = [" ".join(other) for other in others]
        for written in itertools.product(*(forms(term) for term in phrase)):
            listed = synonyms.setdefault(" ".join(written), [])
            listed += [value for value in values if value not in listed]
    return synonyms


_UNORDERED_LISTS = frozenset(
    {"filterableAttributes", "sortableAttributes", "disableOnAttributes", "stopWords"}
)


def settings_drift(wanted: Mapping[str, Any], current: Mapping[str, Any]) -> list[str]:
    """The keys of ``wanted`` the server's ``current`` settings do not match.

    The server answers with every setting and sub-setting, defaults included: only what we
    set is compared, lists of attributes regardless of order where order means nothing.
    """
    return [key for key, value in wanted.items() if not _same(key, value, current.get(key))]


def _same(key: str, wanted: Any, current: Any) -> bool:
    if key == "synonyms":  # all of them: a synonym left on the server is drift too
        return isinstance(current, Mapping) and _synonym_sets(wanted) == _synonym_sets(current)
    if isinstance(wanted, Mapping):
        return isinstance(current, Mapping) and all(
            _same(k, v, current.get(k)) for k, v in wanted.items()
        )
    if isinstance(wanted, list) and key in _UNORDERED_LISTS:
        return isinstance(current, list) and sorted(map(str, wanted)) == sorted(map(str, current))
    return wanted == current


def _synonym_sets(synonyms: Mapping[str, Any]) -> dict[str, frozenset[str]]:
    return {term: frozenset(others) for term, others in synonyms.items()}


# --- Documents --------------------------------------------------------------------------


def to_meili_document(document: Document) -> Document:
    """The shared document as Meilisearch stores it: ``id`` stays the primary key, the
    position becomes ``_geo`` (``lng``, Meilisearch's spelling) when there is one, the
    folded name is added for sorting and the analysed text for searching."""
    stored = dict(document)
    stored[NAME_SORT] = fold(document["display_name"])
    stored.update(analysed_fields(document))
    latitude, longitude = document["latitude"], document["longitude"]
    if latitude is not None and longitude is not None:
        stored["_geo"] = {"lat": latitude, "lng": longitude}
    return stored


def analysed_fields(document: Mapping[str, Any]) -> dict[str, list[str]]:
    """Per ``ANALYSED`` field: the column's index terms in order (phrases are matched
    there), then, apart, every other written form of them and the words as written (a
    typed plural or singular is matched there): Meilisearch has no stemmer of ours."""
    fields = {}
    for name, sources in ANALYSED.items():
        text = " ".join(source_texts(document, sources))
        analysed = terms(text)
        written = dict.fromkeys(form for term in analysed for form in forms(term))
        written.update(dict.fromkeys(words(text)))
        fields[name] = [" ".join(analysed), " ".join(w for w in written if w not in analysed)]
    return fields


def known_words(stored: Mapping[str, Any]) -> set[str]:
    """The words of a stored document (``to_meili_document``) that a query word must not
    be searched around: every written form its analysed fields hold, and their beginnings
    from the typo threshold on. The embedded engine searches a word's typo neighbours only
    when the word (as a term or as the beginning of one) finds nothing; Meilisearch would
    always search them ("restaurant" finding "restauration"), except for the words of its
    ``disableOnWords`` setting, which the backend keeps to the index's own words."""
    found: set[str] = set()
    for name in ANALYSED:
        for part in stored.get(name, ()):
            for word in part.split():
                found.update(word[:end] for end in range(ONE_TYPO_FROM, len(word) + 1))
    return found


def synonym_words(synonyms: Mapping[str, Any]) -> set[str]:
    """The one-word keys of the synonyms: a word with synonyms is found by them, so the
    embedded engine never searches its typo neighbours either."""
    return {key for key in synonyms if " " not in key and len(key) >= ONE_TYPO_FROM}


# --- Filters ----------------------------------------------------------------------------


def quote(value: str) -> str:
    """``value`` as a filter string literal that cannot end early.

    Backslashes are escaped before double quotes, otherwise the backslash put in front of a
    quote would itself be doubled and leave the quote bare.
    """
    escaped = str(value).replace("\\", "\\\\").replace('"', '\\"')
    return f'"{escaped}"'


def attribute(name: str) -> str:
    """``name`` if it is a filterable attribute, else ``UnknownAttribute``."""
    if name not in FILTERABLE:
        raise UnknownAttribute(f"not a filterable attribute: {name[:40]!r}")
    return name


def integer(value: int | float) -> str:
    if isinstance(value, bool) or not math.isfinite(value) or value != int(value):
        raise ValueError(f"not an integer: {value!r}")
    return str(int(value))


def coordinate(value: float) -> str:
    """Fixed-point degrees: six decimals place a point within ~10 cm, and never an
    exponent the filter parser would have to understand."""
    if isinstance(value, bool) or not math.isfinite(value) or abs(value) > 180:
        raise ValueError(f"not a coordinate: {value!r}")
    return f"{value:.6f}"


def equals(name: str, value: str | bool) -> str:
    literal = ("true" if value else "false") if isinstance(value, bool) else quote(value)
    return f"{attribute(name)} = {literal}"


def any_of(name: str, values: Iterable[str]) -> str:
    return f"{attribute(name)} IN [{', '.join(quote(v) for v in values)}]"


def at_least(name: str, minimum: int) -> str:
    return f"{attribute(name)} >= {integer(minimum)}"


def ids_filter(ids: Iterable[int]) -> str:
    return f"{attribute('id')} IN [{', '.join(integer(i) for i in ids)}]"


def geo_radius(latitude: float, longitude: float, radius_km: float) -> str:
    meters = integer(round(radius_km * 1000))
    return f"_geoRadius({coordinate(latitude)}, {coordinate(longitude)}, {meters})"


def serves(place: Place, cover: str = "any") -> list[str]:
    """Enterprises whose zone works in ``place`` (``cover="any"``: national, or listing a
    division containing it, or meeting it) or covers all of it (``"all"``): the one rule
    of ``search.territory``, whose lists the document builder computes, so the test is a
    membership test like the others."""
    try:
        pairs = territory.alternatives(place, cover)
    except KeyError as error:  # a kind of place no zone list names
        raise UnknownAttribute(f"no attribute for {str(error)[:40]}") from None
    return [equals(name, value) for name, value in pairs]


def filter_expression(query: SearchQuery) -> Filter:
    """The filter for ``query``: each criterion AND-ed, the values of one criterion OR-ed."""
    conditions: Filter = [equals("status", "active")]
    for attribute, name in LIST_FILTERS.items():
        values = getattr(query, attribute)
        if values:
            conditions.append(any_of(name, values))
    if query.serves:
        conditions.append(serves(query.serves, query.cover))
    if query.near and query.radius_km is not None:
        conditions.append(geo_radius(query.near.latitude, query.near.longitude, query.radius_km))
    for query_attribute, name in MINIMUMS.items():
        minimum = getattr(query, query_attribute)
        if minimum is not None:
            conditions.append(at_least(name, minimum))
    return conditions


def _lookup(table: Mapping[str, str], key: str) -> str:
    if key not in table:
        raise UnknownAttribute(f"no attribute for {key[:40]!r}")
    return attribute(table[key])


# --- Search parameters ------------------------------------------------------------------

_DIGIT_GROUPS = re.compile(r"[0-9](?:[\s.]?[0-9])+")


def search_text(text: str, min_prefix: int = MIN_PREFIX) -> str:
    """The ``q`` sent for ``text``: its words, as the embedded engine reads them.

    Only words are sent, joined by spaces: Meilisearch would read ``"..."`` as a phrase,
    ``-word`` as an exclusion, and punctuation as a separator that changes what is near
    what. A SIRET or SIREN typed in groups ("802 954 784 00012", "802.954.784") is joined
    into the one token the index holds. Stop words are left out, as the embedded engine
    leaves them: Meilisearch would search a last "en" as a prefix ("entretien"), and
    looks a synonym phrase up only on words next to each other ("mise à disposition"
    reaches "intérim" only as "mise disposition", the form its settings store). The last
    word is searched as a prefix only where the embedded engine would search it so
    (``search.text.searched_as_prefix``: not "ai", not digits): a trailing space tells
    Meilisearch the word is complete.
    """
    text = text[:MAX_TEXT]  # control characters are no word: written_words drops them
    text = _DIGIT_GROUPS.sub(_joined_code, text)
    kept = [word for word in written_words(text) if folded(word) not in STOP_WORDS]
    if kept and not searched_as_prefix(kept[-1], min_prefix):
        return " ".join(kept) + " "
    return " ".join(kept)


@lru_cache(maxsize=1)
def _synonym_phrases() -> dict:
    return synonym_table(default_synonyms()[1])


def text_units(text: str) -> int:
    """How many units the embedded engine cuts ``text`` into (identifiers, words and
    synonym phrases such as "espaces verts"): a one-unit query has no partial match."""
    return QueryText.read(text, _synonym_phrases()).unit_count()


def wants_partial(query: SearchQuery, complete: int) -> bool:
    """Whether a search whose every word found ``complete`` documents is asked again with
    the "last" matching strategy (``search.text.partial_applies``, the embedded rule)."""
    return partial_applies(text_units(query.text), complete)


def _joined_code(match: re.Match[str]) -> str:
    digits = re.sub(r"[^0-9]", "", match.group())
    return digits if len(digits) in (9, 14) else match.group()


def facet_attributes(names: Iterable[str]) -> list[str]:
    return [_lookup(FACET_FIELDS, name) for name in names]


def sort_rules(query: SearchQuery) -> list[str]:
    if query.sort == "distance" and query.origin:
        latitude, longitude = query.origin
        return [f"_geoPoint({coordinate(latitude)}, {coordinate(longitude)}):asc", *TIE_BREAK]
    if query.sort == "name":
        return list(TIE_BREAK)
    return []


def search_params(query: SearchQuery, matching_strategy: str = "all") -> dict[str, Any]:
    """The body of the search request for ``query``, ``q`` included."""
    params: dict[str, Any] = {
        "q": search_text(query.text),
        "filter": filter_expression(query),
        "page": query.page,
        "hitsPerPage": query.per_page,
        # Every word must match (with its typos, prefixes and synonyms); when that finds
        # too few, the backend asks again with "last" (``wants_partial``), the embedded
        # engine's partial matches: words dropped from the end, ranked below the others.
        "matchingStrategy": matching_strategy,
        "showRankingScore": True,
        "attributesToRetrieve": list(RETRIEVED),
    }
    if params["q"]:
        params["showMatchesPosition"] = True
    if query.facets:
        params["facets"] = facet_attributes(query.facets)
    sort = sort_rules(query)
    if sort:
        params["sort"] = sort
    return params


def suggest_params(limit: int) -> dict[str, Any]:
    return {
        "limit": limit,
        "attributesToSearchOn": ["display_name"],
        "attributesToRetrieve": ["display_name"],
        "filter": [equals("status", "active")],
    }


# --- Responses --------------------------------------------------------------------------


def parse_response(query: SearchQuery, response: Mapping[str, Any]) -> SearchResult:
    """Our result from a Meilisearch search response (the ``page``/``hitsPerPage`` shape)."""
    distribution = response.get("facetDistribution") or {}
    return SearchResult(
        total=response["totalHits"],
        page=query.page,
        per_page=query.per_page,
        hits=tuple(_hit(query, raw) for raw in response["hits"]),
        facets={name: dict(distribution.get(FACET_FIELDS[name]) or {}) for name in query.facets},
    )


def _hit(query: SearchQuery, raw: Mapping[str, Any]) -> Hit:
    return hit_from_document(
        query,
        raw,
        score=float(raw.get("_rankingScore", 0.0)),
        distance_km=distance_km(query, raw),
        matched_terms=matched_terms(raw),
    )


def distance_km(query: SearchQuery, raw: Mapping[str, Any]) -> float | None:
    """Kilometres from the query's origin, one decimal: Meilisearch's ``_geoDistance``
    (metres, sent with a ``_geoPoint`` sort) or computed from the hit's position."""
    if raw.get("_geoDistance") is not None:
        return round(raw["_geoDistance"] / 1000, 1)
    return distance_from_origin(query, raw)


def matched_terms(raw: Mapping[str, Any]) -> tuple[str, ...]:
    """The document's words the query matched, read from ``_matchesPosition``, heaviest
    attribute first, each once whatever its case or accents."""
    positions = raw.get("_matchesPosition") or {}
    terms: dict[str, str] = {}
    for name in SEARCHABLE:
        for match in positions.get(name, ()):
            text = _matched_value(raw.get(name), match.get("indices"))
            if text is None:
                continue
            word = word_at(text, match["start"], match["length"])
            if word:
                terms.setdefault(fold(word), word)
    return tuple(terms.values())[:MAX_MATCHED_TERMS]


def _matched_value(value: Any, indices: list[int] | None) -> str | None:
    """The string a match points into: the attribute, or for an array the element named
    by ``indices``."""
    if isinstance(value, str):
        return value
    if isinstance(value, list) and indices and 0 <= indices[0] < len(value):
        element = value[indices[0]]
        return element if isinstance(element, str) else None
    return None


def word_at(text: str, start: int, length: int) -> str:
    """The whole word around a match of ``length`` bytes at byte ``start`` of ``text``.

    Positions count UTF-8 bytes, and some server versions cut inside an accented letter:
    decoding ignores the partial character, then the match widens to its word, which also
    names "menuiserie" rather than the "menuis" a prefix matched.
    """
    data = text.encode("utf-8")
    if not 0 <= start < len(data):
        return ""
    begin = len(data[:start].decode("utf-8", "ignore"))
    end = max(begin, len(data[: start + max(0, length)].decode("utf-8", "ignore")))
    while begin > 0 and text[begin - 1].isalnum():
        begin -= 1
    while end < len(text) and text[end].isalnum():
        end += 1
    return text[begin:end][:MAX_TERM_LENGTH]
