"""The application's search engine, made once per app from its configuration."""

from __future__ import annotations

from search.backend import SearchBackend
from search.engines import make_backend


def get_backend(app) -> SearchBackend:
    """The application's backend: Meilisearch when ``MEILI_URL`` is set, else embedded."""
    backend = app.extensions.get("search_backend")
    if backend is None:
        backend = make_backend(app.config)
        app.extensions["search_backend"] = backend
    return backend
