"""Turning search results into words and names for people: reasons, facet labels, pages.

Shared by the search page, its exports and the API (which words reasons the same way).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field

from flask_babel import format_decimal, ngettext
from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from domain.kinds import KINDS_BY_CODE, PRESTA_TYPES
from domain.reservations import SEARCH_ARTICLES
from search.query import MAX_PAGE
from search.results import Hit, Reason
from webapp.models import Departement, Label, Network, Region, SectorGroup


@dataclass(frozen=True)
class Vocabulary:
    """Names of the codes and slugs a search speaks in, read once per request."""

    # (group slug, group name, [(sector slug, sector name)]) in display order
    sector_tree: list[tuple[str, str, list[tuple[str, str]]]] = field(default_factory=list)
    sectors: dict[str, str] = field(default_factory=dict)
    sector_groups: dict[str, str] = field(default_factory=dict)
    departements: dict[str, str] = field(default_factory=dict)  # ordered by code
    regions: dict[str, str] = field(default_factory=dict)  # ordered by code
    labels: dict[str, str] = field(default_factory=dict)
    networks: dict[str, str] = field(default_factory=dict)


def load_vocabulary(session: Session) -> Vocabulary:
    groups = session.scalars(
        select(SectorGroup).order_by(SectorGroup.name).options(selectinload(SectorGroup.sectors))
    ).all()
    tree = [(g.slug, g.name, [(s.slug, s.name) for s in g.sectors]) for g in groups]
    networks = session.scalars(select(Network).order_by(Network.name)).all()
    return Vocabulary(
        sector_tree=tree,
        sectors={slug: name for _g, _n, sectors in tree for slug, name in sectors},
        sector_groups={slug: name for slug, name, _s in tree},
        departements=dict(
            session.execute(
                select(Departement.code, Departement.name).order_by(Departement.code)
            ).all()
        ),
        regions=dict(session.execute(select(Region.code, Region.name).order_by(Region.code)).all()),
        labels=dict(session.execute(select(Label.slug, Label.name).order_by(Label.name)).all()),
        # The brand ("UNEA") is what buyers recognise; the long name is the fallback.
        networks={n.slug: n.brand or n.name for n in networks},
    )


def format_km(value: float) -> str:
    """A distance with one decimal, in the visitor's notation (12,3 in French)."""
    return format_decimal(value, format="#,##0.0")


def _amount(detail: str) -> str:
    try:
        return format_decimal(int(detail))
    except ValueError:
        return detail


def _served(detail: str) -> str:
    """Words for the ``serves`` detail, ``<extent>:<how>:<place kind>:<place name>`` (see
    search.reasons): all of the place or a part of it, and by what kind of zone."""
    extent, how, kind, place = (detail.split(":", 3) + ["", "", ""])[:4]
    if how == "national":
        return _("intervient dans toute la France, donc sur %(place)s", place=place)
    wording = {
        ("all", "region"): _("intervient sur toute la région %(place)s"),
        ("all", "departement"): _("intervient sur tout le département %(place)s"),
        ("all", "epci"): _("intervient sur tout l'EPCI %(place)s"),
        ("all", "commune"): _("intervient sur la commune %(place)s"),
        ("part", "region"): _("intervient sur une partie de la région %(place)s"),
        ("part", "departement"): _("intervient sur une partie du département %(place)s"),
        ("part", "epci"): _("intervient sur une partie de l'EPCI %(place)s"),
    }.get((extent, kind))
    if wording is None:
        return _("intervient sur %(place)s", place=detail)
    scopes = {
        "region": _("zone régionale"),
        "departement": _("zone départementale"),
        "epci": _("zone intercommunale"),
        "commune": _("zone communale"),
        "radius": _("rayon autour de son adresse"),
    }
    served = wording % {"place": place}
    if how not in scopes:
        return served
    return _("%(served)s (%(scope)s)", served=served, scope=scopes[how])


