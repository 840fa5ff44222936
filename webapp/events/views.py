"""Loads every view module of the events blueprint, so that its routes are registered."""

from __future__ import annotations

from webapp.events import (  # noqa: F401  (imported for their routes)
    views_day,
    views_meetings,
    views_organising,
    views_public,
    views_registration,
    views_schedule,
)
from webapp.events.blueprint import blueprint

__all__ = ["blueprint"]
