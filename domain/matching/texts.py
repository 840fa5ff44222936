"""Texts the matcher writes for people — reasons, verdicts, explanations — in French,
the product's language, and translatable.

A ``Text`` is a ``str`` (its French wording: stored, served by the API, read by tests)
that also remembers the template and the values it was made from, so that the interface
can write it again in the reader's language: ``translated(translate)``, with Flask-Babel's
catalogue, where the templates are extracted from the ``N_`` marks of ``kinds``. Plain
Python: no Flask here.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from domain.kinds import N_

__all__ = ["N_", "Text"]


class Text(str):
    """``template.format(**values)``, remembering both. Values may be Texts themselves."""

    template: str
    values: dict[str, Any]
    capitalised: bool

    def __new__(cls, template: str, capitalised: bool = False, **values: Any) -> Text:
        wording = template.format(**values)
        if capitalised:
            wording = wording[:1].upper() + wording[1:]
        text = super().__new__(cls, wording)
        text.template, text.values, text.capitalised = template, values, capitalised
        return text

    def capitalise(self) -> Text:
        """The same text with a capital first letter (a reason on its own line)."""
        return Text(self.template, True, **self.values)

    def translated(self, translate: Callable[[str], str]) -> str:
        """The text written again with ``translate`` applied to its template and to those
        of the texts among its values."""
        values = {
            name: value.translated(translate) if isinstance(value, Text) else value
            for name, value in self.values.items()
        }
        wording = translate(self.template).format(**values)
        if self.capitalised:
            wording = wording[:1].upper() + wording[1:]
        return wording
