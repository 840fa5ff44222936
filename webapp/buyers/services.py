"""What buyers and signed-in users keep: shortlists with notes, saved searches with their
alerts, the messages they send to enterprises. Each function is one write, checked and
committed; the views only read forms and answer. None of these feed a search document
or the enterprises' audit trail (they are the user's own, not the directory's)."""

from __future__ import annotations

from sqlalchemy.orm import Session

from webapp.buyers import saved
from webapp.models import ContactMessage, Enterprise, SavedSearch, Shortlist, ShortlistEntry, User
from webapp.models.enterprise import utcnow

NAME_MAX = Shortlist.__table__.c.name.type.length  # SavedSearch.name has the same
SUBJECT_MAX = ContactMessage.__table__.c.subject.type.length


def _name(name: str) -> str:
    """A list's or a search's name, stripped; ``ValueError`` if empty or too long."""
    name = (name or "").strip()
    if not name or len(name) > NAME_MAX:
        raise ValueError(f"a name of 1 to {NAME_MAX} characters")
    return name


# --- Shortlists ----------------------------------------------------------------------------


def create_shortlist(session: Session, owner: User, name: str) -> Shortlist:
    shortlist = Shortlist(owner_id=owner.id, name=_name(name))
    session.add(shortlist)
    session.commit()
    return shortlist


def rename_shortlist(session: Session, shortlist: Shortlist, name: str) -> None:
    shortlist.name = _name(name)
    session.commit()


def delete_shortlist(session: Session, shortlist: Shortlist) -> None:
    session.delete(shortlist)
    session.commit()


def add_to_shortlist(
    session: Session,
    owner: User,
    enterprise: Enterprise,
    shortlist: Shortlist | None = None,
    new_name: str | None = None,
) -> tuple[Shortlist, bool]:
    """Add ``enterprise`` to ``shortlist``, or to a new list named ``new_name``, in one
    transaction; the list and whether it was added (False: it was there already, and
    nothing is written)."""
    if shortlist is None:
        shortlist = Shortlist(owner_id=owner.id, name=_name(new_name))
        session.add(shortlist)
    elif any(entry.enterprise_id == enterprise.id for entry in shortlist.entries):
        return shortlist, False
    shortlist.entries.append(ShortlistEntry(enterprise=enterprise))
    session.commit()
    return shortlist, True


def set_note(session: Session, entry: ShortlistEntry, note: str | None) -> None:
    """The owner's note on a shortlisted enterprise (None or empty: no note)."""
    entry.note = (note or "").strip() or None
    session.commit()


def remove_from_shortlist(session: Session, entry: ShortlistEntry) -> None:
    session.delete(entry)
    session.commit()


# --- Contact -------------------------------------------------------------------------------


def record_contact(
    session: Session, sender: User, enterprise: Enterprise, subject: str, body: str
) -> ContactMessage:
    """Keep the message a user sends an enterprise (sent by e-mail once committed)."""
    if not subject or len(subject) > SUBJECT_MAX or not body:
        raise ValueError(f"a subject of 1 to {SUBJECT_MAX} characters and a message")
    message = ContactMessage(enterprise=enterprise, sender_id=sender.id, subject=subject, body=body)
    session.add(message)
    session.commit()
    return message


# --- Saved searches ------------------------------------------------------------------------


def save_search(
    session: Session, owner: User, name: str, query_string: str, sirets: list[str]
) -> SavedSearch:
    """Keep a search with the SIRETs it matches now (an alert reports only newer ones)."""
    search = SavedSearch(owner_id=owner.id, name=_name(name), query_string=query_string)
    saved.remember(search, sirets)
    session.add(search)
    session.commit()
    return search


def rename_search(session: Session, search: SavedSearch, name: str) -> None:
    search.name = _name(name)
    session.commit()


def set_alerts(session: Session, search: SavedSearch, alerts: bool) -> None:
    search.alerts = alerts
    session.commit()


def delete_search(session: Session, search: SavedSearch) -> None:
    session.delete(search)
    session.commit()


def record_alert(session: Session, search: SavedSearch, sirets: list[str], sent: bool) -> None:
    """After an alert run of ``search``: the SIRETs it matches now are known, and the
    date of the e-mail if one was ``sent``."""
    if sent:
        search.last_alert_at = utcnow()
    saved.remember(search, sirets)
    session.commit()
