"""(being written)"""

from __future__ import annotations

from webapp.events.blueprint import blueprint  # noqa: F401
