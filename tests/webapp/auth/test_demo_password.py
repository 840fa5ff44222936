"""The demo accounts' public password opens nothing in production, even for accounts a
demo left in a production database; elsewhere (the demo itself) it works."""

from __future__ import annotations

from webapp.security import DEMO_PASSWORD, authenticate, hash_password


def test_the_demo_password_is_refused_in_production_only(app, session, make_user):
    demo = make_user("buyer", email="acheteuse@demo.passerelles.example")
    demo.password_hash = hash_password(DEMO_PASSWORD)
    real = make_user("buyer", email="real@example.org")
    real.password_hash = hash_password("a long and real password")
    session.commit()
    assert authenticate(demo.email, DEMO_PASSWORD) is demo  # the demo
    app.config["SECURE_COOKIES"] = True  # production
    try:
        assert authenticate(demo.email, DEMO_PASSWORD) is None
        assert authenticate(real.email, "a long and real password") is real
    finally:
        app.config["SECURE_COOKIES"] = False
