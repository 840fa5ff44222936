"""Texts the matcher writes for people — reasons, verdicts, explanations — in French,
the product's language, and translatable.

A ``Text`` is a ``str`` (its French wording: stored, served by the API, read by tests)
that also remembers the template and the values it was made from, so that the interface
can show it in the reader's language: ``as_data()`` is kept with the result, and
``render(data, translate)`` writes it again through a translation function (Flask-Babel's
catalogue, where the templates are extracted from the ``N_`` marks of ``kinds``). Plain Python: no
Flask here.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from webapp.domain.kinds import N_

__all__ = ["N_", "Text", "data_of", "render"]


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

    def as_data(self) -> dict[str, Any]:
        """JSON-ready: the template, the values (texts among them as data too)."""
        data: dict[str, Any] = {
            "template": self.template,
            "values": {
                name: value.as_data() if isinstance(value, Text) else value
                for name, value in self.values.items()
            },
        }
        if self.capitalised:
            data["capitalised"] = True
        return data


def data_of(text: str) -> dict[str, Any] | None:
    """``text.as_data()`` for a Text; None for a plain string (nothing to translate)."""
    return text.as_data() if isinstance(text, Text) else None


def render(
    data: dict[str, Any],
    translate: Callable[[str], str],
    value: Callable[[str, Any], Any] = lambda name, v: v,
) -> str:
    """The text of ``data`` (``Text.as_data``) written again with ``translate`` applied to
    every template; ``value(name, v)`` may change a value first (a sector slug into its
    name)."""
    values = {
        name: render(v, translate, value) if _is_text(v) else value(name, v)
        for name, v in data["values"].items()
    }
    wording = translate(data["template"]).format(**values)
    if data.get("capitalised"):
        wording = wording[:1].upper() + wording[1:]
    return wording


def _is_text(value: Any) -> bool:
    return isinstance(value, dict) and "template" in value and "values" in value
