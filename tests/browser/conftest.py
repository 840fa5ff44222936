"""A real server and a real Chromium (Debian's, driven by Playwright) for browser tests.

The server runs the application in a thread, on its own SQLite file and its own search
index (the browser's requests come from another thread than the test's, so the
transaction-per-test fixtures of the other tests cannot serve here). Skipped, visibly,
when no Chromium is installed.
"""

from __future__ import annotations

import os
import shutil
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from werkzeug.serving import make_server

from config import TestConfig
from importers.reference import load_reference
from webapp import create_app
from webapp.extensions import db

CHROMIUM = os.environ.get("CHROMIUM_PATH") or shutil.which("chromium")


class BrowserConfig(TestConfig):
    def __init__(self, folder: Path) -> None:
        super().__init__()
        self.SQLALCHEMY_DATABASE_URI = f"sqlite:///{folder / 'app.sqlite3'}"
        self.SEARCH_INDEX_PATH = str(folder / "index.sqlite3")
        self.MAP_TILES_URL = ""  # no tile server: the test machine is offline


@pytest.fixture(scope="module")
def live_app(tmp_path_factory) -> Iterator:
    from flask_migrate import upgrade

    app = create_app(BrowserConfig(tmp_path_factory.mktemp("browser")))
    with app.app_context():
        upgrade()
        load_reference(db.session)
        db.session.remove()
    yield app


@pytest.fixture(scope="module")
def server_url(live_app) -> Iterator[str]:
    server = make_server("127.0.0.1", 0, live_app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        thread.join(timeout=5)


@pytest.fixture(scope="module")
def browser():
    if not CHROMIUM:
        pytest.skip("Chromium is not installed (apt-get install chromium): browser test skipped")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(
            executable_path=CHROMIUM, args=["--no-sandbox", "--disable-gpu"]
        )
        try:
            yield chromium
        finally:
            chromium.close()


@pytest.fixture
def page(browser):
    context = browser.new_context(locale="fr-FR")
    page = context.new_page()
    page.set_default_timeout(10_000)
    try:
        yield page
    finally:
        context.close()
