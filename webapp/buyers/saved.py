"""Saved searches: the query kept from the search page, and the SIRETs it matches now."""

from __future__ import annotations

import json
from urllib.parse import parse_qsl, urlencode

from flask import current_app
from werkzeug.datastructures import MultiDict

from domain.text import clean_data
from webapp.extensions import db
from webapp.indexing.engine import get_backend
from webapp.indexing.places import DatabasePlaces
from webapp.models import SavedSearch
from webapp.models.workflows import NAME_MAX
from webapp.search_ui import export
from webapp.search_ui.forms import page_arguments, parse_leniently, shareable_arguments

# Matches remembered per saved search: an alert reports enterprises beyond these.
MATCH_LIMIT = 1000
_PAGE_ONLY = ("page", "per_page")


def _arguments(query_string: str) -> MultiDict:
    """A saved query string's arguments, cleaned as a request's are: "%00" decodes to NUL."""
    return MultiDict(clean_data(parse_qsl(query_string.lstrip("?"), keep_blank_values=False)))


def normalise_query_string(raw: str) -> str:
    """The search page's parameters as the API names them, without paging: what a saved
    search replays (the commune field becomes ``serves``, unknown names are dropped)."""
    args, _commune_used = page_arguments(_arguments(raw or ""))
    kept = shareable_arguments(args)
    for name in _PAGE_ONLY:
        kept.poplist(name)
    return urlencode(list(kept.items(multi=True)))


def text_of(query_string: str) -> str:
    """The free text of the search, to name it by default (clipped to a name's length)."""
    return (_arguments(query_string).get("q") or "").strip()[:NAME_MAX]


def matching_sirets(query_string: str, limit: int = MATCH_LIMIT) -> list[str]:
    """The SIRETs the search matches now, in its order, up to ``limit``. Invalid
    parameters are left out as on the search page. Raises ``SearchUnavailable``."""
    query, _problems = parse_leniently(_arguments(query_string), DatabasePlaces(db.session))
    backend = get_backend(current_app)
    return [hit.siret for hit in export.matching_hits(backend, query, limit)]


def known_sirets(saved: SavedSearch) -> set[str]:
    try:
        known = json.loads(saved.known_sirets or "[]")
    except ValueError:
        return set()
    return {s for s in known if isinstance(s, str)} if isinstance(known, list) else set()


def remember(saved: SavedSearch, sirets: list[str]) -> None:
    saved.known_sirets = json.dumps(sorted(set(sirets)))
