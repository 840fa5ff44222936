"""The search form: what the visitor asked for, read back from the URL, and its errors.

The parameters are those of the API (``search.query.KNOWN_PARAMETERS``) so that a page URL
and an API URL say the same thing. Parsing and validation stay in ``search.query``; this
module only adds what a form needs: echoing values, French messages, a commune field.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from werkzeug.datastructures import MultiDict

from domain.kinds import FAMILY_LABELS, KIND_CODES, KINDS, PRESTA_TYPES, Family
from domain.reservations import ARTICLE_LABELS
from search.query import (
    KIND_GROUPS,
    KNOWN_PARAMETERS,
    MAX_TEXT,
    PlaceDirectory,
    QueryError,
    SearchQuery,
    parse_query,
)
from webapp.search_ui.present import Vocabulary

# A page-only field: a commune code typed next to the département select. It stands for
# ``serves=commune:<code>`` and wins over the select, which cannot list 35,000 communes.
SERVES_COMMUNE = "serves_commune"
GROUP_FAMILIES = {"insertion": Family.INSERTION, "disability": Family.DISABILITY, "ess": Family.ESS}

FIELD_LABELS = {
    "q": _l("Rechercher"),
    "kind": _l("Type de structure"),
    "sector_group": _l("Familles de secteurs"),
    "sector": _l("Secteurs d'activité"),
    "presta": _l("Type de prestation"),
    "serves": _l("Intervient sur"),
    "cover": _l("Seulement les structures qui couvrent tout ce territoire"),
    SERVES_COMMUNE: _l("ou sur la commune (code INSEE)"),
    "near": _l("Près de"),
    "radius_km": _l("Rayon (km)"),
    "min_employees": _l("Effectif minimum"),
    "min_turnover": _l("Chiffre d'affaires minimum (€)"),
    "min_contract": _l("Montant de marché accepté d'au moins (€)"),
    "label": _l("Labels"),
    "network": _l("Réseaux"),
    "reservation": _l("Marchés réservés"),
    "sort": _l("Trier par"),
    "page": _l("Page"),
    "per_page": _l("Résultats par page"),
}

SORT_LABELS = {
    "relevance": _l("pertinence"),
    "distance": _l("distance"),
    "name": _l("nom"),
}

_UNKNOWN_CHOICE = _l("Choix inconnu : cochez une des valeurs proposées.")
_NUMBER = _l("Indiquez un nombre positif.")
_MESSAGES = {
    "kind": _l("Type de structure inconnu."),
    "sector_group": _UNKNOWN_CHOICE,
    "sector": _UNKNOWN_CHOICE,
    "presta": _UNKNOWN_CHOICE,
    "label": _UNKNOWN_CHOICE,
    "network": _UNKNOWN_CHOICE,
    "reservation": _UNKNOWN_CHOICE,
    "serves": _l("Territoire inconnu ou mal écrit (par exemple departement:93)."),
    SERVES_COMMUNE: _l("Code de commune inconnu ou mal écrit (par exemple 93048)."),
    "cover": _l("Choisissez d'abord un territoire (« Intervient sur » ou une commune)."),
    "near": _l("Lieu introuvable : indiquez une commune, un code postal ou une adresse."),
    "radius_km": _l("Indiquez un rayon entre 0,1 et 1 000 km, avec un lieu « Près de »."),
    "min_employees": _NUMBER,
    "min_turnover": _NUMBER,
    "min_contract": _NUMBER,
    "sort": _l("Tri inconnu."),
    "page": _l("Numéro de page invalide."),
    "per_page": _l("Nombre de résultats par page invalide (1 à 100)."),
}
_ONCE = _l("Indiquez cette valeur une seule fois.")
_DISTANCE_NEEDS_PLACE = _l(
    "Le tri par distance demande un lieu : « Près de » ou « Intervient sur »."
)


def clip_text(value: str | None, limit: int = MAX_TEXT) -> str:
    """User text to echo into a field, never 10 kB of it (control characters are gone at
    the request boundary, ``webapp.input_cleaning``)."""
    return (value or "")[:limit]


def page_arguments(args: Mapping) -> tuple[MultiDict, bool]:
    """The request's arguments in API form, and whether the commune field gave ``serves``."""
    merged = MultiDict(args)
    commune = clip_text(merged.get(SERVES_COMMUNE)).strip()
    if commune:
        merged.setlist("serves", [f"commune:{commune}"])
    return merged, bool(commune)


def shareable_arguments(args: Mapping) -> MultiDict:
    """The arguments to keep in links (pagination, exports): none empty, none page-only."""
    kept = MultiDict()
    for key, values in MultiDict(args).lists():
        # API parameters only: page-only ones stay out, and any other name would reach
        # url_for() as one of its own keywords (``endpoint``, ``_anchor``...).
        if key not in KNOWN_PARAMETERS:
            continue
        for value in values:
            if value.strip():
                kept.add(key, value)
    return kept


