"""``flask users ...``: create accounts from the command line (the first administrator,
and the demo's accounts)."""

from __future__ import annotations

from datetime import UTC, datetime

import click
from flask import current_app
from sqlalchemy import select

from webapp.extensions import db
from webapp.models import (
    BuyerMembership,
    BuyerOrganisation,
    Enterprise,
    EnterpriseMembership,
    Network,
    NetworkFacilitator,
    User,
)
from webapp.security import hash_password, normalise_email

users_group = click.Group("users", help="Create user accounts.")

DEMO_PASSWORD = "passerelles-demo"  # noqa: S105 - printed, local demo only


@users_group.command("create")
@click.argument("email")
@click.option("--name", required=True, help="Full name.")
@click.option("--admin", is_flag=True, help="Make them an administrator.")
@click.password_option()
def create_user(email: str, name: str, admin: bool, password: str) -> None:
    """Create a confirmed account (e.g. the first administrator)."""
    email = normalise_email(email)
    if db.session.scalar(select(User).where(User.email == email)):
        raise click.ClickException(f"{email} already has an account")
    if len(password) < 10:
        raise click.ClickException("the password needs at least 10 characters")
    db.session.add(
        User(
            email=email,
            full_name=name,
            password_hash=hash_password(password),
            is_admin=admin,
            email_confirmed_at=datetime.now(UTC),
        )
    )
    db.session.commit()
    click.echo(f"created {email}{' (administrator)' if admin else ''}")


@users_group.command("demo")
def demo_users() -> None:
    """Demo accounts, one per role, all with the same printed password (refused in
    production). Re-running changes nothing."""
    if current_app.config.get("SECURE_COOKIES"):
        raise click.ClickException("demo accounts are refused in production")
    enterprise = db.session.scalar(select(Enterprise).order_by(Enterprise.id))
    network = db.session.scalar(select(Network).order_by(Network.id))
    if enterprise is None:
        raise click.ClickException("import the demo data first (make load-demo)")
    accounts = [
        ("admin@demo.passerelles.example", "Alice Administratrice", "admin"),
        ("acheteuse@demo.passerelles.example", "Claire Acheteuse", "buyer"),
        ("membre@demo.passerelles.example", "Martin Membre", "enterprise"),
        ("animatrice@demo.passerelles.example", "Nadia Animatrice", "facilitator"),
    ]
    for email, name, role in accounts:
        if db.session.scalar(select(User).where(User.email == email)):
            continue
        user = User(
            email=email,
            full_name=name,
            password_hash=hash_password(DEMO_PASSWORD),
            is_admin=role == "admin",
            email_confirmed_at=datetime.now(UTC),
        )
        db.session.add(user)
        if role == "buyer":
            organisation = BuyerOrganisation(
                name="Région Démo", buyer_type="pouvoir_adjudicateur", kind="region"
            )
            db.session.add(BuyerMembership(user=user, organisation=organisation))
        elif role == "enterprise":
            db.session.add(EnterpriseMembership(user=user, enterprise=enterprise))
        elif role == "facilitator":
            db.session.add(NetworkFacilitator(user=user, network=network))
    db.session.commit()
    click.echo(f"demo accounts (password {DEMO_PASSWORD!r}):")
    for email, _, role in accounts:
        click.echo(f"  {role:12} {email}")
    click.echo(f"  the member manages {enterprise.display_name} ({enterprise.siret})")