def reason_text(reason: Reason, vocabulary: Vocabulary) -> str:
    """One reason an enterprise matched, as a short French (or English) phrase."""
    code, detail = reason.code, reason.detail
    if code == "text":
        return _("correspond à : %(terms)s", terms=detail)
    if code == "sector":
        return _("secteur : %(name)s", name=detail)
    if code == "sector_group":
        return _(
            "famille de secteurs : %(name)s", name=vocabulary.sector_groups.get(detail, detail)
        )
    if code == "kind":
        kind = KINDS_BY_CODE.get(detail)
        return _(
            "structure : %(label)s (%(code)s)",
            label=_(kind.label) if kind else detail,
            code=detail,
        )
    if code == "presta":
        label = PRESTA_TYPES.get(detail)
        return _("prestation : %(label)s", label=_(label) if label else detail)
    if code == "serves":
        return _served(detail)
    if code == "near":
        try:
            return _("à %(km)s km", km=format_km(float(detail)))
        except ValueError:
            return _("à %(km)s km", km=detail)
    if code == "employees":
        try:
            count = int(detail)
        except ValueError:
            return _("effectif : %(count)s", count=detail)
        return ngettext(
            "effectif : %(count)s salarié",
            "effectif : %(count)s salariés",
            count,
            count=format_decimal(count),
        )
    if code == "turnover":
        return _("chiffre d'affaires : %(amount)s €", amount=_amount(detail))
    if code == "contract":
        return _("plus gros marché accepté : %(amount)s €", amount=_amount(detail))
    if code == "label":
        return _("label : %(name)s", name=vocabulary.labels.get(detail, detail))
    if code == "network":
        return _("réseau : %(name)s", name=vocabulary.networks.get(detail, detail))
    if code == "reservation":
        if detail in SEARCH_ARTICLES:
            return _("éligible aux marchés réservés (%(article)s)", article=detail)
        return _("éligible : %(article)s", article=detail)
    return detail


def top_counts(
    counts: dict[str, int], names: dict[str, str], limit: int = 8
) -> list[tuple[str, str, int]]:
    """The most frequent values of a facet with their names, most frequent first."""
    ranked = sorted(counts.items(), key=lambda item: (-item[1], item[0]))[:limit]
    return [(code, names.get(code, code), count) for code, count in ranked if count]


@dataclass(frozen=True)
class HitView:
    """A hit as the results list and the exports show it."""

    hit: Hit
    kind_label: str
    sector_names: list[str]
    place: str
    distance: str | None
    reasons: list[str]


def present_hit(hit: Hit, vocabulary: Vocabulary) -> HitView:
    kind = KINDS_BY_CODE.get(hit.kind)
    place = hit.commune or ""
    if hit.departement:
        place = f"{place} ({hit.departement})" if place else hit.departement
    return HitView(
        hit=hit,
        kind_label=_(kind.label) if kind else hit.kind,
        sector_names=[vocabulary.sectors.get(s, s) for s in hit.sectors],
        place=place,
        # Said once: when distance is a reason, the reasons already give it.
        distance=None
        if hit.distance_km is None or any(r.code == "near" for r in hit.reasons)
        else format_km(hit.distance_km),
        reasons=[reason_text(r, vocabulary) for r in hit.reasons],
    )


@dataclass(frozen=True)
class ResultPages:
    """The page numbers of a result, shaped like Flask-SQLAlchemy's ``Pagination`` so the
    shared ``pagination`` macro can render it."""

    page: int
    per_page: int
    total: int

    @property
    def pages(self) -> int:
        # Beyond MAX_PAGE the query parser refuses the page number: never link to it.
        return min(max(1, -(-self.total // self.per_page)), MAX_PAGE)

    @property
    def has_prev(self) -> bool:
        return self.page > 1

    @property
    def has_next(self) -> bool:
        return self.page < self.pages

    @property
    def prev_num(self) -> int | None:
        return self.page - 1 if self.has_prev else None

    @property
    def next_num(self) -> int | None:
        return self.page + 1 if self.has_next else None

    def iter_pages(
        self,
        *,
        left_edge: int = 2,
        left_current: int = 2,
        right_current: int = 4,
        right_edge: int = 2,
    ) -> Iterator[int | None]:
        """Page numbers to link, with ``None`` for each gap (as Flask-SQLAlchemy does)."""
        pages = self.pages
        left_end = min(1 + left_edge, pages + 1)
        yield from range(1, left_end)
        if left_end > pages:
            return
        mid_start = max(left_end, self.page - left_current)
        mid_end = min(self.page + right_current + 1, pages + 1)
        if mid_start - left_end > 0:
            yield None
        yield from range(mid_start, mid_end)
        if mid_end > pages:
            return
        right_start = max(mid_end, pages - right_edge + 1)
        if right_start - mid_end > 0:
            yield None
        yield from range(right_start, pages + 1)