def form_errors(errors: Mapping[str, str], *, commune_used: bool) -> dict[str, str]:
    """Each invalid field (by its HTML name) -> what to do about it, in the visitor's words.

    ``search.query`` explains problems to developers, in English; the page speaks French.
    """
    messages: dict[str, str] = {}
    for name, problem in errors.items():
        if name not in FIELD_LABELS:
            continue  # "_" (unknown parameters) only exists in strict (API) parsing
        if problem == "give this parameter once":
            message = _ONCE
        elif name == "sort" and "distance" in problem:
            message = _DISTANCE_NEEDS_PLACE
        elif name == "cover" and problem != "needs serves":
            message = _UNKNOWN_CHOICE
        else:
            message = _MESSAGES.get(name, _UNKNOWN_CHOICE)
        if name == "serves" and commune_used:
            name, message = SERVES_COMMUNE, _MESSAGES[SERVES_COMMUNE]
        messages[name] = str(message)
    return messages


def parse_leniently(args: MultiDict, places: PlaceDirectory) -> tuple[SearchQuery, dict[str, str]]:
    """The query with every valid parameter, and the problems of the others.

    As on the directory list, invalid filters are reported and left out rather than
    emptying the page. Dropping one can invalidate another (``sort=distance`` once ``near``
    is gone), hence the few rounds.
    """
    errors: dict[str, str] = {}
    remaining = MultiDict(args)
    for _round in range(4):
        try:
            return parse_query(remaining, places, strict=False), errors
        except QueryError as error:
            errors.update(error.errors)
            for name in error.errors:
                remaining.poplist(name)
    return SearchQuery(), errors  # unreachable in practice: each round removes parameters


@dataclass(frozen=True)
class FormState:
    """What the form shows: the values given, as the visitor typed them."""

    args: MultiDict

    def text(self, name: str) -> str:
        return clip_text(self.args.get(name))

    def chosen(self, name: str) -> set[str]:
        """Values of a list parameter (repeated or comma-separated, as the parser reads)."""
        found: set[str] = set()
        for raw in self.args.getlist(name):
            found.update(part.strip() for part in clip_text(raw).split(",") if part.strip())
        if name == "kind":
            # Codes are upper case, groups lower case; "ESS" (the kind) and "ess" (the
            # group) are told apart by their case, so one checkbox never ticks the other.
            return {
                v
                if v in KIND_CODES or v in KIND_GROUPS
                else v.upper()
                if v.upper() in KIND_CODES
                else v.lower()
                for v in found
            }
        if name == "reservation":
            return {v.upper() for v in found}
        return found


def kind_group_counts(facets: dict[str, dict[str, int]]) -> dict[str, int]:
    kinds = facets.get("kind", {})
    return {
        group: sum(kinds.get(code, 0) for code in codes) for group, codes in KIND_GROUPS.items()
    }


def filter_options(
    vocabulary: Vocabulary, facets: dict[str, dict[str, int]], form: FormState
) -> dict:
    """Every filter's choices as (value, label, count or None), counts from the facets."""

    def counted(name: str, value: str) -> int | None:
        if name not in facets:
            return None  # this backend did not count it: show no number rather than 0
        return facets[name].get(value, 0)

    group_counts = kind_group_counts(facets)
    groups = [
        (
            group,
            _(FAMILY_LABELS[GROUP_FAMILIES[group]]),
            group_counts[group] if "kind" in facets else None,
        )
        for group in KIND_GROUPS
    ]
    return {
        "kind_groups": groups,
        "kinds": [(k.code, f"{k.code} — {_(k.label)}", counted("kind", k.code)) for k in KINDS],
        "sector_groups": [
            (slug, name, counted("sector_group", slug))
            for slug, name in vocabulary.sector_groups.items()
        ],
        "sector_tree": [
            (name, [(slug, sector, counted("sector", slug)) for slug, sector in sectors])
            for _slug, name, sectors in vocabulary.sector_tree
        ],
        "presta": [(code, _(label), None) for code, label in PRESTA_TYPES.items()],
        "labels": [
            (slug, name, counted("label", slug)) for slug, name in vocabulary.labels.items()
        ],
        "networks": [
            (slug, name, counted("network", slug)) for slug, name in vocabulary.networks.items()
        ],
        "reservations": [
            (code, f"{_(label)} ({code})", None) for code, label in ARTICLE_LABELS.items()
        ],
        "regions": list(vocabulary.regions.items()),
        "departements": list(vocabulary.departements.items()),
        "serves_other": _serves_other(form, vocabulary),
    }


def _serves_other(form: FormState, vocabulary: Vocabulary) -> str | None:
    """A ``serves`` value the select does not list (a commune, an EPCI, from a shared
    API URL): kept as an extra option so that submitting the form does not lose it."""
    value = form.text("serves").strip()
    kind, _sep, code = value.partition(":")
    kind, code = kind.strip().lower(), code.strip().upper()
    if not value or (kind == "departement" and code in vocabulary.departements):
        return None
    if kind == "region" and code in vocabulary.regions:
        return None
    return value
