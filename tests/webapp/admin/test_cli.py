"""``flask users``: the first administrator and the demo accounts."""

from __future__ import annotations

from sqlalchemy import select

from tests.factories import make_enterprise
from webapp.models import User
from webapp.permissions import roles_of


def test_create_an_administrator(runner, session):
    result = runner.invoke(
        args=["users", "create", "Boss@Example.org", "--name", "Boss", "--admin"],
        input="a long password\na long password\n",
    )
    assert result.exit_code == 0, result.output
    user = session.scalar(select(User).where(User.email == "boss@example.org"))
    assert "admin" in roles_of(user)
    again = runner.invoke(
        args=["users", "create", "boss@example.org", "--name", "Boss"],
        input="a long password\na long password\n",
    )
    assert again.exit_code != 0 and "already has an account" in again.output


def test_short_password_is_refused(runner, session):
    result = runner.invoke(
        args=["users", "create", "x@example.org", "--name", "X"], input="short\nshort\n"
    )
    assert result.exit_code != 0 and "10 characters" in result.output
    assert session.scalar(select(User)) is None


def test_demo_accounts_one_per_role_idempotent(runner, session):
    make_enterprise(session, "73282932000074")
    session.commit()
    assert runner.invoke(args=["users", "demo"]).exit_code == 0
    assert runner.invoke(args=["users", "demo"]).exit_code == 0
    users = session.scalars(select(User).order_by(User.email)).all()
    assert len(users) == 4
    roles = set().union(*(roles_of(u) for u in users))
    assert {"admin", "buyer", "enterprise", "facilitator"} <= roles
