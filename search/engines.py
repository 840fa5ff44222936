"""The choice of engine for a configuration: Meilisearch when ``MEILI_URL`` is set, else
the embedded one (SQLite + bitmaps, no service)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from search.backend import SearchBackend
from search.embedded import EmbeddedBackend
from search.meili import MeiliBackend


def make_backend(config: Mapping[str, Any]) -> SearchBackend:
    if config.get("MEILI_URL"):
        return MeiliBackend(
            config["MEILI_URL"],
            config.get("MEILI_MASTER_KEY"),
            index=config.get("MEILI_INDEX", "enterprises"),
        )
    return EmbeddedBackend(config.get("SEARCH_INDEX_PATH") or ":memory:")
