"""Shared builders for the tests of every package: where the reference data lies, rows in
the application's database, requests as a browser or an API client sends them, and what a
command prints. Fixtures stay in the conftest.py files; builders that only one package's
tests use stay beside them (``tests/<package>/factories.py``)."""

from __future__ import annotations

import csv
import dataclasses
import gzip
import json
import re
from pathlib import Path

from sqlalchemy import func, select

from importers.enterprise_lists import parse_siae
from importers.enterprise_loader import load_enterprises
from webapp.api.auth import new_token
from webapp.indexing.sync import sync_outbox
from webapp.models import (
    ApiToken,
    Capacity,
    Enterprise,
    EnterpriseSector,
    InterventionZone,
    Label,
    Network,
    Offer,
    PurchaseIntention,
    Sector,
    ZoneDivision,
)

ROOT = Path(__file__).resolve().parent.parent
SHARED_DATA = ROOT.parent / "shared" / "data"  # the raw sources beside the clone, as in CI
SNAPSHOT = ROOT / "data" / "demo" / "siae_snapshot.csv.gz"
CATALOGUE = ROOT / "translations" / "en" / "LC_MESSAGES" / "messages.po"

PASSWORD = "correct horse battery"  # noqa: S105 - the test users' password

# Every C0 control but tab and the line breaks, and DEL: what a file may hold, and what
# cleaning deletes. Vertical tab and form feed, line breaks written otherwise, become "\n".
CONTROLS = "".join(chr(c) for c in (*range(0x00, 0x09), *range(0x0E, 0x20), 0x7F))
# And a lone surrogate, which a JSON string may carry ("\ud800") but no URL, form, file
# or database.
CONTROLS_AND_SURROGATE = CONTROLS + "\ud800"

CLEANING = "nettoyage-de-locaux"
GREEN = "creation-et-entretien-des-espaces-verts"
LINEN = "pressing-et-nettoyage-a-sec"


# --- Rows ----------------------------------------------------------------------------------

# Where an enterprise of Lille is, as the importers locate it (its commune's position).
IN_LILLE = {
    "post_code": "59000",
    "city": "Lille",
    "commune_insee": "59350",
    "departement_code": "59",
    "latitude": 50.63297,
    "longitude": 3.05858,
    "position_precision": "commune",
}


