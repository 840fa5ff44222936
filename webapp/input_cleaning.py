"""Incoming text cleaned once, at the request boundary: every query argument, form field
and JSON string of every request (and the URL's own values) reaches views, forms and the
API without NUL, other control characters or lone surrogates (``domain.text.clean_text``:
tabs and line breaks stay, for multi-line fields).

PostgreSQL refuses NUL in text (a 500 on any write or lookup), openpyxl refuses the other
C0 controls (a broken export), and no one types them: so no field, form or view has to
strip them again.
"""

from __future__ import annotations

from typing import Any

from flask import Flask, Request, json
from werkzeug.datastructures import ImmutableMultiDict, MultiDict

from domain.text import clean_data


class CleanMultiDict(ImmutableMultiDict):
    """The request's query arguments and form fields (names and values) cleaned as they
    are parsed; uploaded files are left as they are."""

    def __init__(self, mapping: Any = None):
        pairs = MultiDict(mapping).items(multi=True) if mapping is not None else ()
        super().__init__([(clean_data(key), clean_data(value)) for key, value in pairs])


class _CleanJson:
    """Reads request bodies with the app's JSON provider, then cleans every string."""

    def __init__(self, provider: Any):
        self.provider = provider

    def loads(self, data: str | bytes, **kwargs: Any) -> Any:
        try:
            document = self.provider.loads(data, **kwargs)
        except RecursionError:
            # A body nested past the JSON reader's depth ('[' * 2000, 2 kB): unreadable
            # like any malformed body. A ValueError is what Flask turns into its 400
            # (``Request.on_json_loading_failed``), and ``get_json(silent=True)`` into None.
            raise ValueError("JSON nested too deep") from None
        return clean_data(document)


class CleanRequest(Request):
    """Flask's request, with its arguments, form and JSON body cleaned as they are read."""

    parameter_storage_class = CleanMultiDict

    # Flask gives each request the app's JSON provider (``request.json_module = app.json``):
    # keep it, wrapped, so that only what requests bring in is cleaned (responses, and any
    # other JSON the app reads, are left as they are).
    @property
    def json_module(self) -> _CleanJson:
        return _CleanJson(self.__dict__.get("_json_provider", json))

    @json_module.setter
    def json_module(self, provider: Any) -> None:
        self.__dict__["_json_provider"] = provider


def _clean_url_values(_endpoint: str | None, values: dict[str, Any] | None) -> None:
    """A path segment is input too ("/espace/reseaux/a%00b/")."""
    if values:
        values.update(clean_data(values))


def init_app(app: Flask) -> None:
    app.request_class = CleanRequest
    app.url_value_preprocessor(_clean_url_values)
