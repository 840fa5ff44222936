"""Passerelles: connects buyers with inclusive enterprises in France."""

from __future__ import annotations

from pathlib import Path

from flask import Flask, session
from werkzeug.middleware.proxy_fix import ProxyFix
from werkzeug.routing import IntegerConverter

from config import Config, config_from_env, engine_options
from webapp import mail, request_log, security, sqlite
from webapp.extensions import babel, csrf, db, migrate

ROOT = Path(__file__).resolve().parent.parent


def create_app(config: Config | None = None) -> Flask:
    """Application factory. The schema is created by migrations, never here."""
    app = Flask(
        __name__,
        template_folder=str(ROOT / "templates"),
        static_folder="static",
        instance_path=str(ROOT / "instance"),
    )
    app.config.from_object(config or config_from_env())
    # The engine's options follow the database finally configured (a test may change it).
    app.config.setdefault(
        "SQLALCHEMY_ENGINE_OPTIONS", engine_options(app.config["SQLALCHEMY_DATABASE_URI"])
    )
    Path(app.instance_path).mkdir(exist_ok=True)
    # Every <int:...> of every route: an id no database column can hold is a 404, not an
    # overflow (a 500) in the driver.
    app.url_map.converters["int"] = DatabaseIdConverter

    hops = app.config.get("PROXY_HOPS", 0)
    if hops:
        app.wsgi_app = ProxyFix(  # type: ignore[method-assign]
            app.wsgi_app, x_for=hops, x_proto=hops, x_host=hops, x_port=hops, x_prefix=hops
        )
    register_extensions(app)
    register_blueprints(app)
    register_commands(app)
    return app


class DatabaseIdConverter(IntegerConverter):
    """Integers in URLs, bounded by the largest id of an INTEGER column (PostgreSQL's)."""

    def __init__(self, url_map, *args, **kwargs) -> None:
        kwargs.setdefault("max", 2**31 - 1)
        super().__init__(url_map, *args, **kwargs)


def select_locale() -> str:
    """The language the visitor chose, else French: the product is French first."""
    from flask import current_app, has_request_context

    languages = current_app.config["LANGUAGES"]
    if not has_request_context():  # e-mails sent from the command line: French
        return languages[0]
    chosen = session.get("lang")
    return chosen if chosen in languages else languages[0]


def reading_french() -> bool:
    """Whether the current page is written in French (what exports and stored texts use)."""
    from flask_babel import get_locale

    return str(get_locale() or "fr").startswith("fr")


def register_extensions(app: Flask) -> None:
    from webapp import models  # noqa: F401 - registers every table for Alembic
    from webapp.matching import init_app as init_matching

    db.init_app(app)
    with app.app_context():
        sqlite.configure(db.engine)
    # Batch mode lets later migrations alter tables on SQLite too.
    migrate.init_app(app, db, directory=str(ROOT / "migrations"), render_as_batch=True)
    babel.init_app(app, locale_selector=select_locale)
    csrf.init_app(app)
    security.init_app(app)
    request_log.init_app(app)
    mail.init_app(app)
    init_matching(app)


def register_blueprints(app: Flask) -> None:
    from webapp.api import init_app as init_api
    from webapp.auth.views import blueprint as auth
    from webapp.directory.views import blueprint as directory
    from webapp.main.views import blueprint as main
    from webapp.search_ui.views import blueprint as search_ui
    from webapp.self_service.views import blueprint as self_service

    app.register_blueprint(main)
    app.register_blueprint(directory)
    app.register_blueprint(search_ui)
    app.register_blueprint(auth)
    app.register_blueprint(self_service)
    from webapp.admin.views import blueprint as admin
    from webapp.claims.views import blueprint as claims
    from webapp.facilitators.views import blueprint as facilitators

    app.register_blueprint(claims)
    app.register_blueprint(facilitators)
    app.register_blueprint(admin)
    from webapp.buyers.views import blueprint as buyers
    from webapp.tokens.views import blueprint as tokens

    app.register_blueprint(buyers)
    app.register_blueprint(tokens)
    from webapp.intentions.views import blueprint as intentions

    app.register_blueprint(intentions)
    from webapp.events.views import blueprint as events
    from webapp.health import blueprint as health

    app.register_blueprint(events)
    app.register_blueprint(health)
    init_api(app)


def register_commands(app: Flask) -> None:
    """Every command group lives in the ``cli.py`` of the package whose job it serves."""
    from importers.cli import import_group
    from webapp.admin.cli import users_group
    from webapp.buyers.cli import alerts_group
    from webapp.claims.cli import claims_group
    from webapp.events.cli import events_group
    from webapp.indexing.cli import search_group
    from webapp.matching.cli import match_group

    groups = (import_group, search_group, alerts_group, claims_group, users_group, match_group)
    for group in (*groups, events_group):
        app.cli.add_command(group)
    # Backups sit beside the migrations in Flask-Migrate's `flask db` group.
    from webapp.backup import backup_command, restore_command

    for command in (backup_command, restore_command):
        app.cli.commands["db"].add_command(command)
