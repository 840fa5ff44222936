"""The ``/api/v1`` blueprint: flask-smorest's, reading requests through schemas whose
validation errors come out in the API's format (``webapp.api.errors``), and declaring
with each route the errors it can answer, so that the generated document lists them."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import flask_smorest
from flask import Request
from marshmallow import Schema, ValidationError
from webargs.flaskparser import FlaskParser
from werkzeug.exceptions import BadRequest

from webapp.api.errors import (
    ApiError,
    ErrorSchema,
    Refusal,
    field_problems,
    register_handlers,
)

API_PREFIX = "/api/v1"

NOT_JSON = Refusal(415, "send a JSON body (Content-Type: application/json)")
NOT_AN_OBJECT = Refusal(400, "the body must be a JSON object")


class ApiParser(FlaskParser):
    """webargs' Flask parser, refusing in the API's format: a 400 naming each bad
    parameter or field, a 415 for a body that is not JSON."""

    DEFAULT_VALIDATION_STATUS = 400

    def _raw_load_json(self, req: Request) -> Any:
        # Flask's own JSON reading (the app's JSON provider), not webargs' copy of it.
        if not req.is_json:
            raise NOT_JSON()
        try:
            return req.get_json()
        except BadRequest:
            raise NOT_AN_OBJECT() from None

    def handle_error(
        self, error: ValidationError, req: Request, schema: Schema, **kwargs: Any
    ) -> None:
        # webargs keys the messages by location: {"query": {"page": [...]}}.
        messages = error.messages
        if isinstance(messages, dict) and len(messages) == 1:
            messages = next(iter(messages.values()))
        whole, fields = field_problems(messages)
        refusal = getattr(schema, "refusal", "invalid parameters")
        raise ApiError(400, whole[0] if whole and not fields else refusal, fields or None)


class ApiBlueprint(flask_smorest.Blueprint):
    """A smorest blueprint whose declarations also document the refusals they cause."""

    ARGUMENTS_PARSER = ApiParser(unknown=None)  # each schema says what unknown names are

    def arguments(self, schema: type[Schema] | Schema, *, location: str = "json", **kwargs):
        """Read the request's ``location`` through ``schema``; a 400 (and, for a body, a
        415) documented with it."""
        instance = schema() if isinstance(schema, type) else schema
        read = super().arguments(instance, location=location, error_status_code=400, **kwargs)
        refusals = [Refusal(400, getattr(instance, "refusal", "invalid parameters"))]
        if location == "json":
            refusals.append(NOT_JSON)
        document = self.refuses(*refusals)
        return lambda view: document(read(view))

    @staticmethod
    def _prepare_response_doc(doc, doc_info, **kwargs):
        # Several refusals with one status (a 403 for a scope, another for a membership):
        # one response whose description says each of them.
        for responses in doc_info.get("response", {}).get("responses", {}).values():
            described = [r for r in responses if isinstance(r, dict) and "description" in r]
            if len(described) > 1:
                texts = dict.fromkeys(r["description"] for r in reversed(described))
                for response in described:
                    response["description"] = " ".join(texts)
        return flask_smorest.Blueprint._prepare_response_doc(doc, doc_info, **kwargs)

    def refuses(self, *refusals: Refusal) -> Callable[[Callable], Callable]:
        """Document that the route may answer each of these refusals."""

        def decorate(view: Callable) -> Callable:
            for refusal in refusals:
                view = self.alt_response(
                    refusal.status, schema=ErrorSchema, description=_sentence(refusal.message)
                )(view)
            return view

        return decorate


def _sentence(message: str) -> str:
    return message[:1].upper() + message[1:] + "."


blueprint = ApiBlueprint("api", __name__, url_prefix=API_PREFIX, description="Passerelles API")
register_handlers(blueprint)
