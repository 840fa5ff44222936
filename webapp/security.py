"""Sessions, passwords, signed e-mail tokens, HTTP security headers and the cleaning of
every request's input (``webapp.input_cleaning``)."""

from __future__ import annotations

from datetime import UTC, datetime
from urllib.parse import urlsplit

from flask import Flask, current_app
from flask_babel import lazy_gettext as _l
from flask_talisman import Talisman
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer
from werkzeug.security import check_password_hash, generate_password_hash

from webapp import input_cleaning
from webapp.extensions import db, limiter, login_manager
from webapp.models import User

# A hash to compare against when the e-mail is unknown, so that a failed sign-in takes the
# same time whether or not the account exists.
_DUMMY_HASH = generate_password_hash("not a password")


def hash_password(password: str) -> str:
    """scrypt (Werkzeug's default): memory-hard, salted."""
    return generate_password_hash(password, method="scrypt")


# The demo accounts' password (`flask users demo`), printed and public: refused in
# production, even for an account a demo left in a production database.
DEMO_PASSWORD = "passerelles-demo"  # noqa: S105 - public by design, refused in production


def authenticate(email: str, password: str) -> User | None:
    user = db.session.query(User).filter_by(email=normalise_email(email)).one_or_none()
    if user is None:
        check_password_hash(_DUMMY_HASH, password)
        return None
    if not check_password_hash(user.password_hash, password):
        return None
    if password == DEMO_PASSWORD and current_app.config.get("SECURE_COOKIES"):
        return None
    return user


def normalise_email(email: str) -> str:
    return email.strip().lower()


def set_password(user: User, password: str) -> None:
    """A new password ends every session opened with the old one and every reset link
    issued before it."""
    user.password_hash = hash_password(password)
    user.session_version = (user.session_version or 1) + 1
    user.password_changed_at = datetime.now(UTC)


# --- Signed tokens sent by e-mail ------------------------------------------------------------

CONFIRM, RESET = "confirm-email", "reset-password"


def _serializer(purpose: str) -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt=purpose)


def email_token(user: User) -> str:
    return _serializer(CONFIRM).dumps({"user": user.id, "email": user.email})


def reset_token(user: User) -> str:
    """Bound to the password it replaces: once used (the password changed), it is void."""
    stamp = _stamp(user)
    return _serializer(RESET).dumps({"user": user.id, "stamp": stamp})


def _stamp(user: User) -> str:
    changed = user.password_changed_at
    if changed.tzinfo is None:  # SQLite gives naive datetimes back
        changed = changed.replace(tzinfo=UTC)
    return f"{changed.timestamp():.6f}"


def user_from_email_token(token: str) -> User | None:
    data = _load(CONFIRM, token, current_app.config["EMAIL_TOKEN_MAX_AGE"])
    if not data:
        return None
    user = db.session.get(User, data.get("user"))
    return user if user is not None and user.email == data.get("email") else None


def user_from_reset_token(token: str) -> User | None:
    data = _load(RESET, token, current_app.config["RESET_TOKEN_MAX_AGE"])
    if not data:
        return None
    user = db.session.get(User, data.get("user"))
    return user if user is not None and _stamp(user) == data.get("stamp") else None


def _load(purpose: str, token: str, max_age: int) -> dict | None:
    try:
        data = _serializer(purpose).loads(token, max_age=max_age)
    except (SignatureExpired, BadSignature):
        return None
    return data if isinstance(data, dict) else None


# --- Flask-Login ---------------------------------------------------------------------------


@login_manager.user_loader
def load_user(session_id: str) -> User | None:
    """``"<id>:<session version>"``: a session from before a password change is refused."""
    user_id, _, version = session_id.partition(":")
    if not user_id.isdigit() or not version.isdigit():
        return None
    user = db.session.get(User, int(user_id))
    if user is None or not user.is_active or user.session_version != int(version):
        return None
    return user


def init_app(app: Flask) -> None:
    input_cleaning.init_app(app)
    login_manager.init_app(app)
    login_manager.login_view = "auth.login"
    login_manager.login_message = _l("Connectez-vous pour accéder à cette page.")
    login_manager.login_message_category = "info"
    login_manager.session_protection = "basic"
    limiter.init_app(app)
    secure = app.config["SECURE_COOKIES"]
    # One Talisman per application: it keeps its settings on itself, so a shared instance
    # would let the last application created impose its own (HTTPS) on the others.
    app.extensions["talisman"] = Talisman(
        app,
        force_https=secure,
        strict_transport_security=secure,
        session_cookie_secure=secure,
        content_security_policy=content_security_policy(app),
        referrer_policy="strict-origin-when-cross-origin",
        frame_options="DENY",
    )


def content_security_policy(app: Flask) -> dict[str, str | list[str]]:
    """Our own vendored scripts and styles only; images also from the map tile server."""
    images = ["'self'", "data:"]
    tiles = app.config.get("MAP_TILES_URL") or ""
    parts = urlsplit(tiles.replace("{s}", "a"))
    if parts.scheme in ("http", "https") and parts.netloc:
        host = parts.netloc.replace("a.", "*.", 1) if "{s}" in tiles else parts.netloc
        images.append(f"{parts.scheme}://{host}")
    return {
        "default-src": "'self'",
        "script-src": "'self'",
        "style-src": "'self'",
        "img-src": images,
        "font-src": "'self'",
        "connect-src": "'self'",
        "object-src": "'none'",
        "base-uri": "'self'",
        "form-action": "'self'",
        "frame-ancestors": "'none'",
    }
