"""``flask users ...``: create accounts from the command line (the first administrator,
and the demo's accounts)."""

from __future__ import annotations

import click
from flask import current_app
from sqlalchemy import select

from webapp.auth import services as accounts
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
from webapp.security import DEMO_PASSWORD, normalise_email

users_group = click.Group("users", help="Create user accounts.")


@users_group.command("create")
@click.argument("email")
@click.option("--name", required=True, help="Full name.")
@click.option("--admin", is_flag=True, help="Make them an administrator.")
@click.password_option()
def create_user(email: str, name: str, admin: bool, password: str) -> None:
    """Create a confirmed account (e.g. the first administrator)."""
    try:
        user = accounts.create_account(db.session, email, name, password, admin=admin)
    except accounts.AccountExists:
        raise click.ClickException(f"{normalise_email(email)} already has an account") from None
    except ValueError as exc:
        raise click.ClickException(str(exc)) from None
    click.echo(f"created {user.email}{' (administrator)' if admin else ''}")


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
    people = [
        ("admin@demo.passerelles.example", "Alice Administratrice", "admin"),
        ("acheteuse@demo.passerelles.example", "Claire Acheteuse", "buyer"),
        ("membre@demo.passerelles.example", "Martin Membre", "enterprise"),
        ("animatrice@demo.passerelles.example", "Nadia Animatrice", "facilitator"),
    ]
    for email, name, role in people:
        if db.session.scalar(select(User.id).where(User.email == email)):
            continue
        accounts.create_account(
            db.session,
            email,
            name,
            DEMO_PASSWORD,
            admin=role == "admin",
            links=_demo_links(role, enterprise, network),
        )
    click.echo(f"demo accounts (password {DEMO_PASSWORD!r}):")
    for email, _, role in people:
        click.echo(f"  {role:12} {email}")
    click.echo(f"  the member manages {enterprise.display_name} ({enterprise.siret})")


def _demo_links(role: str, enterprise: Enterprise, network: Network) -> tuple:
    """What makes a demo account hold its role."""
    if role == "buyer":
        organisation = BuyerOrganisation(
            name="Région Démo", buyer_type="pouvoir_adjudicateur", kind="region"
        )
        return (BuyerMembership(organisation=organisation),)
    if role == "enterprise":
        return (EnterpriseMembership(enterprise=enterprise),)
    if role == "facilitator":
        return (NetworkFacilitator(network=network),)
    return ()
