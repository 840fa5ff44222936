"""In a real Chromium, the whole meeting day of issue 12: a facilitator creates and
publishes it, a buyer and an enterprise member register (accepted by the facilitator),
the buyer asks the enterprise for a meeting and it accepts, the facilitator computes and
publishes the schedule, and both read the meeting in their agenda and download its
``.ics``. Then the agenda and the planning at a phone's width (390 px).

Screenshots go to /tmp/forum_*.png (for a person to look at; never committed)."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import icalendar
import pytest

from tests.factories import IN_LILLE, PASSWORD
from webapp.extensions import db
from webapp.models import (
    BuyerMembership,
    BuyerOrganisation,
    Enterprise,
    EnterpriseMembership,
    InterventionZone,
    Network,
    NetworkFacilitator,
    User,
)
from webapp.security import hash_password

PARIS = ZoneInfo("Europe/Paris")
SIRET = "73282932000074"
SLUG = "reseau-inclusif-nord"
FACILITATOR = "animatrice@reseau-nord.example"
BUYER = "acheteuse@mel.example"
MEMBER = "membre@jardins-du-nord.example"
ENTERPRISE_NAME = "Les Jardins du Nord"
BUYER_ORGANISATION = "Métropole Européenne de Lille"
TITLE = "Rencontres acheteurs – SIAE de la métropole lilloise"
# Far enough ahead that the registration window is open today and the day is to come.
DAY = date.today() + timedelta(days=45)
SHOTS = Path("/tmp")
WIDE = {"width": 1280, "height": 900}
PHONE = {"width": 390, "height": 844}


@pytest.fixture(scope="module")
def people(live_app):
    """A network and its facilitator, an enterprise of Lille and its member, a buyer of an
    organisation."""
    with live_app.app_context():
        confirmed = datetime.now(UTC)

        def person(email: str, name: str) -> User:
            return User(
                email=email,
                full_name=name,
                email_confirmed_at=confirmed,
                password_hash=hash_password(PASSWORD),
            )

        network = Network(slug=SLUG, name="Réseau de l'inclusion du Nord", brand="RIN")
        enterprise = Enterprise(
            siret=SIRET,
            siren=SIRET[:9],
            name=ENTERPRISE_NAME,
            kind="ACI",
            source="test",
            **IN_LILLE,
            zone=InterventionZone(kind="national"),
        )
        enterprise.networks = [network]
        facilitator = person(FACILITATOR, "Fanny Animatrice")
        buyer = person(BUYER, "Claire Acheteuse")
        member = person(MEMBER, "Martin Membre")
        organisation = BuyerOrganisation(name=BUYER_ORGANISATION, buyer_type="pouvoir_adjudicateur")
        db.session.add_all(
            [
                network,
                enterprise,
                facilitator,
                buyer,
                member,
                NetworkFacilitator(user=facilitator, network=network),
                EnterpriseMembership(user=member, enterprise=enterprise),
                BuyerMembership(user=buyer, organisation=organisation),
            ]
        )
        db.session.commit()
        db.session.remove()


@pytest.fixture
def visit(browser):
    """``visit(viewport)``: a fresh browser context (one person's visit), closed after."""
    contexts = []

    def open_(viewport=WIDE):
        context = browser.new_context(locale="fr-FR", viewport=viewport, accept_downloads=True)
        contexts.append(context)
        page = context.new_page()
        page.set_default_timeout(10_000)
        return page

    yield open_
    for context in contexts:
        context.close()


def sign_in(page, base: str, email: str) -> None:
    page.goto(f"{base}/compte/connexion")
    page.get_by_label("Adresse e-mail").fill(email)
    page.get_by_label("Mot de passe").fill(PASSWORD)
    page.get_by_role("button", name="Se connecter").click()
    page.wait_for_url(f"{base}/compte/")


def click(page, locator) -> None:
    """Click and wait for the page it loads."""
    with page.expect_navigation():
        locator.click()


def plain(text: str) -> str:
    """Text with its no-break spaces (French typography: "9\u00a0h\u00a000") as spaces."""
    return re.sub(r"[\u00a0\u202f]", " ", text)


def alert_text(page) -> str:
    return plain(" ".join(page.locator(".alert").all_inner_texts()))


def open_event_from_list(page, base: str) -> None:
    page.goto(f"{base}/evenements/")
    click(page, page.get_by_role("link", name=TITLE))
    assert page.get_by_role("heading", level=1, name=TITLE).is_visible()


def page_widths(page) -> tuple[int, int]:
    """The document's scroll width and the window's width (the first > the second: the
    whole page scrolls sideways)."""
    return page.evaluate(
        "[document.documentElement.scrollWidth, document.documentElement.clientWidth]"
    )


def within_screen(page, locator) -> None:
    """``locator`` can be brought on screen and then fits the viewport's width."""
    locator.scroll_into_view_if_needed()
    box = locator.bounding_box()
    width = page.viewport_size["width"]
    assert box is not None and locator.is_visible()
    assert box["x"] >= 0 and box["x"] + box["width"] <= width, (box, width)


def create_and_publish(page, base: str) -> str:
    """The facilitator's part 1; returns the event page's URL."""
    sign_in(page, base, FACILITATOR)
    page.goto(f"{base}/espace/reseaux/{SLUG}/")
    space = page.get_by_role("navigation", name="Espace réseau")
    click(page, space.get_by_role("link", name="Événements", exact=True))
    click(page, page.get_by_role("link", name="Nouvel événement"))
    page.get_by_label("Titre").fill(TITLE)
    page.get_by_label("Type d'événement").select_option("meetings")
    page.get_by_label("Présentation").fill(
        "Une matinée de **rendez-vous de 20 minutes** entre acheteurs publics et SIAE."
    )
    page.get_by_label("Premier jour").fill(DAY.isoformat())
    page.get_by_label("Dernier jour").fill(DAY.isoformat())
    page.get_by_label("Commune").fill("Lille")
    page.get_by_label("Adresse", exact=True).fill("2 boulevard des Cités Unies")
    page.get_by_label("Public invité").select_option("both")
    page.get_by_label("Ouverture des inscriptions").fill(date.today().isoformat())
    page.get_by_label("Clôture des inscriptions").fill((DAY - timedelta(days=2)).isoformat())
    page.get_by_label("Inscriptions", exact=True).select_option("approval")
    page.get_by_label("Début des rendez-vous").fill("09:00")
    page.get_by_label("Fin des rendez-vous").fill("11:00")
    page.get_by_label("Durée d'un créneau").select_option("20")
    page.get_by_label("Pauses").fill("10:00-10:20")
    page.get_by_label("Nombre de tables").fill("2")
    page.get_by_label("Demandes de rendez-vous", exact=True).select_option("approval")
    click(page, page.get_by_role("button", name="Enregistrer"))
    assert "Événement créé" in alert_text(page), page.content()
    event_url = page.url
    assert re.search(r"/evenements/\d+$", event_url), event_url

    # The programme the form describes: 9:00–11:00 in 20 minutes less a break = 5 slots.
    programme = plain(page.locator("#programme").locator("xpath=..").inner_text())
    assert "9 h 00" in programme and "11 h 00" in programme, programme
    assert "5 créneaux" in programme and "2 tables" in programme, programme
    assert "Lille" in page.locator("#quand-ou").locator("xpath=..").inner_text()

    click(page, page.get_by_role("button", name="Publier l’événement"))
    assert "Événement publié" in alert_text(page)
    page.screenshot(path=str(SHOTS / "forum_event_1280.png"), full_page=True)
    return event_url


def register(page, base: str, email: str, button: str, pitch_label: str, pitch: str) -> None:
    sign_in(page, base, email)
    open_event_from_list(page, base)
    click(page, page.get_by_role("link", name=button))
    page.get_by_label(pitch_label).fill(pitch)
    click(
        page,
        page.locator("form button[type=submit]", has_text="M’inscrire").or_(
            page.locator("form button[type=submit]", has_text="Inscrire l’entreprise")
        ),
    )
    assert "les organisateurs vont la valider" in alert_text(page), page.content()


def agenda_row(page, other: str) -> dict[str, str]:
    """The agenda's row of the meeting with ``other``: its slot, table and name."""
    row = page.locator("table tbody tr", has_text=other)
    assert row.count() == 1, page.content()
    return {
        "slot": plain(row.locator("th").inner_text()).strip(),
        "table": row.locator("td").nth(0).inner_text().strip(),
        "with": row.locator("td").nth(1).inner_text().strip(),
    }


def slot_start(label: str) -> datetime:
    """'9 h 00 – 9 h 20' (a one-day event's agenda gives the times) → 9:00 on the
    event's day, in Paris."""
    found = re.search(r"(\d{1,2}) h (\d{2})\s*–", label)
    assert found, label
    return datetime(DAY.year, DAY.month, DAY.day, int(found[1]), int(found[2]), tzinfo=PARIS)


def check_agenda_and_ics(page, base: str, email: str, other: str, shot: str) -> None:
    sign_in(page, base, email)
    open_event_from_list(page, base)
    click(page, page.get_by_role("link", name="Mon agenda"))
    shown = agenda_row(page, other)
    assert shown["with"] == other
    assert shown["table"] in ("Table 1", "Table 2"), shown
    start = slot_start(shown["slot"])
    assert 9 <= start.hour < 11
    page.screenshot(path=str(SHOTS / f"forum_agenda_{shot}_1280.png"), full_page=True)

    with page.expect_download() as download_info:
        page.get_by_role("link", name=re.compile(r"Ajouter à mon agenda")).click()
    download = download_info.value
    assert download.suggested_filename.endswith(".ics")
    calendar = icalendar.Calendar.from_ical(Path(download.path()).read_bytes())
    events = [c for c in calendar.walk("VEVENT")]
    assert len(events) == 1
    vevent = events[0]
    dtstart = vevent.decoded("dtstart")
    assert dtstart.tzinfo is not None, "DTSTART must say its zone"
    assert dtstart == start  # same instant as the page's wall-clock time in Paris
    assert dtstart.astimezone(PARIS).replace(tzinfo=None) == start.replace(tzinfo=None)
    assert other in str(vevent.get("summary")), vevent.get("summary")
    assert shown["table"] in str(vevent.get("location", "")) + str(vevent.get("description", ""))


@pytest.fixture(scope="module")
def journey() -> dict:
    """What the journey leaves for the phone tests (the event page's URL, once the
    schedule is published)."""
    return {}


def test_forum_from_creation_to_agendas(people, journey, visit, server_url):
    base = server_url

    # 1. The facilitator creates the meeting day and publishes it.
    facilitator = visit()
    event_url = create_and_publish(facilitator, base)

    # 2. The buyer and the enterprise member register.
    buyer = visit()
    register(
        buyer,
        base,
        BUYER,
        "M’inscrire comme acheteur",
        "Ce que je recherche",
        "Entretien d'espaces verts et nettoyage de locaux pour 2027.",
    )
    member = visit()
    register(
        member,
        base,
        MEMBER,
        "Inscrire mon entreprise",
        "Ce que je propose",
        "Espaces verts, maraîchage bio, nettoyage : 40 salariés en insertion.",
    )

    # The facilitator accepts both on the participants page.
    facilitator.goto(event_url)
    click(facilitator, facilitator.get_by_role("link", name="Participants").first)
    for name in (BUYER_ORGANISATION, ENTERPRISE_NAME):
        click(facilitator, facilitator.get_by_role("button", name=f"Accepter {name}"))
        assert f"{name} : inscription acceptée" in alert_text(facilitator)
    assert "Acceptés : 1 acheteur, 1 entreprise" in plain(facilitator.inner_text("body"))

    # 3. The buyer asks the enterprise for a meeting, with a motivation.
    buyer.goto(event_url)
    click(buyer, buyer.get_by_role("link", name="Mes rendez-vous"))
    others = buyer.locator("li.list-group-item", has_text=ENTERPRISE_NAME).last
    others.get_by_label("Votre motivation (facultatif)").fill(
        "Votre offre d'espaces verts répond à notre marché de 2027."
    )
    click(buyer, others.get_by_role("button", name=re.compile("Demander un rendez-vous")))
    assert f"Demande envoyée à {ENTERPRISE_NAME}" in alert_text(buyer)

    # The member sees it among the requests received, with the motivation, and accepts.
    member.goto(event_url)
    click(member, member.get_by_role("link", name="Mes rendez-vous"))
    received = member.locator("h3", has_text="Demandes reçues").locator(
        "xpath=following-sibling::ul[1]"
    )
    assert "notre marché de 2027" in received.inner_text()
    assert "en attente" in received.inner_text()
    click(member, received.get_by_role("button", name=f"Accepter {BUYER_ORGANISATION}"))
    assert f"Rendez-vous avec {BUYER_ORGANISATION} accepté" in alert_text(member)

    # 4. The facilitator computes the schedule and publishes it.
    facilitator.goto(event_url)
    click(facilitator, facilitator.get_by_role("link", name="Planning des rendez-vous"))
    assert re.search(r"\b1 demandes? acceptées?", plain(facilitator.inner_text("body")))
    click(facilitator, facilitator.get_by_role("button", name="Calculer le planning"))
    assert re.search(r"\b1 rendez-vous placés? sur 1\b", alert_text(facilitator)), alert_text(
        facilitator
    )
    grid = facilitator.locator("#grille").locator("xpath=..")
    assert f"{BUYER_ORGANISATION} — {ENTERPRISE_NAME}" in grid.inner_text()
    click(facilitator, facilitator.get_by_role("button", name="Publier le planning"))
    assert "Planning publié" in alert_text(facilitator)
    facilitator.screenshot(path=str(SHOTS / "forum_planning_1280.png"), full_page=True)

    # 5. Each side reads the meeting in their agenda and downloads its .ics.
    check_agenda_and_ics(visit(), base, BUYER, ENTERPRISE_NAME, "buyer")
    check_agenda_and_ics(visit(), base, MEMBER, BUYER_ORGANISATION, "member")

    journey["event_url"] = event_url


# At a phone's width (390 px): the agenda must not scroll sideways, the planning's content
# (its buttons and the grid) must be reachable. Both read what the journey above built.


def test_agenda_on_a_phone(journey, visit, server_url):
    if "event_url" not in journey:
        pytest.skip("the journey did not reach the published schedule")
    base = server_url
    phone = visit(PHONE)
    sign_in(phone, base, BUYER)
    open_event_from_list(phone, base)
    phone.screenshot(path=str(SHOTS / "forum_event_390.png"), full_page=True)
    click(phone, phone.get_by_role("link", name="Mon agenda"))
    assert agenda_row(phone, ENTERPRISE_NAME)["with"] == ENTERPRISE_NAME
    link = phone.get_by_role("link", name=re.compile(r"Ajouter à mon agenda"))
    assert link.is_visible()
    phone.screenshot(path=str(SHOTS / "forum_agenda_390.png"), full_page=True)
    scroll, client = page_widths(phone)
    assert scroll <= PHONE["width"], f"the agenda scrolls sideways: {scroll} px > {client} px"


def test_planning_on_a_phone(journey, visit, server_url):
    if "event_url" not in journey:
        pytest.skip("the journey did not reach the published schedule")
    phone = visit(PHONE)
    sign_in(phone, server_url, FACILITATOR)
    phone.goto(journey["event_url"])
    click(phone, phone.get_by_role("link", name="Planning des rendez-vous"))
    phone.screenshot(path=str(SHOTS / "forum_planning_390.png"), full_page=True)
    scroll, _client = page_widths(phone)
    assert scroll <= PHONE["width"], f"the planning page scrolls sideways: {scroll} px"
    for name in ("Calculer le planning", "Publier le planning"):
        within_screen(phone, phone.get_by_role("button", name=name))
    # The grid may scroll inside its own box; its meeting and its lock button are reached.
    cell = phone.locator("#grille ~ div td", has_text=ENTERPRISE_NAME)
    within_screen(phone, cell.get_by_role("button", name=re.compile("Verrouiller")))
    within_screen(phone, phone.get_by_role("button", name="Déplacer"))
