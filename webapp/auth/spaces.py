"""The links to a person's own spaces, shown on their account page and in the menu."""

from __future__ import annotations

from flask import current_app, url_for
from flask_babel import gettext as _

from webapp.permissions import ADMIN, BUYER, PERMISSIONS, roles_of


def account_spaces(user) -> list[tuple[str, str]]:
    roles = roles_of(user)
    links: list[tuple[str, str, dict]] = []
    for enterprise in user.enterprises if user.is_authenticated else []:
        links.append(
            (
                _("Fiche de %(name)s", name=enterprise.display_name),
                "self_service.dashboard",
                {"siret": enterprise.siret},
            )
        )
    if BUYER in roles or ADMIN in roles:
        links.append((_("Mes listes d'entreprises"), "buyers.shortlists", {}))
        links.append((_("Mes intentions d'achat"), "intentions.mine", {}))
    if roles & PERMISSIONS["decide_claim"]:
        links.append((_("Revendications à traiter"), "claims.inbox", {}))
    if user.is_authenticated:
        links.append((_("Mes recherches enregistrées"), "buyers.saved_searches", {}))
        links.append((_("Mes jetons d'API"), "tokens.list_tokens", {}))
    for network in user.networks if user.is_authenticated else []:
        links.append(
            (
                _("Réseau %(name)s", name=network.brand or network.name),
                "facilitators.network",
                {"slug": network.slug},
            )
        )
    if ADMIN in roles:
        links.append((_("Administration"), "admin.index", {}))
    # A space appears once its pages exist (each blueprint owns its endpoint).
    return [
        (label, url_for(endpoint, **values))
        for label, endpoint, values in links
        if endpoint in current_app.view_functions
    ]
