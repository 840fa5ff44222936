"""Loads every view module of the events blueprint, so that its routes are registered."""

from __future__ import annotations

from webapp.events.blueprint import blueprint

__all__ = ["blueprint"]
