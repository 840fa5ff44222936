"""Accounts: registration (with a new buyer organisation), accounts made from the command
line, e-mail confirmation, sign-in, password reset and change. Each write is one
transaction; the views send the e-mails once it is committed."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from webapp.models import BuyerMembership, BuyerOrganisation, User
from webapp.security import hash_password, normalise_email, set_password

MIN_PASSWORD = 10


class AccountExists(ValueError):
    """The address already has an account."""


@dataclass(frozen=True)
class NewOrganisation:
    """The buyer organisation a person registers for."""

    name: str
    siret: str | None
    buyer_type: str


@dataclass(frozen=True)
class Registration:
    """What a registration did: ``user`` created (None when the address already had an
    account: ``existing``, told by e-mail, nothing written), and ``to_join``, an
    organisation of that SIRET that already exists (never joined by typing its SIRET:
    its members publish its intentions; the administrators attach the person)."""

    user: User | None
    existing: User | None = None
    to_join: BuyerOrganisation | None = None


def register(
    session: Session,
    email: str,
    full_name: str,
    password: str,
    organisation: NewOrganisation | None = None,
) -> Registration:
    """Create an unconfirmed account, with ``organisation`` if it is new (its first
    member); commit. The same work is done for a known address (the password is hashed
    all the same), so the answer's time tells nothing."""
    email = normalise_email(email)
    password_hash = hash_password(password)
    existing = session.scalar(select(User).where(User.email == email))
    if existing is not None:
        return Registration(None, existing=existing)
    user = User(email=email, full_name=full_name.strip(), password_hash=password_hash)
    session.add(user)
    to_join = None
    if organisation is not None:
        to_join = (
            session.scalar(
                select(BuyerOrganisation).where(BuyerOrganisation.siret == organisation.siret)
            )
            if organisation.siret
            else None
        )
        if to_join is None:
            created = BuyerOrganisation(
                name=organisation.name.strip(),
                siret=organisation.siret,
                buyer_type=organisation.buyer_type,
            )
            session.add(BuyerMembership(user=user, organisation=created))
    session.commit()
    return Registration(user, to_join=to_join)


def create_account(
    session: Session,
    email: str,
    full_name: str,
    password: str,
    *,
    admin: bool = False,
    links: tuple = (),
) -> User:
    """A confirmed account made by an operator (the first administrator, the demo's
    people), with ``links`` (memberships, network roles) added with it; commit. Raises
    ``AccountExists``, or ``ValueError`` for a password shorter than ``MIN_PASSWORD``."""
    email = normalise_email(email)
    if session.scalar(select(User.id).where(User.email == email)):
        raise AccountExists(email)
    if len(password) < MIN_PASSWORD:
        raise ValueError(f"the password needs at least {MIN_PASSWORD} characters")
    user = User(
        email=email,
        full_name=full_name,
        password_hash=hash_password(password),
        is_admin=admin,
        email_confirmed_at=datetime.now(UTC),
    )
    session.add(user)
    for link in links:
        link.user = user
        session.add(link)
    session.commit()
    return user


def confirm_email(session: Session, user: User) -> None:
    """The address is proved (a confirmation link followed); kept if it already was."""
    if user.email_confirmed_at is None:
        user.email_confirmed_at = datetime.now(UTC)
        session.commit()


def record_sign_in(session: Session, user: User) -> None:
    user.last_login_at = datetime.now(UTC)
    session.commit()


def reset_password(session: Session, user: User, password: str) -> None:
    """A new password from a reset link, which also proves the address."""
    set_password(user, password)
    if user.email_confirmed_at is None:
        user.email_confirmed_at = datetime.now(UTC)
    session.commit()


def change_password(session: Session, user: User, password: str) -> None:
    """A new password chosen by the signed-in person: their other sessions end."""
    set_password(user, password)
    session.commit()
