"""Saved-search alerts: e-mail the owners of saved searches the enterprises that newly match
them (run by ``flask --app webapp alerts send``, webapp/buyers/cli.py)."""

from __future__ import annotations

from dataclasses import dataclass

from flask_babel import gettext as _
from sqlalchemy import select

from search.backend import SearchUnavailable
from webapp import mail
from webapp.buyers import saved, services
from webapp.extensions import db
from webapp.models import Enterprise, SavedSearch

# Enterprises listed in one e-mail; more are summed up by the link to the search.
MAX_LISTED = 50


@dataclass
class AlertReport:
    searches: int = 0
    sent: int = 0
    failed: int = 0


def send_alerts() -> AlertReport:
    """Run every saved search with alerts on; e-mail the new matches; remember them."""
    report = AlertReport()
    ids = db.session.scalars(
        select(SavedSearch.id).where(SavedSearch.alerts.is_(True)).order_by(SavedSearch.id)
    ).all()
    for search_id in ids:
        search = db.session.get(SavedSearch, search_id)
        if search is None or not search.owner.is_active:
            continue
        report.searches += 1
        try:
            current = saved.matching_sirets(search.query_string)
        except SearchUnavailable:
            report.failed += 1
            continue
        new = [siret for siret in current if siret not in saved.known_sirets(search)]
        if new:
            _send(search, new)
            report.sent += 1
        services.record_alert(db.session, search, current, sent=bool(new))
    return report


def _send(search: SavedSearch, new: list[str]) -> None:
    listed = new[:MAX_LISTED]
    by_siret = {
        e.siret: e
        for e in db.session.scalars(select(Enterprise).where(Enterprise.siret.in_(listed)))
    }
    enterprises = [by_siret[s] for s in listed if s in by_siret]
    links = {e.siret: mail.external_url("directory.profile", siret=e.siret) for e in enterprises}
    query_url = mail.external_url("search_ui.search")
    if search.query_string:
        query_url += "?" + search.query_string
    mail.send(
        [search.owner.email],
        _("Nouvelles entreprises pour « %(name)s »", name=search.name),
        "saved_search_alert",
        user=search.owner,
        search=search,
        enterprises=enterprises,
        links=links,
        more=len(new) - len(listed),
        search_url=query_url,
        manage_url=mail.external_url("buyers.saved_searches"),
    )