def gzip_csv_rows(path: Path) -> list[dict[str, str]]:
    """The rows of the gzipped CSV file at ``path``, as dictionaries."""
    with gzip.open(path, "rt", encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def make_enterprise(session, siret: str = "73282932000074", **fields):
    """An enterprise with just what the model requires."""
    enterprise = Enterprise(
        siret=siret,
        siren=siret[:9],
        name=fields.pop("name", f"Entreprise {siret}"),
        kind=fields.pop("kind", "EI"),
        source="test",
        **fields,
    )
    session.add(enterprise)
    session.flush()
    return enterprise


def sector(session, slug: str):
    """The reference data's sector ``slug``."""
    return session.scalar(select(Sector).where(Sector.slug == slug))


def claim_sector(
    session,
    enterprise,
    slug: str,
    status: str = "confirmed",
    source: str = "declared",
    confidence: float = 1.0,
) -> None:
    """A sector claim of ``enterprise`` (by default confirmed, as the enterprise declared it)."""
    session.add(
        EnterpriseSector(
            enterprise=enterprise,
            sector=sector(session, slug),
            source=source,
            confidence=confidence,
            status=status,
        )
    )


def count(session, model) -> int:
    """How many rows ``model``'s table holds."""
    return session.scalar(select(func.count()).select_from(model))


# --- Intentions and the suppliers that answer them -------------------------------------------

SIRETS = ("41234567000019", "51234567900017", "71234567700017")


def supplier(session, siret, slug, kind="EI", name=None):
    """An enterprise in Lille working the whole Nord in one sector."""
    enterprise = make_enterprise(
        session,
        siret,
        name=name or f"Structure {slug}",
        kind=kind,
        latitude=50.63,
        longitude=3.06,
        commune_insee="59350",
        departement_code="59",
    )
    claim_sector(session, enterprise, slug)
    zone = InterventionZone(enterprise=enterprise, kind="divisions")
    zone.divisions.append(ZoneDivision(division_type="departement", code="59"))
    session.add_all([zone, Capacity(enterprise=enterprise, turnover_eur=1_000_000)])
    session.flush()
    return enterprise


def intention(session, organisation=None, **fields):
    """A published intention in Lille (of ``organisation`` if given); ``sectors=`` slugs."""
    values = {
        "title": "Entretien des écoles",
        "place_kind": "commune",
        "place_code": "59350",
        "place_label": "Lille (59)",
        "buyer_name": organisation.name if organisation else "Ville de Lille",
        "buyer_organisation_id": organisation.id if organisation else None,
        "status": "published",
        "amount_per_year": 100_000,
        "duration_months": 24,
    }
    values.update(fields)
    sectors = values.pop("sectors", [])
    row = PurchaseIntention(**values)
    row.sectors = [sector(session, s) for s in sectors]
    session.add(row)
    session.flush()
    return row


def organisation_of(user):
    """The buyer organisation ``user`` belongs to."""
    return user.buyer_memberships[0].organisation


# --- Requests ------------------------------------------------------------------------------

NEW_INTENTION = "/intentions/nouvelle"
API_INTENTIONS = "/api/v1/intentions"


def sign_in(client, user) -> None:
    """Open a session for ``user`` as Flask-Login would after a successful sign-in."""
    with client.session_transaction() as flask_session:
        flask_session["_user_id"] = user.get_id()
        flask_session["_fresh"] = True


def csrf_token(client, path: str = "/compte/connexion") -> str:
    """A valid CSRF token for ``client``'s session, read from a form page."""
    page = client.get(path).get_data(as_text=True)
    return re.search(r'name="csrf_token"[^>]*?value="([^"]+)"', page).group(1)


def submit_sign_in(client, email: str, password: str = PASSWORD, **request):
    """POST the sign-in form as a person types it (``request``: e.g. ``query_string``)."""
    data = {"email": email, "password": password, "csrf_token": csrf_token(client)}
    return client.post("/compte/connexion", data=data, **request)


def post_form(client, path: str, data: dict | None = None, token_page: str = "/compte/connexion"):
    """POST the form ``data`` to ``path`` with a valid CSRF token read on ``token_page``."""
    return client.post(path, data={"csrf_token": csrf_token(client, token_page), **(data or {})})


def get_json(client, url: str, status: int = 200, **kwargs) -> dict:
    """The JSON answer of a GET of ``url``, asserting its status."""
    response = client.get(url, **kwargs)
    assert response.status_code == status, response.get_data(as_text=True)[:500]
    assert response.is_json
    return response.get_json()


def bearer(token: str) -> dict[str, str]:
    """The headers that present API token ``token``."""
    return {"Authorization": f"Bearer {token}"}


def token_for(session, user, scopes="read write:intentions") -> dict[str, str]:
    """A new API token of ``user``'s, committed, as request headers."""
    token, prefix, digest = new_token()
    session.add(ApiToken(user=user, name="test", prefix=prefix, token_hash=digest, scopes=scopes))
    session.commit()
    return bearer(token)


def intention_form(client, path, **fields):
    """The intention form at ``path`` filled in, with its CSRF token; ``None`` drops a field."""
    data = {
        "csrf_token": csrf_token(client, path),
        "title": "Nettoyage et espaces verts des écoles",
        "description": "Entretien des locaux et des cours.",
        "cpv_codes": "90910000-9 77310000",
        "place_kind": "commune",
        "place_code": "59350",
        "amount_total": "200000",
        "amount_per_year": "100000",
        "duration_months": "24",
        "launch_date": "2027-03-01",
        "social_consideration": "reservation",
        "save": "Enregistrer",
    }
    data.update(fields)
    return {k: v for k, v in data.items() if v is not None}


def intention_body(**fields):
    """The JSON body of an intention created on the API; ``None`` drops a field."""
    data = {
        "title": "Nettoyage et espaces verts",
        "description": "Entretien des écoles.",
        "cpv_codes": ["90910000-9", "77310000"],
        "sectors": [CLEANING, GREEN],
        "lots": [
            {"title": "Nettoyage", "amount": 120000, "sectors": [CLEANING]},
            {"title": "Espaces verts", "sectors": [GREEN]},
        ],
        "place": {"kind": "commune", "code": "59350"},
        "amount_total": 200000,
        "amount_per_year": 100000,
        "duration_months": 24,
        "launch_date": "2027-03-01",
        "social_consideration": "reservation",
        "status": "published",
        "external_id": "ACH-2027-001",
    }
    data.update(fields)
    return {k: v for k, v in data.items() if v is not None}


# --- Real snapshot rows in the search index ------------------------------------------------

BALUCHON_SIRET = "80746931700018"  # EI in Romainville (93), the snapshot's first row
SNAPSHOT_ROWS = 60  # 13 EI, 25 ACI, 15 AI, 7 ETTI; 3 in Seine-Saint-Denis, 35 in Pas-de-Calais
HOSTILE_TEXT = '"; DROP TABLE enterprise; -- NEAR(a b) * ^ OR "unbalanced'


def snapshot_head_records():
    """The first rows of the real snapshot."""
    parsed = parse_siae(SNAPSHOT)
    return dataclasses.replace(parsed, records=parsed.records[:SNAPSHOT_ROWS], rejected=[])


def index_enterprises(session, backend, parsed):
    """Load ``parsed`` with the importer and index it; Baluchon also declares a capacity, a
    label, a network and an offer (the snapshot has none)."""
    load_enterprises(session, parsed, source="tests", actor="tests")
    baluchon = session.scalar(select(Enterprise).where(Enterprise.siret == BALUCHON_SIRET))
    capacity = baluchon.capacity or Capacity()  # the snapshot gives a headcount bracket
    capacity.headcount_total, capacity.turnover_eur = 60, 1_500_000
    capacity.largest_contract_eur = 200_000
    baluchon.capacity = capacity
    baluchon.labels = [session.scalar(select(Label).where(Label.slug == "rfar"))]
    baluchon.networks = [session.scalar(select(Network).where(Network.slug == "coorace"))]
    baluchon.offers = [Offer(title="Traiteur événementiel", presta_type="service")]
    session.flush()
    report = sync_outbox(session, backend)
    assert (report.indexed, report.failed) == (SNAPSHOT_ROWS, 0)
    return backend


# --- Commands ------------------------------------------------------------------------------


def last_json(output: str) -> dict:
    """The JSON report a command printed on its last line."""
    return json.loads(output.strip().splitlines()[-1])
